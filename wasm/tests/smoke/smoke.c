/*
 * Emscripten smoke test (C side): smoke_run(n) runs n tasks on a pool of 4
 * pthreads, waits for them with cy_wait and returns a checksum, or a negative
 * number saying what went wrong. Linked into a module built like
 * dist/concurry-core.js; driven by smoke.mjs under Node.
 */
#include <emscripten/emscripten.h>
#include <emscripten/threading.h>
#include <stdint.h>
#include <stdlib.h>

#include "concurry.h"

static _Atomic int on_main_thread;

static int square(void *arg, void **result) {
  intptr_t i = (intptr_t)arg;
  if (emscripten_is_main_runtime_thread()) on_main_thread++;
  volatile uint32_t x = 0; /* a little work so the pool overlaps */
  for (int k = 0; k < 20000; k++) x += (uint32_t)k;
  (void)x;
  *result = (void *)(i * i);
  return 0;
}

EMSCRIPTEN_KEEPALIVE int smoke_run(int n) {
  if (n < 0 || n > 1000) return -1;
  cy_executor *ex = cy_executor_new(4);
  if (!ex) return -2;
  cy_future **fs = calloc((size_t)n + 1, sizeof *fs);
  unsigned char *done = calloc((size_t)n + 1, 1);
  if (!fs || !done) return -3;
  for (int i = 0; i < n; i++) {
    fs[i] = cy_submit(ex, square, (void *)(intptr_t)(i + 1));
    if (!fs[i]) return -4;
  }
  cy_wait_opts opts;
  cy_wait_opts_init(&opts);
  opts.return_when = CY_ALL_COMPLETED;
  opts.timeout_ms = 20000;
  int rc = cy_wait(fs, (size_t)n, &opts, done);
  if (rc != 0) return -5;
  int checksum = 0;
  for (int i = 0; i < n; i++) {
    void *out = NULL;
    if (!done[i]) return -6;
    if (cy_future_result(fs[i], 0, &out) != 0) return -7;
    checksum += (int)(intptr_t)out;
    cy_future_release(fs[i]);
  }
  cy_executor_free(ex);
  free(fs);
  free(done);
  if (on_main_thread) return -8;
  return checksum;
}
