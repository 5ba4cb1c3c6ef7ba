/*
 * examples/native.c: C tasks on a pthread pool, awaited with wait and gather.
 * Built against an installed library (README, "Installing the C library"):
 *
 *   cmake --install build/native --prefix PREFIX
 *   export PKG_CONFIG_PATH=PREFIX/lib/pkgconfig
 *   cc -std=c11 examples/native.c $(pkg-config --cflags --libs concurry) -o native
 *   ./native
 *
 * It counts the primes below 2,000,000 in 8 tasks, next to one task that
 * fails, and checks every answer: exit status 0 and "native: ok" at the end.
 */
#include <concurry.h>

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#define NRANGES 8
#define SPAN 250000L
#define N (NRANGES + 1) /* the ranges, then the failing task */
#define BAD_INPUT 7     /* our own failure code: any non-zero int */

typedef struct { long lo, hi; } range;

/* A task returns 0 and sets *result, or returns its failure code. */
static int count_primes(void *arg, void **result) {
  const range *r = arg;
  if (r->lo < 0 || r->hi < r->lo) return BAD_INPUT;
  intptr_t count = 0;
  for (long n = r->lo < 2 ? 2 : r->lo; n < r->hi; n++) {
    int prime = 1;
    for (long d = 2; d * d <= n && prime; d++) prime = n % d != 0;
    count += prime;
  }
  *result = (void *)count;
  return 0;
}

/* Done-callbacks run exactly once, on the thread that completed the future. */
static void on_done(cy_future *f, void *arg) {
  (void)f;
  atomic_fetch_add((atomic_int *)arg, 1);
}

#define CHECK(cond) \
  do { if (!(cond)) { fprintf(stderr, "native: check failed: %s\n", #cond); return 1; } } while (0)

int main(void) {
  cy_executor *pool = cy_executor_new(4);
  CHECK(pool != NULL);

  range ranges[N];
  cy_future *fs[N];
  atomic_int ncallbacks = 0;
  for (int i = 0; i < N; i++) {
    ranges[i] = i < NRANGES ? (range){ i * SPAN, (i + 1) * SPAN } : (range){ -1, 0 };
    fs[i] = cy_submit(pool, count_primes, &ranges[i]);
    CHECK(fs[i] != NULL);
    cy_future_add_done_callback(fs[i], on_done, &ncallbacks);
  }

  /* wait: return as soon as one task has finished. */
  cy_wait_opts opts;
  cy_wait_opts_init(&opts); /* defaults from the global config: ALL_COMPLETED, no timeout */
  opts.return_when = CY_FIRST_COMPLETED;
  unsigned char done[N];
  CHECK(cy_wait(fs, N, &opts, done) == 0);
  for (int i = 0; i < N; i++)
    if (done[i]) printf("first completed: task %d\n", i);

  /* FIRST_EXCEPTION returns once the failing task has failed. */
  opts.return_when = CY_FIRST_EXCEPTION;
  CHECK(cy_wait(fs, N, &opts, done) == 0 && done[NRANGES]);

  /* gather: every outcome in input order, with a text progress bar on stderr. */
  cy_progress_bar bar;
  cy_progress_bar_init(&bar, "primes");
  cy_wait_opts_init(&opts);
  opts.progress = cy_progress_bar_report;
  opts.progress_arg = &bar;
  cy_outcome out[N];
  int rc = cy_gather(fs, N, &opts, out);
  CHECK(rc == BAD_INPUT); /* the code of the first failure in input order */
  long total = 0;
  for (int i = 0; i < N; i++) {
    if (out[i].state == CY_STATE_SUCCEEDED) total += (long)(intptr_t)out[i].value;
    else printf("task %d failed with code %d\n", i, out[i].code);
  }
  printf("primes below %ld: %ld\n", NRANGES * SPAN, total);
  CHECK(total == 148933);
  CHECK(atomic_load(&ncallbacks) == N);

  /* A future completed by hand, and a timeout: every time is in milliseconds. */
  cy_future *answer = cy_future_new();
  void *value = NULL;
  rc = cy_future_result(answer, 20, &value);
  printf("before set_result: %s\n", cy_strerror(rc));
  CHECK(rc == CY_ETIMEDOUT);
  CHECK(cy_future_set_result(answer, (void *)(intptr_t)42) == 0);
  CHECK(cy_future_set_result(answer, NULL) == CY_EINVALSTATE); /* one completion wins */
  CHECK(cy_future_result(answer, -1, &value) == 0 && (intptr_t)value == 42);
  cy_future_release(answer);

  for (int i = 0; i < N; i++) cy_future_release(fs[i]);
  cy_executor_free(pool); /* finishes queued and running tasks, joins the threads */
  printf("native: ok\n");
  return 0;
}
