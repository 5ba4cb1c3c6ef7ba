/*
 * demo.c: the core at work from C. A pool runs tasks of uneven length; a
 * wait with FIRST_COMPLETED shows the first to finish, the as-completed
 * iterator streams the rest with a progress bar, and gather collects
 * outcomes in input order, failures included.
 *
 *   usage: concurry_demo [NTASKS] [NTHREADS]   (defaults 40 and 4; WASI: 0 threads)
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "concurry.h"

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* Task i sleeps a pseudo-random 5..60 ms and returns i*i; every 13th fails
 * with code 13 so the demo shows failures travelling through gather. */
static int work(void *arg, void **result) {
  intptr_t i = (intptr_t)arg;
  sleep_ms(5 + (long)((i * 7919) % 56));
  if (i % 13 == 12) {
    *result = (void *)"unlucky";
    return 13;
  }
  *result = (void *)(i * i);
  return 0;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 40;
  int threads = argc > 2 ? atoi(argv[2]) : (cy_has_threads() ? 4 : 0);
  if (n <= 0 || threads < 0) {
    fprintf(stderr, "usage: %s [NTASKS >= 1] [NTHREADS >= 0]\n", argv[0]);
    return 2;
  }
  cy_executor *ex = cy_executor_new(threads);
  if (!ex) {
    fprintf(stderr, "cy_executor_new(%d) failed\n", threads);
    return 1;
  }
  cy_future **fs = calloc((size_t)n, sizeof *fs);
  cy_outcome *out = calloc((size_t)n, sizeof *out);
  if (!fs || !out) return 1;
  printf("concurry demo: %d tasks on %d threads%s\n", n, threads,
         threads ? "" : " (inline: this build runs tasks at submit)");
  double t0 = cy_now_ms();
  for (intptr_t i = 0; i < n; i++) fs[i] = cy_submit(ex, work, (void *)i);

  cy_wait_opts o;
  cy_wait_opts_init(&o);
  o.return_when = CY_FIRST_COMPLETED;
  unsigned char *flags = calloc((size_t)n, 1);
  int rc = cy_wait(fs, (size_t)n, &o, flags);
  for (int i = 0; i < n && rc == 0; i++)
    if (flags[i]) {
      printf("first to finish: task %d after %.1f ms\n", i, cy_now_ms() - t0);
      break;
    }

  cy_progress_bar bar;
  cy_progress_bar_init(&bar, "tasks");
  bar.out = stdout;
  cy_wait_opts_init(&o);
  o.progress = cy_progress_bar_report;
  o.progress_arg = &bar;
  cy_as_completed *it;
  if (cy_as_completed_create(&it, fs, (size_t)n, &o) == 0) {
    size_t idx;
    cy_outcome oc;
    while (cy_as_completed_next(it, 5000, &idx, &oc) == 0) {
    }
    cy_as_completed_free(it);
  }

  cy_wait_opts_init(&o);
  /* Failures are outcomes here: out[] tells each one, whatever rc says. */
  rc = cy_gather(fs, (size_t)n, &o, out);
  int failed = 0;
  long long sum = 0;
  for (int i = 0; i < n; i++) {
    if (out[i].state == CY_STATE_SUCCEEDED) sum += (intptr_t)out[i].value;
    else {
      failed++;
      printf("task %d failed: code %d (%s)\n", i, out[i].code, (const char *)out[i].value);
    }
  }
  printf("gather: %s; %d ok, %d failed, sum of squares %lld, %.1f ms\n", cy_strerror(rc),
         n - failed, failed, sum, cy_now_ms() - t0);

  for (int i = 0; i < n; i++) cy_future_release(fs[i]);
  cy_executor_free(ex);
  free(fs);
  free(out);
  free(flags);
  return 0;
}
