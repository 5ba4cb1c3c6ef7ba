/*
 * fuzz.h: what every fuzz target shares: invariant checks that abort (so
 * libFuzzer keeps the input), and a cursor over the input bytes that reads
 * zeros once they run out (so every input is a complete program).
 */
#ifndef CY_FUZZ_H
#define CY_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c)                                                                  \
  do {                                                                            \
    if (!(c)) {                                                                   \
      fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #c);   \
      abort();                                                                    \
    }                                                                             \
  } while (0)

static const uint8_t *in_p;
static size_t in_n;

static inline void input_begin(const uint8_t *data, size_t size) {
  in_p = data;
  in_n = size;
}

static inline uint8_t u8(void) {
  if (!in_n) return 0;
  in_n--;
  return *in_p++;
}

static inline uint32_t u32(void) {
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) v = v << 8 | u8();
  return v;
}

/* A double from 8 raw input bytes: NaNs with payloads, denormals, anything. */
static inline double raw_double(void) {
  uint64_t bits = 0;
  for (int i = 0; i < 8; i++) bits = bits << 8 | u8();
  double d;
  memcpy(&d, &bits, sizeof d);
  return d;
}

#endif
