/* cy_gather (input order) and the as-completed iterator (completion order). */
#include "runner.h"

static int t_input_order_outcomes(void) {
  cy_future *fs[4];
  for (int i = 0; i < 4; i++) fs[i] = cy_future_new();
  /* completed out of order */
  cy_future_set_result(fs[3], (void *)30);
  cy_future_set_result(fs[0], (void *)0);
  cy_future_set_exception(fs[2], 8, (void *)20);
  cy_future_cancel(fs[1]);
  cy_outcome out[4];
  cy_wait_opts o;
  cy_wait_opts_init(&o);
  ASSERT_EQ(cy_gather(fs, 4, &o, out), CY_ECANCELED); /* first failure in input order */
  ASSERT_EQ(out[0].state, CY_STATE_SUCCEEDED);
  ASSERT_PTR(out[0].value, (void *)0);
  ASSERT_EQ(out[1].state, CY_STATE_CANCELLED);
  ASSERT_ERR(out[1].code, CY_ECANCELED);
  ASSERT_EQ(out[2].state, CY_STATE_FAILED);
  ASSERT_EQ(out[2].code, 8);
  ASSERT_PTR(out[2].value, (void *)20);
  ASSERT_EQ(out[3].state, CY_STATE_SUCCEEDED);
  ASSERT_PTR(out[3].value, (void *)30);
  /* Failures as outcomes (return_exceptions): out[] is the same whatever the
   * code; one more call gives the same outcomes. */
  cy_outcome again[4];
  ASSERT_EQ(cy_gather(fs, 4, &o, again), CY_ECANCELED);
  for (int i = 0; i < 4; i++) {
    ASSERT_EQ(again[i].state, out[i].state);
    ASSERT_EQ(again[i].code, out[i].code);
    ASSERT_PTR(again[i].value, out[i].value);
  }
  for (int i = 0; i < 4; i++) cy_future_release(fs[i]);
  return 0;
}

static int t_timeout_marks_pending(void) {
  cy_future *fs[2] = {cy_future_new(), cy_future_new()};
  cy_future_set_result(fs[1], (void *)1);
  cy_outcome out[2];
  cy_wait_opts o;
  cy_wait_opts_init(&o);
  o.timeout_ms = 5;
  ASSERT_ERR(cy_gather(fs, 2, &o, out), CY_ETIMEDOUT);
  ASSERT_EQ(out[0].state, CY_STATE_PENDING);
  ASSERT_EQ(out[1].state, CY_STATE_SUCCEEDED);
  cy_future_set_result(fs[0], (void *)2);
  ASSERT_ERR(cy_gather(fs, 2, &o, out), 0);
  ASSERT_PTR(out[0].value, (void *)2);
  cy_future_release(fs[0]);
  cy_future_release(fs[1]);
  return 0;
}

static int t_as_completed_order(void) {
  cy_future *fs[4];
  for (int i = 0; i < 4; i++) fs[i] = cy_future_new();
  cy_future_set_result(fs[2], (void *)2);
  cy_as_completed *it;
  ASSERT_ERR(cy_as_completed_create(&it, fs, 4, NULL), 0);
  cy_future_set_result(fs[0], (void *)0);
  cy_future_set_exception(fs[3], 6, (void *)3);
  size_t idx;
  cy_outcome out;
  ASSERT_ERR(cy_as_completed_next(it, 0, &idx, &out), 0);
  ASSERT_EQ(idx, 2); /* done before creation comes first */
  ASSERT_PTR(out.value, (void *)2);
  ASSERT_ERR(cy_as_completed_next(it, 0, &idx, &out), 0);
  ASSERT_EQ(idx, 0);
  ASSERT_ERR(cy_as_completed_next(it, 0, &idx, &out), 0);
  ASSERT_EQ(idx, 3);
  ASSERT_EQ(out.state, CY_STATE_FAILED);
  ASSERT_EQ(out.code, 6);
  ASSERT_ERR(cy_as_completed_next(it, 5, &idx, &out), CY_ETIMEDOUT);
  cy_future_set_result(fs[1], (void *)1);
  ASSERT_ERR(cy_as_completed_next(it, -1, &idx, &out), 0);
  ASSERT_EQ(idx, 1);
  ASSERT_ERR(cy_as_completed_next(it, -1, &idx, &out), CY_EOF);
  cy_as_completed_free(it);
  for (int i = 0; i < 4; i++) cy_future_release(fs[i]);
  return 0;
}

static int t_as_completed_free_early(void) {
  /* Abandoning an iterator with pending futures unlinks it cleanly. */
  cy_future *fs[2] = {cy_future_new(), cy_future_new()};
  cy_as_completed *it;
  ASSERT_ERR(cy_as_completed_create(&it, fs, 2, NULL), 0);
  cy_as_completed_free(it);
  ASSERT_ERR(cy_future_set_result(fs[0], NULL), 0);
  cy_future_release(fs[0]);
  cy_future_release(fs[1]);
  return 0;
}

#ifndef CY_NO_THREADS
static int slow_id(void *arg, void **result) {
  intptr_t i = (intptr_t)arg;
  cy_test_sleep_ms((double)(5 - i) * 4);
  *result = arg;
  return 0;
}

static int t_as_completed_with_executor(void) {
  cy_executor *ex = cy_executor_new(5);
  cy_future *fs[5];
  for (intptr_t i = 0; i < 5; i++) fs[i] = cy_submit(ex, slow_id, (void *)i);
  cy_as_completed *it;
  ASSERT_ERR(cy_as_completed_create(&it, fs, 5, NULL), 0);
  size_t idx, seen = 0;
  cy_outcome out;
  int n = 0;
  while (cy_as_completed_next(it, 2000, &idx, &out) == 0) {
    ASSERT_PTR(out.value, (void *)idx);
    seen |= (size_t)1 << idx;
    n++;
  }
  ASSERT_EQ(n, 5);
  ASSERT_EQ(seen, 31);
  cy_as_completed_free(it);
  cy_executor_free(ex);
  for (int i = 0; i < 5; i++) cy_future_release(fs[i]);
  return 0;
}
#else
static int t_as_completed_with_executor(void) { return 0; }
#endif

static int t_invalid(void) {
  cy_future *f = cy_future_new();
  ASSERT_ERR(cy_gather(&f, 1, NULL, NULL), CY_EINVAL);
  ASSERT_ERR(cy_gather(NULL, 0, NULL, NULL), 0);
  ASSERT_ERR(cy_as_completed_create(NULL, &f, 1, NULL), CY_EINVAL);
  cy_as_completed *it;
  ASSERT_ERR(cy_as_completed_create(&it, NULL, 0, NULL), 0);
  size_t idx;
  ASSERT_ERR(cy_as_completed_next(it, 0, &idx, NULL), CY_EOF);
  ASSERT_ERR(cy_as_completed_next(it, 0, NULL, NULL), CY_EINVAL);
  cy_as_completed_free(it);
  cy_as_completed_free(NULL);
  cy_future_release(f);
  return 0;
}

CY_TEST_TABLE(gather) = {
    {"input_order_outcomes", t_input_order_outcomes, 0},
    {"timeout_marks_pending", t_timeout_marks_pending, 0},
    {"as_completed_order", t_as_completed_order, 0},
    {"as_completed_free_early", t_as_completed_free_early, 0},
    {"as_completed_with_executor", t_as_completed_with_executor, 1},
    {"invalid", t_invalid, 0},
    {0, 0, 0}};
