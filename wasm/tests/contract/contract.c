/*
 * A program written only against the "Minimal C contract" of DESIGN.md, built
 * by the install test against the *installed* header and library:
 *
 *   cc -I PREFIX/include contract.c PREFIX/lib/libconcurry.a -lm -pthread
 *   ./a.out 2          # native: a pool of 2 threads
 *   node scripts/wasi-run.mjs a.wasm 0   # wasm32-wasi: tasks run inline
 *
 * Exit status 0 and a last line "contract: ok" when the contract holds.
 */
#include <concurry.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NTASKS 64
#define FAILING 17 /* the index of the task that fails */
#define FAIL_CODE 42

static int work(void *arg, void **result) {
  intptr_t i = (intptr_t)arg;
  if (i == FAILING) return FAIL_CODE;
  uint64_t x = (uint64_t)i;
  for (int k = 0; k < 1000; k++) x = x * 6364136223846793005ULL + 1442695040888963407ULL;
  (void)x;
  *result = (void *)(i * 3);
  return 0;
}

#define CHECK(cond)                                                          \
  do {                                                                       \
    if (!(cond)) {                                                           \
      fprintf(stderr, "contract: %s:%d: check failed: %s\n", __FILE__,      \
              __LINE__, #cond);                                              \
      return 1;                                                              \
    }                                                                        \
  } while (0)

int main(int argc, char **argv) {
  int nthreads = argc > 1 ? atoi(argv[1]) : 2;
  cy_executor *ex = cy_executor_new(nthreads);
  CHECK(ex != NULL);
  CHECK(cy_executor_new(-1) == NULL);

  cy_future *fs[NTASKS];
  for (intptr_t i = 0; i < NTASKS; i++) {
    fs[i] = cy_submit(ex, work, (void *)i);
    CHECK(fs[i] != NULL);
  }

  cy_wait_opts opts;
  cy_wait_opts_init(&opts);
  CHECK(opts.return_when == CY_ALL_COMPLETED);
  CHECK(opts.timeout_ms < 0);

  /* FIRST_COMPLETED: at least one is done. */
  unsigned char done[NTASKS];
  opts.return_when = CY_FIRST_COMPLETED;
  opts.timeout_ms = 10000;
  CHECK(cy_wait(fs, NTASKS, &opts, done) == 0);
  int ndone = 0;
  for (int i = 0; i < NTASKS; i++) ndone += done[i] != 0;
  CHECK(ndone >= 1);

  /* FIRST_EXCEPTION: returns once task FAILING has failed (or all are done). */
  opts.return_when = CY_FIRST_EXCEPTION;
  CHECK(cy_wait(fs, NTASKS, &opts, done) == 0);
  CHECK(done[FAILING]);

  /* ALL_COMPLETED, no timeout, done_flags may be NULL. */
  opts.return_when = CY_ALL_COMPLETED;
  opts.timeout_ms = -1;
  CHECK(cy_wait(fs, NTASKS, &opts, NULL) == 0);

  long sum = 0;
  for (int i = 0; i < NTASKS; i++) {
    void *out = NULL;
    int rc = cy_future_result(fs[i], 0, &out);
    if (i == FAILING) {
      CHECK(rc == FAIL_CODE);
    } else {
      CHECK(rc == 0);
      CHECK((intptr_t)out == (intptr_t)i * 3);
      sum += (long)(intptr_t)out;
    }
    cy_future_release(fs[i]);
  }
  CHECK(sum == 3L * (NTASKS * (NTASKS - 1) / 2 - FAILING));

  /* n == 0 holds at once. */
  CHECK(cy_wait(fs, 0, &opts, NULL) == 0);

  const char *msg = cy_strerror(CY_ETIMEDOUT);
  CHECK(msg != NULL && strlen(msg) > 0);
  CHECK(cy_strerror(CY_ECANCELED) != NULL);
  CHECK(cy_strerror(0) != NULL);

  cy_executor_free(ex);
  printf("contract: ok (%d threads, %d tasks, sum %ld, CY_ETIMEDOUT: %s)\n", nthreads,
         NTASKS, sum, msg);
  return 0;
}
