/* The executor: pool and inline modes, cancel while queued vs running, free
 * finishing queued work, invalid arguments. */
#include "runner.h"

static int square(void *arg, void **result) {
  intptr_t x = (intptr_t)arg;
  *result = (void *)(x * x);
  return 0;
}

static int fail_with(void *arg, void **result) {
  *result = (void *)0xbad;
  return (int)(intptr_t)arg;
}

static int run_squares(int nthreads) {
  cy_executor *ex = cy_executor_new(nthreads);
  ASSERT(ex != NULL);
  enum { N = 200 };
  cy_future *fs[N];
  for (intptr_t i = 0; i < N; i++) {
    fs[i] = cy_submit(ex, square, (void *)i);
    ASSERT(fs[i] != NULL);
  }
  ASSERT_ERR(cy_wait(fs, N, NULL, NULL), 0);
  for (intptr_t i = 0; i < N; i++) {
    void *out;
    ASSERT_ERR(cy_future_result(fs[i], 0, &out), 0);
    ASSERT_EQ((intptr_t)out, i * i);
    cy_future_release(fs[i]);
  }
  cy_executor_free(ex);
  return 0;
}

static int t_pool(void) { return run_squares(4); }
static int t_inline(void) {
  cy_executor *ex = cy_executor_new(0);
  ASSERT_EQ(cy_executor_nthreads(ex), 0);
  cy_future *f = cy_submit(ex, square, (void *)9);
  ASSERT_EQ(cy_future_done(f), 1); /* ran inside cy_submit */
  void *out;
  ASSERT_ERR(cy_future_result(f, 0, &out), 0);
  ASSERT_EQ((intptr_t)out, 81);
  ASSERT_ERR(cy_future_cancel(f), CY_EINVALSTATE);
  cy_future_release(f);
  cy_executor_free(ex);
  return run_squares(0);
}

static int t_failure_code_and_payload(void) {
  cy_executor *ex = cy_executor_new(cy_has_threads() ? 2 : 0);
  cy_future *f = cy_submit(ex, fail_with, (void *)23);
  void *out = NULL;
  ASSERT_EQ(cy_future_result(f, -1, &out), 23);
  ASSERT_PTR(out, (void *)0xbad);
  ASSERT_EQ(cy_future_state(f), CY_STATE_FAILED);
  cy_future_release(f);
  cy_executor_free(ex);
  return 0;
}

#ifndef CY_NO_THREADS
typedef struct { cy_future *gate; _Atomic int started; } blocker;

static int block_on_gate(void *arg, void **result) {
  blocker *b = arg;
  atomic_fetch_add(&b->started, 1);
  cy_future_result(b->gate, -1, NULL);
  *result = NULL;
  return 0;
}

static int t_cancel_queued_not_running(void) {
  cy_executor *ex = cy_executor_new(1);
  blocker b = {cy_future_new(), 0};
  cy_future *running = cy_submit(ex, block_on_gate, &b);
  while (atomic_load(&b.started) == 0) cy_test_sleep_ms(1);
  cy_future *queued = cy_submit(ex, block_on_gate, &b);
  ASSERT_EQ(cy_future_state(running), CY_STATE_RUNNING);
  ASSERT_EQ(cy_future_state(queued), CY_STATE_PENDING);
  ASSERT_ERR(cy_future_cancel(running), CY_EINVALSTATE);
  ASSERT_ERR(cy_future_cancel(queued), 0);
  ASSERT_ERR(cy_future_result(queued, 0, NULL), CY_ECANCELED);
  cy_future_set_result(b.gate, NULL);
  ASSERT_ERR(cy_future_result(running, -1, NULL), 0);
  cy_executor_free(ex);
  ASSERT_EQ(atomic_load(&b.started), 1); /* the cancelled task never ran */
  cy_future_release(running);
  cy_future_release(queued);
  cy_future_release(b.gate);
  return 0;
}

static int slow_count(void *arg, void **result) {
  cy_test_sleep_ms(2);
  atomic_fetch_add((_Atomic int *)arg, 1);
  *result = NULL;
  return 0;
}

static int t_free_finishes_queued(void) {
  _Atomic int count = 0;
  cy_executor *ex = cy_executor_new(2);
  cy_future *fs[40];
  for (int i = 0; i < 40; i++) fs[i] = cy_submit(ex, slow_count, &count);
  cy_executor_free(ex); /* must run all 40 first */
  ASSERT_EQ(atomic_load(&count), 40);
  for (int i = 0; i < 40; i++) {
    ASSERT_EQ(cy_future_state(fs[i]), CY_STATE_SUCCEEDED);
    cy_future_release(fs[i]);
  }
  return 0;
}
#else
static int t_cancel_queued_not_running(void) { return 0; }
static int t_free_finishes_queued(void) { return 0; }
#endif

static int t_invalid(void) {
  ASSERT_PTR(cy_executor_new(-1), NULL);
  ASSERT_PTR(cy_executor_new(-3), NULL);
  ASSERT_PTR(cy_submit(NULL, square, NULL), NULL);
  cy_executor *ex = cy_executor_new(0);
  ASSERT_PTR(cy_submit(ex, NULL, NULL), NULL);
  ASSERT_ERR(cy_executor_nthreads(NULL), CY_EINVAL);
  cy_executor_free(ex);
  cy_executor_free(NULL);
  return 0;
}

CY_TEST_TABLE(executor) = {
    {"pool", t_pool, 1},
    {"inline", t_inline, 0},
    {"failure_code_and_payload", t_failure_code_and_payload, 0},
    {"cancel_queued_not_running", t_cancel_queued_not_running, 1},
    {"free_finishes_queued", t_free_finishes_queued, 1},
    {"invalid", t_invalid, 0},
    {0, 0, 0}};
