/*
 * result.c: blocking for one future's outcome (cy_future_result,
 * cy_future_exception).
 *
 * Above future.c and wait.c: a future that can notify is waited for with a
 * node of its own on its waiter list and a futex; a probe-only future can
 * only be observed through its probe, so it is waited for with a one-future
 * cy_wait, which paces the probe with the polling strategy.
 */
#include "internal.h"

typedef struct sleeper {
  cy__waiter w;
  _Atomic uint32_t woken;
} sleeper;

static void wake_sleeper(cy__waiter *w, cy_future *f) {
  (void)f;
  sleeper *s = (sleeper *)w;
  atomic_store_explicit(&s->woken, 1, memory_order_release);
  /* The sleeper may return (and its stack frame go) as soon as it sees the
   * store; waking a dead address is harmless for futex and Atomics.notify. */
  cy__futex_wake(&s->woken);
}

/* 0 when f is done; CY_ETIMEDOUT / CY_EDEADLK otherwise. */
static int wait_done(cy_future *f, double timeout_ms) {
  if (cy_future_done(f)) return 0;
  if (cy_future_is_probe(f)) {
    /* Only the probe can tell: a wait over one future paces it, and its
     * first check probes even at timeout 0, as every wait's does. */
    cy_wait_opts o;
    cy_wait_opts_init(&o);
    o.timeout_ms = timeout_ms;
    return cy_wait(&f, 1, &o, NULL);
  }
  if (timeout_ms == 0) return CY_ETIMEDOUT;
  sleeper s;
  s.w.fire = wake_sleeper;
  atomic_init(&s.woken, 0);
  if (!cy__future_attach(f, &s.w)) return 0;
  double deadline = timeout_ms < 0 ? -1 : cy_now_ms() + timeout_ms;
  int rc = 0;
  while (!atomic_load_explicit(&s.woken, memory_order_acquire)) {
    double left = -1;
    if (deadline >= 0) {
      left = deadline - cy_now_ms();
      if (left <= 0) { rc = CY_ETIMEDOUT; break; }
    }
    int w = cy__futex_wait(&s.woken, 0, left);
    if (w == CY_EDEADLK) { rc = w; break; }
  }
  if (rc && !cy__future_detach(f, &s.w)) {
    /* The completer took our node just as we gave up: it is about to store
     * woken, and the future is done, so report that instead. */
    while (!atomic_load_explicit(&s.woken, memory_order_acquire)) cy__cpu_relax();
    rc = 0;
  }
  return rc;
}

int cy_future_result(cy_future *f, double timeout_ms, void **out) {
  if (!f) return CY_EINVAL;
  int rc = wait_done(f, timeout_ms);
  if (rc) return rc;
  cy_outcome o;
  cy__future_outcome(f, &o);
  if (out) *out = o.value;
  return o.code;
}

int cy_future_exception(cy_future *f, double timeout_ms, int *code, void **payload) {
  if (!f) return CY_EINVAL;
  int rc = wait_done(f, timeout_ms);
  if (rc) return rc;
  cy_outcome o;
  cy__future_outcome(f, &o);
  if (o.state == CY_STATE_CANCELLED) return CY_ECANCELED;
  if (code) *code = o.code;
  if (payload) *payload = o.state == CY_STATE_FAILED ? o.value : NULL;
  return o.code;
}
