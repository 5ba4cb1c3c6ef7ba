/*
 * examples/wasi.c: futures, wait and gather in a wasm32-wasi program. The WASI
 * build has no threads: tasks run inline at cy_submit, and work that finishes
 * elsewhere is a probe-only future that waits check at the pace of a polling
 * strategy. Built against an installed library (README, "Installing the C
 * library"):
 *
 *   cmake --install build/wasi --prefix PREFIX
 *   export PKG_CONFIG_PATH=PREFIX/lib/pkgconfig
 *   clang --target=wasm32-wasi -std=c11 examples/wasi.c $(pkg-config --cflags --libs concurry) -o wasi.wasm
 *   node scripts/wasi-run.mjs wasi.wasm
 *
 * Exit status 0 and "wasi: ok" at the end.
 */
#include <concurry.h>

#include <stdint.h>
#include <stdio.h>

#define CHECK(cond) \
  do { if (!(cond)) { fprintf(stderr, "wasi: check failed: %s\n", #cond); return 1; } } while (0)

/* A C task: the n-th Fibonacci number, or failure code 9 for n < 0. */
static int fib(void *arg, void **result) {
  intptr_t n = (intptr_t)arg, a = 0, b = 1;
  if (n < 0) return 9;
  for (intptr_t i = 0; i < n; i++) { intptr_t t = a + b; a = b; b = t; }
  *result = (void *)a;
  return 0;
}

/* Outside work the program can only ask about ("is it done yet?"): here a
 * job that is done at its checks-th check. */
typedef struct { int checks; intptr_t value; } job;

static int job_probe(void *arg, int *code, void **value) {
  job *j = arg;
  if (--j->checks > 0) return 0; /* not yet */
  *code = 0;
  *value = (void *)j->value;
  return 1;
}

int main(void) {
  printf("threads: %s\n", cy_has_threads() ? "yes" : "no");
  cy_executor *inline_ex = cy_executor_new(0);
  CHECK(inline_ex != NULL);

  job jobs[2] = { { 4, 1000 }, { 2, 2000 } };
  cy_future *fs[5] = {
    cy_submit(inline_ex, fib, (void *)(intptr_t)30),  /* done at submit */
    cy_submit(inline_ex, fib, (void *)(intptr_t)-1),  /* failed at submit */
    cy_future_new_probe(job_probe, &jobs[0]),
    cy_future_new_probe(job_probe, &jobs[1]),
    cy_future_new(),                                  /* completed by hand below */
  };
  for (int i = 0; i < 5; i++) CHECK(fs[i] != NULL);

  /* wait with a timeout: the hand-made future is still pending. */
  cy_wait_opts opts;
  cy_wait_opts_init(&opts);
  opts.polling = "exponential"; /* probe after 1, 2, 4, ... ms */
  opts.timeout_ms = 50;
  unsigned char done[5];
  int rc = cy_wait(fs, 5, &opts, done);
  printf("wait: %s; done:", cy_strerror(rc));
  for (int i = 0; i < 5; i++) printf(" %d", done[i]);
  printf("\n");
  CHECK(rc == CY_ETIMEDOUT && done[0] && done[1] && done[2] && done[3] && !done[4]);

  CHECK(cy_future_set_result(fs[4], (void *)(intptr_t)7) == 0);

  /* gather: outcomes in input order; the return value is the first failure's code. */
  cy_outcome out[5];
  opts.timeout_ms = -1; /* none */
  rc = cy_gather(fs, 5, &opts, out);
  CHECK(rc == 9);
  for (int i = 0; i < 5; i++) {
    if (out[i].state == CY_STATE_SUCCEEDED) printf("fs[%d] = %ld\n", i, (long)(intptr_t)out[i].value);
    else printf("fs[%d] failed with code %d\n", i, out[i].code);
  }
  CHECK((intptr_t)out[0].value == 832040 && out[1].code == 9);
  CHECK((intptr_t)out[2].value == 1000 && (intptr_t)out[3].value == 2000 && (intptr_t)out[4].value == 7);

  for (int i = 0; i < 5; i++) cy_future_release(fs[i]);
  cy_executor_free(inline_ex);
  printf("wasi: ok\n");
  return 0;
}
