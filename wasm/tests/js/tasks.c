/*
 * tasks.c: C tasks for the JS tests (tasks.h). The sleep makes a task finish
 * on its pthread while JS waits, the path Atomics.waitAsync (or polling,
 * without it) serves.
 */
#define _POSIX_C_SOURCE 200809L /* nanosleep */
#include "tasks.h"

#include <stdlib.h>
#include <time.h>

typedef struct sleep_arg {
  double ms;
  int code;
  int32_t tag;
} sleep_arg;

static int sleep_task(void *arg, void **result) {
  sleep_arg a = *(sleep_arg *)arg;
  free(arg);
  if (a.ms > 0) {
    struct timespec ts;
    ts.tv_sec = (time_t)(a.ms / 1000);
    ts.tv_nsec = (long)((a.ms - (double)ts.tv_sec * 1000) * 1e6);
    nanosleep(&ts, NULL);
  }
  if (result) *result = (void *)(intptr_t)a.tag;
  return a.code;
}

cy_future *cy_test_submit_sleep(cy_executor *ex, double ms, int code, int32_t tag) {
  if (!ex) return NULL;
  sleep_arg *a = malloc(sizeof *a);
  if (!a) return NULL;
  a->ms = ms;
  a->code = code;
  a->tag = tag;
  cy_future *f = cy_submit(ex, sleep_task, a);
  if (!f) free(a);
  return f;
}
