/*
 * gen-constants.c: writes bindings/constants.js from the lists in concurry.h
 * (CY_ERRNO_MAP, CY_STATE_MAP, CY_RETURN_WHEN_MAP), so the JS bindings and
 * the core share one source for every named number.
 *
 *   concurry_constants > bindings/constants.js      regenerate
 *   concurry_constants --check bindings/constants.js exit 1 (and say where)
 *                                                    when the file drifted
 *
 * ctest runs the check (c/constants) on the native build.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "concurry.h"

/* The generated text, written into buf (NUL-terminated). */
static size_t generate(char *buf, size_t cap) {
  size_t len = 0;
#define OUT(...)                                                              \
  do {                                                                        \
    int n_ = snprintf(buf + len, len < cap ? cap - len : 0, __VA_ARGS__);     \
    if (n_ > 0) len += (size_t)n_;                                            \
  } while (0)
  OUT("// Generated from wasm/include/concurry.h by wasm/tests/gen-constants.c: do not edit.\n"
      "// Regenerate with `build/native/concurry_constants > bindings/constants.js`\n"
      "// (ctest c/constants fails while this file and the header disagree).\n"
      "/**\n"
      " * The core's named numbers: error codes (CY_ERRNO_MAP), future states\n"
      " * (CY_STATE_MAP) and return conditions (CY_RETURN_WHEN_MAP).\n"
      " * @module concurry-wasm/constants\n"
      " */\n\n");
  OUT("/* Error codes: negative, so never a task's own failure code. */\n");
#define ERRNO(name, value, message) OUT("/** %s */\nexport const CY_%s = %d;\n", message, #name, value);
  CY_ERRNO_MAP(ERRNO)
#undef ERRNO
  OUT("\n/* Future states (2 is internal: a completion in progress). */\n");
#define STATE(name, value) OUT("export const STATE_%s = %d;\n", #name, value);
  CY_STATE_MAP(STATE)
#undef STATE
  OUT("\n/* Return conditions of a wait (cy_wait_opts.return_when). */\n");
#define RETURN_WHEN(name, value) OUT("export const %s = %d;\n", #name, value);
  CY_RETURN_WHEN_MAP(RETURN_WHEN)
#undef RETURN_WHEN
  OUT("\n/** Every error code by name. */\nexport const ERRORS = Object.freeze({\n");
#define ERRNO(name, value, message) OUT("  CY_%s: %d,\n", #name, value);
  CY_ERRNO_MAP(ERRNO)
#undef ERRNO
  OUT("});\n\n/** Every state by name. */\nexport const STATES = Object.freeze({\n");
#define STATE(name, value) OUT("  %s: %d,\n", #name, value);
  CY_STATE_MAP(STATE)
#undef STATE
  OUT("});\n\n/** Every return condition by name. */\nexport const RETURN_WHEN = Object.freeze({\n");
#define RETURN_WHEN(name, value) OUT("  %s: %d,\n", #name, value);
  CY_RETURN_WHEN_MAP(RETURN_WHEN)
#undef RETURN_WHEN
  OUT("});\n");
#undef OUT
  return len;
}

int main(int argc, char **argv) {
  static char want[16384];
  size_t len = generate(want, sizeof want);
  if (len >= sizeof want) {
    fprintf(stderr, "gen-constants: output larger than %zu bytes\n", sizeof want);
    return 2;
  }
  if (argc == 1) {
    fputs(want, stdout);
    return 0;
  }
  if (argc != 3 || strcmp(argv[1], "--check") != 0) {
    fprintf(stderr, "usage: %s [--check bindings/constants.js]\n", argv[0]);
    return 2;
  }
  static char have[16384];
  FILE *f = fopen(argv[2], "rb");
  size_t n = 0;
  if (f) {
    n = fread(have, 1, sizeof have - 1, f);
    fclose(f);
  }
  have[n] = '\0';
  if (f && n == len && memcmp(have, want, len) == 0) {
    printf("%s matches concurry.h\n", argv[2]);
    return 0;
  }
  /* Name the first line that differs, so the drift is visible in the log. */
  size_t line = 1, i = 0;
  while (i < n && i < len && have[i] == want[i]) line += have[i++] == '\n';
  fprintf(stderr, "%s %s concurry.h (first difference on line %zu); regenerate it with\n"
          "  %s > %s\n", argv[2], f ? "does not match" : "is missing; it must match", line,
          argv[0], argv[2]);
  return 1;
}
