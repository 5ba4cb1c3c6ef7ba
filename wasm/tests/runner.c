/*
 * Runs every table, or the tests whose names contain argv[1..]. Prints one
 * line per test and closes with "N passed, N failed, N skipped", the line CI
 * reads. Exit status: 0 when nothing failed.
 */
#define _POSIX_C_SOURCE 200809L
#include "runner.h"

#include <stdlib.h>
#include <time.h>

#define GROUPS(X) \
  X(errors) X(future) X(callbacks) X(executor) X(wait) X(batch) X(gather) \
  X(polling) X(config) X(progress) X(stress)

#define DECLARE(g) extern const cy_test_case cy_tests_##g[];
GROUPS(DECLARE)
#undef DECLARE

static const struct { const char *group; const cy_test_case *tests; } tables[] = {
#define ENTRY(g) {#g, cy_tests_##g},
    GROUPS(ENTRY)
#undef ENTRY
};

void cy_test_sleep_ms(double ms) {
  struct timespec ts;
  ts.tv_sec = (time_t)(ms / 1000);
  ts.tv_nsec = (long)((ms - (double)ts.tv_sec * 1000) * 1e6);
  nanosleep(&ts, NULL);
}

#ifndef CY_NO_THREADS
void *cy_test_complete_span(void *p) {
  cy_test_span *s = p;
  for (int i = 0; i < s->n; i++) cy_future_set_result(s->fs[i], NULL);
  return NULL;
}
#endif

static int selected(const char *group, const char *name, int argc, char **argv) {
  char full[256];
  if (argc < 2) return 1;
  snprintf(full, sizeof full, "%s/%s", group, name);
  for (int i = 1; i < argc; i++)
    if (strstr(full, argv[i])) return 1;
  return 0;
}

int main(int argc, char **argv) {
  int passed = 0, failed = 0, skipped = 0;
  setvbuf(stdout, NULL, _IONBF, 0);
  for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
    for (const cy_test_case *c = tables[t].tests; c->name; c++) {
      if (!selected(tables[t].group, c->name, argc, argv)) continue;
      if (c->needs_threads && !cy_has_threads()) {
        printf("skip %s/%s (no threads in this build)\n", tables[t].group, c->name);
        skipped++;
        continue;
      }
      double t0 = cy_now_ms();
      cy_config_reset();
      int rc = c->fn();
      double dt = cy_now_ms() - t0;
      printf("%s %s/%s (%.1f ms)\n", rc ? "FAIL" : "ok  ", tables[t].group, c->name, dt);
      if (rc) failed++; else passed++;
    }
  }
  printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
  return failed ? 1 : 0;
}
