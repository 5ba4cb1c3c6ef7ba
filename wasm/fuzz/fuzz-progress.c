/*
 * fuzz-progress.c: progress reporting and error names, the parts that format
 * or clamp numbers a caller hands in.
 *
 *   - the cadence (cy__progress_start/update/finish, internal.h) fed any
 *     counts (above total, going down, failed above completed) and any
 *     miniters: reports keep failed <= completed <= total, never go down,
 *     come exactly when miniters completions have passed since the last one,
 *     and the final report comes once, with nothing after it;
 *   - cy_progress_bar_format with any bar (NULL, odd widths, descriptions and
 *     units with % in them) and any cy_progress (NaN/inf/negative/huge
 *     elapsed, counts up to SIZE_MAX): the length returned is the full
 *     line's, a smaller buffer gets a NUL-terminated prefix of it and nothing
 *     past its end, the percentage is within 0..100;
 *   - cy_progress_bar_report into /dev/null;
 *   - cy_strerror / cy_err_name for any int: never NULL or empty.
 */
#include "internal.h"
#include "fuzz.h"

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static size_t fuzz_count(void) {
  uint8_t b = u8();
  switch (b % 8) {
  case 0: return 0;
  case 1: return SIZE_MAX;
  case 2: return SIZE_MAX / 100 + (u8() % 3) - 1;
  case 3: return (size_t)u8() << (u8() % 64 & (sizeof(size_t) * 8 - 1));
  default: return u8() % 24;
  }
}

static double fuzz_number(void) {
  static const double v[] = {NAN, INFINITY, -INFINITY, 0.0, -0.0, DBL_MAX, -DBL_MAX,
                             4.9406564584124654e-324, 1, 49.99, 50, 59999.9, 60000,
                             3599999, 3600000, 86400000, 4294967295000.0, 4294967296000.0,
                             1.8446744073709552e22, 1e300, -1, -60000};
  uint8_t b = u8();
  if (b < 220) return v[b % (sizeof v / sizeof v[0])];
  return raw_double();
}

/* ---- cadence ------------------------------------------------------------------ */

typedef struct seen {
  size_t total, miniters, last_c, last_f;
  int reports, finals;
} seen;

static void on_report(const cy_progress *p, void *arg) {
  seen *s = arg;
  CHECK(s->finals == 0);
  CHECK(p->total == s->total);
  CHECK(p->failed <= p->completed && p->completed <= p->total);
  CHECK(p->completed >= s->last_c && p->failed >= s->last_f);
  CHECK(p->elapsed_ms >= 0);
  CHECK(p->final == 0 || p->final == 1);
  if (p->final) s->finals++;
  else CHECK(p->completed - s->last_c >= s->miniters);
  s->last_c = p->completed;
  s->last_f = p->failed;
  s->reports++;
}

static void op_cadence(void) {
  seen s = {0};
  cy__progress_state ps;
  size_t miniters = u8() % 4 == 0 ? fuzz_count() : u8() % 5;
  s.total = fuzz_count();
  s.miniters = miniters ? miniters : 1;
  int with_fn = u8() % 8 != 0;
  cy__progress_start(&ps, with_fn ? on_report : NULL, &s, miniters, s.total, cy_now_ms());
  int steps = u8() % 32;
  for (int i = 0; i < steps; i++) {
    size_t c = fuzz_count(), f = fuzz_count();
    int before = s.reports;
    size_t last = s.last_c;
    if (u8() % 16 == 0) {
      cy__progress_finish(&ps, c, f);
      if (with_fn) CHECK(s.finals == 1);
      continue;
    }
    cy__progress_update(&ps, c, f);
    if (!with_fn || s.finals) {
      CHECK(s.reports == before);
      continue;
    }
    /* Exactly when the clamped count moved miniters past the last report. */
    size_t cc = c > s.total ? s.total : c;
    if (cc < last) cc = last;
    CHECK(s.reports == before + (cc - last >= s.miniters));
  }
  cy__progress_finish(&ps, fuzz_count(), fuzz_count());
  cy__progress_finish(&ps, fuzz_count(), fuzz_count());
  CHECK(s.finals == with_fn);
  cy__progress_update(NULL, 1, 1);
  cy__progress_finish(NULL, 1, 1);
}

/* ---- text bar ----------------------------------------------------------------- */

static char desc_buf[48], unit_buf[16];

static const char *fuzz_text(char *buf, size_t cap) {
  uint8_t b = u8();
  if (b % 4 == 0) return NULL;
  if (b % 4 == 1) return "";
  size_t n = u8() % cap;
  for (size_t i = 0; i < n; i++) {
    char c = (char)u8();
    buf[i] = c ? c : '%';
  }
  buf[n] = 0;
  return buf;
}

static FILE *devnull;

static void op_bar(void) {
  cy_progress_bar bar, *barp = NULL;
  if (u8() % 6) {
    cy_progress_bar_init(&bar, NULL);
    CHECK(bar.out == stderr && bar.width > 0 && bar.unit);
    bar.desc = fuzz_text(desc_buf, sizeof desc_buf);
    bar.unit = fuzz_text(unit_buf, sizeof unit_buf);
    static const int widths[] = {0, 1, -1, 30, 200, 201, INT_MAX, INT_MIN, 7};
    bar.width = widths[u8() % 9];
    bar.out = devnull;
    barp = &bar;
  }
  cy_progress p;
  p.total = fuzz_count();
  p.completed = u8() % 2 ? fuzz_count() : (p.total ? p.total - u8() % 2 : 0);
  p.failed = fuzz_count();
  p.elapsed_ms = fuzz_number();
  p.final = u8() % 3 == 2 ? (int)(int8_t)u8() : u8() % 2;

  static char full[8192];
  int n = cy_progress_bar_format(barp, &p, full, sizeof full);
  CHECK(n > 0 && (size_t)n < sizeof full);
  CHECK(strlen(full) == (size_t)n);
  CHECK(cy_progress_bar_format(barp, &p, NULL, 0) == n);
  CHECK(cy_progress_bar_format(barp, NULL, full + 4096, 8) == CY_EINVAL && full[4096] == 0);

  /* The percentage, when the line starts with it. */
  if (!barp || !barp->desc || !*barp->desc) {
    int pct = -1;
    CHECK(sscanf(full, "%d%%|", &pct) == 1);
    CHECK(pct >= 0 && pct <= 100);
  }

  /* A short buffer: the same length, a terminated prefix, nothing past len. */
  size_t len = u8() % 64;
  char small[80];
  memset(small, 0x5A, sizeof small);
  CHECK(cy_progress_bar_format(barp, &p, small, len) == n);
  if (len) {
    size_t keep = (size_t)n < len - 1 ? (size_t)n : len - 1;
    CHECK(memcmp(small, full, keep) == 0 && small[keep] == 0);
  }
  for (size_t i = len; i < sizeof small; i++) CHECK(small[i] == 0x5A);

  if (barp) {
    bar.last_len = u8() % 2 ? 0 : (int)u8();
    cy_progress_bar_report(&p, &bar);
    CHECK(bar.last_len >= 0);
  }
  cy_progress_bar_report(NULL, barp);
  cy_progress_bar_report(&p, NULL);
}

/* ---- errors ------------------------------------------------------------------- */

static int is_core_code(int e) {
  static const int codes[] = {
#define CODE(name, value, message) value,
      CY_ERRNO_MAP(CODE)
#undef CODE
  };
  for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
    if (codes[i] == e) return 1;
  return 0;
}

static void op_errors(void) {
  int e;
  uint8_t b = u8();
  if (b < 128) e = -(int)(b % 16);
  else if (b < 160) e = b == 128 ? INT_MIN : INT_MAX;
  else e = (int)((uint32_t)u8() << 24 | (uint32_t)u8() << 16 | (uint32_t)u8() << 8 | u8());
  const char *msg = cy_strerror(e), *name = cy_err_name(e);
  CHECK(msg && *msg && name && *name);
  if (is_core_code(e)) CHECK(strncmp(name, "CY_E", 4) == 0);
  else if (e == 0) CHECK(strcmp(name, "OK") == 0);
  else CHECK(strcmp(name, "CY_UNKNOWN") == 0);
  if (e > 0) {
    char want[48];
    snprintf(want, sizeof want, "task failed with code %d", e);
    CHECK(strcmp(msg, want) == 0);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!devnull) devnull = fopen("/dev/null", "w");
  CHECK(devnull);
  input_begin(data, size);
  int steps = 0;
  while (in_n && steps++ < 64) {
    switch (u8() % 4) {
    case 0: op_cadence(); break;
    case 1: case 2: op_bar(); break;
    default: op_errors(); break;
    }
  }
  return 0;
}
