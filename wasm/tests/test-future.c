/* Futures: every state transition and its error code, result/exception with
 * each kind of timeout, probe-only futures, invalid arguments. */
#include "runner.h"

static int t_new_is_pending(void) {
  cy_future *f = cy_future_new();
  ASSERT(f != NULL);
  ASSERT_EQ(cy_future_state(f), CY_STATE_PENDING);
  ASSERT_EQ(cy_future_done(f), 0);
  ASSERT_EQ(cy_future_is_probe(f), 0);
  cy_future_release(f);
  return 0;
}

static int t_pending_running_succeeded(void) {
  cy_future *f = cy_future_new();
  ASSERT_ERR(cy_future_set_running(f), 0);
  ASSERT_EQ(cy_future_state(f), CY_STATE_RUNNING);
  ASSERT_ERR(cy_future_set_running(f), CY_EINVALSTATE);
  int v = 42;
  ASSERT_ERR(cy_future_set_result(f, &v), 0);
  ASSERT_EQ(cy_future_state(f), CY_STATE_SUCCEEDED);
  ASSERT_EQ(cy_future_done(f), 1);
  void *out = NULL;
  ASSERT_ERR(cy_future_result(f, 0, &out), 0);
  ASSERT_PTR(out, &v);
  int code = -99;
  void *payload = &code;
  ASSERT_ERR(cy_future_exception(f, 0, &code, &payload), 0);
  ASSERT_EQ(code, 0);
  ASSERT_PTR(payload, NULL);
  cy_future_release(f);
  return 0;
}

static int t_second_completion_rejected(void) {
  cy_future *f = cy_future_new();
  int a = 1, b = 2;
  ASSERT_ERR(cy_future_set_result(f, &a), 0);
  ASSERT_ERR(cy_future_set_result(f, &b), CY_EINVALSTATE);
  ASSERT_ERR(cy_future_set_exception(f, 7, &b), CY_EINVALSTATE);
  ASSERT_ERR(cy_future_cancel(f), CY_EINVALSTATE);
  ASSERT_ERR(cy_future_set_running(f), CY_EINVALSTATE);
  void *out;
  ASSERT_ERR(cy_future_result(f, 0, &out), 0);
  ASSERT_PTR(out, &a); /* the first completion stands */
  cy_future_release(f);
  return 0;
}

static int t_failed(void) {
  cy_future *f = cy_future_new();
  int payload = 5;
  ASSERT_ERR(cy_future_set_exception(f, 0, &payload), CY_EINVAL); /* 0 is success */
  ASSERT_EQ(cy_future_state(f), CY_STATE_PENDING);
  ASSERT_ERR(cy_future_set_exception(f, 17, &payload), 0);
  ASSERT_EQ(cy_future_state(f), CY_STATE_FAILED);
  void *out = NULL;
  ASSERT_EQ(cy_future_result(f, -1, &out), 17);
  ASSERT_PTR(out, &payload);
  int code = 0;
  void *p = NULL;
  ASSERT_EQ(cy_future_exception(f, 0, &code, &p), 17);
  ASSERT_EQ(code, 17);
  ASSERT_PTR(p, &payload);
  ASSERT_ERR(cy_future_set_result(f, NULL), CY_EINVALSTATE);
  cy_future_release(f);
  return 0;
}

static int t_cancel_pending_only(void) {
  cy_future *f = cy_future_new();
  ASSERT_ERR(cy_future_cancel(f), 0);
  ASSERT_EQ(cy_future_state(f), CY_STATE_CANCELLED);
  ASSERT_ERR(cy_future_cancel(f), CY_EINVALSTATE);
  ASSERT_ERR(cy_future_result(f, 0, NULL), CY_ECANCELED);
  ASSERT_ERR(cy_future_exception(f, 0, NULL, NULL), CY_ECANCELED);
  ASSERT_ERR(cy_future_set_result(f, NULL), CY_EINVALSTATE);
  cy_future_release(f);

  cy_future *g = cy_future_new();
  ASSERT_ERR(cy_future_set_running(g), 0);
  ASSERT_ERR(cy_future_cancel(g), CY_EINVALSTATE); /* running: too late */
  ASSERT_EQ(cy_future_state(g), CY_STATE_RUNNING);
  ASSERT_ERR(cy_future_set_result(g, NULL), 0);
  cy_future_release(g);
  return 0;
}

static int t_result_timeout_zero_and_finite(void) {
  cy_future *f = cy_future_new();
  void *out = (void *)1;
  ASSERT_ERR(cy_future_result(f, 0, &out), CY_ETIMEDOUT);
  ASSERT_PTR(out, (void *)1); /* untouched */
  double t0 = cy_now_ms();
  ASSERT_ERR(cy_future_result(f, 30, &out), CY_ETIMEDOUT);
  double dt = cy_now_ms() - t0;
  ASSERT_GE(dt, 29);
  ASSERT_LT(dt, 1000);
  /* still usable after a timed-out wait */
  ASSERT_ERR(cy_future_set_result(f, (void *)7), 0);
  ASSERT_ERR(cy_future_result(f, 0, &out), 0);
  ASSERT_PTR(out, (void *)7);
  cy_future_release(f);
  return 0;
}

#ifndef CY_NO_THREADS

static void *complete_later(void *p) {
  cy_test_sleep_ms(20);
  cy_future_set_result(p, (void *)99);
  return NULL;
}

static int t_result_blocks_until_done(void) {
  cy_future *f = cy_future_new();
  pthread_t th;
  pthread_create(&th, NULL, complete_later, f);
  void *out = NULL;
  ASSERT_ERR(cy_future_result(f, -1, &out), 0); /* no timeout */
  ASSERT_PTR(out, (void *)99);
  pthread_join(th, NULL);
  cy_future_release(f);

  f = cy_future_new();
  pthread_create(&th, NULL, complete_later, f);
  ASSERT_ERR(cy_future_result(f, 5000, &out), 0); /* finite, long enough */
  ASSERT_PTR(out, (void *)99);
  pthread_join(th, NULL);
  cy_future_release(f);
  return 0;
}
#else
static int t_result_blocks_until_done(void) { return 0; }
#endif

static int t_no_timeout_single_thread(void) {
  /* Without threads nothing can complete a pending external future while we
   * block: the core says so instead of hanging. */
  if (cy_has_threads()) return 0;
  cy_future *f = cy_future_new();
  ASSERT_ERR(cy_future_result(f, -1, NULL), CY_EDEADLK);
  cy_future_release(f);
  return 0;
}

typedef struct { int calls; int done_after; int code; } probe_state;

static int probe(void *arg, int *code, void **value) {
  probe_state *s = arg;
  if (++s->calls < s->done_after) return 0;
  *code = s->code;
  *value = (void *)(intptr_t)s->calls;
  return 1;
}

static int t_probe_future(void) {
  probe_state s = {0, 3, 0};
  cy_future *f = cy_future_new_probe(probe, &s);
  ASSERT(f != NULL);
  ASSERT_EQ(cy_future_is_probe(f), 1);
  ASSERT_EQ(cy_future_probe(f), 0);
  ASSERT_EQ(cy_future_probe(f), 0);
  ASSERT_EQ(cy_future_probe(f), 1);
  ASSERT_EQ(cy_future_probe(f), 1); /* done: not called again */
  ASSERT_EQ(s.calls, 3);
  void *out;
  ASSERT_ERR(cy_future_result(f, 0, &out), 0);
  ASSERT_PTR(out, (void *)3);
  cy_future_release(f);

  probe_state s2 = {0, 2, 9};
  f = cy_future_new_probe(probe, &s2);
  ASSERT(f != NULL);
  ASSERT_EQ(cy_future_result(f, 2000, &out), 9); /* result paces the probe */
  ASSERT_EQ(s2.calls, 2);
  cy_future_release(f);
  return 0;
}

static int t_probe_completed_externally(void) {
  probe_state s = {0, 1000000, 0};
  cy_future *f = cy_future_new_probe(probe, &s);
  ASSERT(f != NULL);
  ASSERT_ERR(cy_future_set_result(f, (void *)5), 0);
  ASSERT_EQ(cy_future_probe(f), 1);
  ASSERT_EQ(s.calls, 0);
  cy_future_release(f);
  return 0;
}

static int t_invalid_arguments(void) {
  ASSERT_PTR(cy_future_new_probe(NULL, NULL), NULL);
  ASSERT_ERR(cy_future_set_result(NULL, NULL), CY_EINVAL);
  ASSERT_ERR(cy_future_set_exception(NULL, 1, NULL), CY_EINVAL);
  ASSERT_ERR(cy_future_set_running(NULL), CY_EINVAL);
  ASSERT_ERR(cy_future_cancel(NULL), CY_EINVAL);
  ASSERT_ERR(cy_future_result(NULL, 0, NULL), CY_EINVAL);
  ASSERT_ERR(cy_future_exception(NULL, 0, NULL, NULL), CY_EINVAL);
  ASSERT_ERR(cy_future_state(NULL), CY_EINVAL);
  ASSERT_EQ(cy_future_done(NULL), 0);
  ASSERT_ERR(cy_future_probe(NULL), CY_EINVAL);
  ASSERT_ERR(cy_future_add_done_callback(NULL, NULL, NULL), CY_EINVAL);
  cy_future_release(NULL);
  ASSERT_PTR(cy_future_retain(NULL), NULL);
  return 0;
}

static int t_refcount(void) {
  cy_future *f = cy_future_new();
  ASSERT_PTR(cy_future_retain(f), f);
  cy_future_release(f);
  ASSERT_ERR(cy_future_set_result(f, NULL), 0); /* still alive */
  cy_future_release(f);
  return 0;
}

/* Held here so LeakSanitizer sees them reachable: permanent futures are
 * never freed, by design. */
static cy_future *permanent[2];

static int permanent_cb_calls;
static void count_cb(cy_future *f, void *arg) {
  (void)f;
  (void)arg;
  permanent_cb_calls++;
}

/* A permanent future outlives any number of releases, keeps the flag
 * through its completion and through a probe's state changes, and still
 * behaves as a future. With AddressSanitizer (futures from malloc) a free
 * here would be a use-after-free below. */
static int t_permanent(void) {
  ASSERT_ERR(cy_future_set_permanent(NULL), CY_EINVAL);
  cy_future *f = permanent[0] = cy_future_new();
  ASSERT_ERR(cy_future_set_permanent(f), 0);
  ASSERT_ERR(cy_future_set_permanent(f), 0); /* idempotent */
  ASSERT_EQ(cy_future_add_done_callback(f, count_cb, NULL), 0);
  for (int i = 0; i < 1000; i++) cy_future_release(f);
  ASSERT_EQ(cy_future_state(f), CY_STATE_PENDING);
  ASSERT_ERR(cy_future_set_running(f), 0);
  ASSERT_ERR(cy_future_set_exception(f, 7, (void *)3), 0); /* the CAS keeps the flag */
  for (int i = 0; i < 1000; i++) cy_future_release(f);
  ASSERT_EQ(permanent_cb_calls, 1);
  void *out = NULL;
  ASSERT_EQ(cy_future_result(f, 0, &out), 7);
  ASSERT_PTR(out, (void *)3);
  ASSERT_PTR(cy_future_retain(f), f);
  ASSERT_ERR(cy_future_set_result(f, NULL), CY_EINVALSTATE);
  /* In a wait, which retains and releases each future. */
  cy_future *fs[2] = {f, f};
  ASSERT_ERR(cy_wait(fs, 2, NULL, NULL), 0);
  ASSERT_EQ(cy_future_state(f), CY_STATE_FAILED);

  probe_state s = {0, 1, 0};
  cy_future *p = permanent[1] = cy_future_new_probe(probe, &s);
  ASSERT_ERR(cy_future_set_permanent(p), 0);
  cy_future_release(p);
  ASSERT_EQ(cy_future_is_probe(p), 1);
  ASSERT_EQ(cy_future_probe(p), 1);
  cy_future_release(p);
  ASSERT_EQ(cy_future_state(p), CY_STATE_SUCCEEDED);
  return 0;
}

static int t_size(void) {
  ASSERT_LE(cy_future_sizeof(), 32);
  return 0;
}

CY_TEST_TABLE(future) = {
    {"new_is_pending", t_new_is_pending, 0},
    {"pending_running_succeeded", t_pending_running_succeeded, 0},
    {"second_completion_rejected", t_second_completion_rejected, 0},
    {"failed", t_failed, 0},
    {"cancel_pending_only", t_cancel_pending_only, 0},
    {"result_timeout_zero_and_finite", t_result_timeout_zero_and_finite, 0},
    {"result_blocks_until_done", t_result_blocks_until_done, 1},
    {"no_timeout_single_thread", t_no_timeout_single_thread, 0},
    {"probe_future", t_probe_future, 0},
    {"probe_completed_externally", t_probe_completed_externally, 0},
    {"invalid_arguments", t_invalid_arguments, 0},
    {"refcount", t_refcount, 0},
    {"permanent", t_permanent, 0},
    {"size", t_size, 0},
    {0, 0, 0}};
