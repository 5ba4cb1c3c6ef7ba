/* Done-callbacks: exactly once, with the future, in registration order,
 * also when added after completion, for every outcome. */
#include "runner.h"

typedef struct { int calls; cy_future *seen; int order[8]; int n; } rec;
typedef struct { rec *r; int id; } tag;

static void on_done(cy_future *f, void *arg) {
  tag *t = arg;
  t->r->calls++;
  t->r->seen = f;
  if (t->r->n < 8) t->r->order[t->r->n++] = t->id;
}

static int t_once_in_order(void) {
  rec r = {0};
  tag t1 = {&r, 1}, t2 = {&r, 2}, t3 = {&r, 3};
  cy_future *f = cy_future_new();
  ASSERT_ERR(cy_future_add_done_callback(f, on_done, &t1), 0);
  ASSERT_ERR(cy_future_add_done_callback(f, on_done, &t2), 0);
  ASSERT_ERR(cy_future_add_done_callback(f, on_done, &t3), 0);
  ASSERT_EQ(r.calls, 0);
  ASSERT_ERR(cy_future_set_result(f, NULL), 0);
  ASSERT_EQ(r.calls, 3);
  ASSERT_PTR(r.seen, f);
  ASSERT_EQ(r.order[0], 1);
  ASSERT_EQ(r.order[1], 2);
  ASSERT_EQ(r.order[2], 3);
  ASSERT_ERR(cy_future_set_result(f, NULL), CY_EINVALSTATE);
  ASSERT_EQ(r.calls, 3); /* not again */
  cy_future_release(f);
  return 0;
}

static int t_after_done_runs_at_once(void) {
  rec r = {0};
  tag t = {&r, 1};
  cy_future *f = cy_future_new();
  cy_future_set_exception(f, 3, NULL);
  ASSERT_ERR(cy_future_add_done_callback(f, on_done, &t), 0);
  ASSERT_EQ(r.calls, 1);
  ASSERT_PTR(r.seen, f);
  cy_future_release(f);
  return 0;
}

static int t_on_cancel(void) {
  rec r = {0};
  tag t = {&r, 1};
  cy_future *f = cy_future_new();
  cy_future_add_done_callback(f, on_done, &t);
  ASSERT_ERR(cy_future_cancel(f), 0);
  ASSERT_EQ(r.calls, 1);
  ASSERT_EQ(cy_future_state(r.seen), CY_STATE_CANCELLED);
  cy_future_release(f);
  return 0;
}

/* A callback sees the outcome already published. */
static void check_outcome(cy_future *f, void *arg) {
  void *out = NULL;
  *(int *)arg = cy_future_result(f, 0, &out) == 0 && out == (void *)11;
}

static int t_outcome_visible_in_callback(void) {
  int ok = 0;
  cy_future *f = cy_future_new();
  cy_future_add_done_callback(f, check_outcome, &ok);
  cy_future_set_result(f, (void *)11);
  ASSERT_EQ(ok, 1);
  cy_future_release(f);
  return 0;
}

/* A callback may add another callback to the same (now done) future. */
static void readd(cy_future *f, void *arg) {
  rec *r = arg;
  r->calls++;
  if (r->calls == 1) cy_future_add_done_callback(f, readd, r);
}

static int t_callback_adds_callback(void) {
  rec r = {0};
  cy_future *f = cy_future_new();
  cy_future_add_done_callback(f, readd, &r);
  cy_future_set_result(f, NULL);
  ASSERT_EQ(r.calls, 2);
  cy_future_release(f);
  return 0;
}

/* A future released while still pending never fires its callbacks, and
 * its last release frees them (found by wasm/fuzz/fuzz-futures.c: the
 * nodes leaked; the asan preset's leak check fails this test then). */
static int t_dropped_pending_frees_callbacks(void) {
  rec r = {0};
  tag t1 = {&r, 1}, t2 = {&r, 2};
  cy_future *f = cy_future_new();
  ASSERT_ERR(cy_future_add_done_callback(f, on_done, &t1), 0);
  ASSERT_ERR(cy_future_add_done_callback(f, on_done, &t2), 0);
  cy_future_retain(f);
  cy_future_release(f); /* not the last: they stay */
  ASSERT_ERR(cy_future_set_running(f), 0);
  cy_future_release(f);
  ASSERT_EQ(r.calls, 0);
  return 0;
}

/* The first callback drops the last reference; the ones after it and a wait
 * in progress still see a live future (ASan would report the use after free). */
static void release_it(cy_future *f, void *arg) {
  (void)arg;
  cy_future_release(f);
}

static int t_callback_drops_last_reference(void) {
  int ok = 0;
  cy_future *f = cy_future_new();
  ASSERT_ERR(cy_future_add_done_callback(f, release_it, NULL), 0); /* takes our reference */
  ASSERT_ERR(cy_future_add_done_callback(f, check_outcome, &ok), 0); /* reads f after it */
  ASSERT_ERR(cy_future_set_result(f, (void *)11), 0);
  ASSERT_EQ(ok, 1);
  /* A lone callback's release is the last use of the future in completion. */
  cy_future *g = cy_future_new();
  ASSERT_ERR(cy_future_add_done_callback(g, release_it, NULL), 0);
  ASSERT_ERR(cy_future_set_result(g, NULL), 0);
  return 0;
}

CY_TEST_TABLE(callbacks) = {
    {"once_in_order", t_once_in_order, 0},
    {"after_done_runs_at_once", t_after_done_runs_at_once, 0},
    {"on_cancel", t_on_cancel, 0},
    {"outcome_visible_in_callback", t_outcome_visible_in_callback, 0},
    {"callback_adds_callback", t_callback_adds_callback, 0},
    {"callback_drops_last_reference", t_callback_drops_last_reference, 0},
    {"dropped_pending_frees_callbacks", t_dropped_pending_frees_callbacks, 0},
    {0, 0, 0}};
