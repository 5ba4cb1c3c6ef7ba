/* cy_wait and the waitset: each return condition, timeouts that leave the
 * futures usable, probe pacing, progress, the step API, invalid arguments. */
#include "runner.h"

#include <stdlib.h>

static void make(cy_future **fs, int n) {
  for (int i = 0; i < n; i++) fs[i] = cy_future_new();
}
static void drop(cy_future **fs, int n) {
  for (int i = 0; i < n; i++) cy_future_release(fs[i]);
}

static int t_all_completed(void) {
  cy_future *fs[3];
  make(fs, 3);
  for (int i = 0; i < 3; i++) cy_future_set_result(fs[i], NULL);
  unsigned char flags[3] = {0};
  ASSERT_ERR(cy_wait(fs, 3, NULL, flags), 0);
  ASSERT(flags[0] && flags[1] && flags[2]);
  drop(fs, 3);
  return 0;
}

static int t_empty(void) {
  ASSERT_ERR(cy_wait(NULL, 0, NULL, NULL), 0);
  cy_wait_opts o;
  cy_wait_opts_init(&o);
  o.return_when = CY_FIRST_COMPLETED;
  ASSERT_ERR(cy_wait(NULL, 0, &o, NULL), 0);
  return 0;
}

static int t_all_times_out_and_stays_usable(void) {
  cy_future *fs[2];
  make(fs, 2);
  cy_future_set_result(fs[0], NULL);
  cy_wait_opts o;
  cy_wait_opts_init(&o);
  o.timeout_ms = 20;
  unsigned char flags[2] = {9, 9};
  double t0 = cy_now_ms();
  ASSERT_ERR(cy_wait(fs, 2, &o, flags), CY_ETIMEDOUT);
  ASSERT_GE(cy_now_ms() - t0, 19);
  ASSERT_EQ(flags[0], 1);
  ASSERT_EQ(flags[1], 0);
  /* the same futures, waited again after completing the other one */
  cy_future_set_result(fs[1], (void *)3);
  ASSERT_ERR(cy_wait(fs, 2, &o, flags), 0);
  void *out;
  ASSERT_ERR(cy_future_result(fs[1], 0, &out), 0);
  ASSERT_PTR(out, (void *)3);
  drop(fs, 2);
  return 0;
}

static int t_timeout_zero(void) {
  cy_future *f = cy_future_new();
  cy_wait_opts o;
  cy_wait_opts_init(&o);
  o.timeout_ms = 0;
  ASSERT_ERR(cy_wait(&f, 1, &o, NULL), CY_ETIMEDOUT);
  cy_future_set_result(f, NULL);
  ASSERT_ERR(cy_wait(&f, 1, &o, NULL), 0); /* a done set holds even at timeout 0 */
  cy_future_release(f);
  return 0;
}

/* Timeout 0 is one check, the condition before the deadline (concurry.h,
 * "Timeouts and deadlines"): over futures already done it holds, whatever
 * their outcome; with one pending, ALL_COMPLETED times out while
 * FIRST_COMPLETED / FIRST_EXCEPTION hold on what is done; a probe-only
 * future whose probe says done at once counts as done, for cy_wait and for
 * cy_future_result alike. */
static int tz_probe(void *arg, int *code, void **value) {
  int *calls = arg;
  ++*calls;
  *code = 0;
  *value = (void *)42;
  return 1;
}

static int t_timeout_zero_first_check(void) {
  cy_future *fs[4] = {cy_future_new(), cy_future_new(), cy_future_new(), cy_future_new()};
  cy_future_set_result(fs[0], NULL);
  cy_future_set_exception(fs[1], 3, NULL);
  cy_future_cancel(fs[2]);
  cy_wait_opts o;
  cy_wait_opts_init(&o);
  o.timeout_ms = 0;
  unsigned char flags[4] = {9, 9, 9, 9};
  ASSERT_ERR(cy_wait(fs, 3, &o, flags), 0);
  ASSERT(flags[0] == 1 && flags[1] == 1 && flags[2] == 1);
  ASSERT_ERR(cy_wait(fs, 4, &o, flags), CY_ETIMEDOUT); /* fs[3] pending */
  ASSERT_EQ(flags[3], 0);
  o.return_when = CY_FIRST_COMPLETED;
  ASSERT_ERR(cy_wait(fs, 4, &o, NULL), 0);
  o.return_when = CY_FIRST_EXCEPTION;
  ASSERT_ERR(cy_wait(fs, 4, &o, NULL), 0);
  cy_future *pending_only[1] = {fs[3]};
  ASSERT_ERR(cy_wait(pending_only, 1, &o, NULL), CY_ETIMEDOUT);
  ASSERT_ERR(cy_future_result(fs[3], 0, NULL), CY_ETIMEDOUT);
  void *out = NULL;
  ASSERT_ERR(cy_future_result(fs[0], 0, &out), 0);
  ASSERT_EQ(cy_future_result(fs[1], 0, NULL), 3);

  int calls = 0;
  cy_future *p = cy_future_new_probe(tz_probe, &calls);
  cy_wait_opts_init(&o);
  o.timeout_ms = 0;
  ASSERT_ERR(cy_wait(&p, 1, &o, NULL), 0);
  ASSERT_EQ(calls, 1);
  cy_future_release(p);
  calls = 0;
  p = cy_future_new_probe(tz_probe, &calls);
  ASSERT_ERR(cy_future_result(p, 0, &out), 0); /* CY_ETIMEDOUT before: no probe at 0 */
  ASSERT_PTR(out, (void *)42);
  ASSERT_EQ(calls, 1);
  cy_future_release(p);

  /* A waitset's check tests the condition before the deadline: an entry
   * completed after creation counts at the first poll even once the
   * deadline has passed, in cy_waitset_poll and cy_waitset_wait. */
  cy_waitset *ws;
  ASSERT_ERR(cy_waitset_create_slots(&ws, NULL, 1, &o), 0);
  cy_test_sleep_ms(2);
  uint32_t idx = 0;
  ASSERT_EQ(cy_waitset_complete_slots(ws, &idx, NULL, 1), 1);
  ASSERT_ERR(cy_waitset_poll(ws), 0);
  ASSERT_ERR(cy_waitset_wait(ws, 0), 0);
  cy_waitset_free(ws);
  ASSERT_ERR(cy_waitset_create_slots(&ws, NULL, 1, &o), 0);
  ASSERT_ERR(cy_waitset_poll(ws), CY_ETIMEDOUT);
  cy_waitset_free(ws);
  for (int i = 0; i < 4; i++) cy_future_release(fs[i]);
  return 0;
}

static int t_first_completed(void) {
  cy_future *fs[3];
  make(fs, 3);
  cy_future_set_result(fs[1], NULL);
  cy_wait_opts o;
  cy_wait_opts_init(&o);
  o.return_when = CY_FIRST_COMPLETED;
  o.timeout_ms = 1000;
  unsigned char flags[3];
  ASSERT_ERR(cy_wait(fs, 3, &o, flags), 0);
  ASSERT_EQ(flags[0], 0);
  ASSERT_EQ(flags[1], 1);
  ASSERT_EQ(flags[2], 0);
  o.timeout_ms = 10;
  ASSERT_ERR(cy_wait(fs, 1, &o, NULL), CY_ETIMEDOUT);
  drop(fs, 3);
  return 0;
}

static int t_first_exception(void) {
  cy_future *fs[3];
  make(fs, 3);
  cy_wait_opts o;
  cy_wait_opts_init(&o);
  o.return_when = CY_FIRST_EXCEPTION;
  o.timeout_ms = 10;
  cy_future_set_result(fs[0], NULL);
  ASSERT_ERR(cy_wait(fs, 3, &o, NULL), CY_ETIMEDOUT); /* a success is not enough */
  cy_future_cancel(fs[2]);
  ASSERT_ERR(cy_wait(fs, 3, &o, NULL), CY_ETIMEDOUT); /* nor a cancellation */
  cy_future_set_exception(fs[1], 4, NULL);
  o.timeout_ms = -1;
  ASSERT_ERR(cy_wait(fs, 3, &o, NULL), 0);
  drop(fs, 3);
  return 0;
}

static int t_first_exception_without_failures(void) {
  /* The Python original hangs here; we return once all are done. */
  cy_future *fs[4];
  make(fs, 4);
  for (int i = 0; i < 4; i++) cy_future_set_result(fs[i], NULL);
  cy_wait_opts o;
  cy_wait_opts_init(&o);
  o.return_when = CY_FIRST_EXCEPTION;
  o.timeout_ms = -1;
  ASSERT_ERR(cy_wait(fs, 4, &o, NULL), 0);
  drop(fs, 4);
  return 0;
}

#ifndef CY_NO_THREADS
typedef struct { cy_future **fs; int n; double delay; } later_args;
static void *complete_all_later(void *p) {
  later_args *a = p;
  for (int i = 0; i < a->n; i++) {
    cy_test_sleep_ms(a->delay);
    if (i == 1) cy_future_set_exception(a->fs[i], 2, NULL);
    else cy_future_set_result(a->fs[i], NULL);
  }
  return NULL;
}

static int t_wakes_on_completion_from_other_thread(void) {
  cy_future *fs[3];
  make(fs, 3);
  later_args a = {fs, 3, 5};
  pthread_t th;
  pthread_create(&th, NULL, complete_all_later, &a);
  cy_wait_opts o;
  cy_wait_opts_init(&o);
  o.return_when = CY_FIRST_EXCEPTION;
  ASSERT_ERR(cy_wait(fs, 3, &o, NULL), 0);
  ASSERT_EQ(cy_future_state(fs[1]), CY_STATE_FAILED);
  o.return_when = CY_ALL_COMPLETED;
  ASSERT_ERR(cy_wait(fs, 3, &o, NULL), 0);
  pthread_join(th, NULL);
  drop(fs, 3);
  return 0;
}
#else
static int t_wakes_on_completion_from_other_thread(void) { return 0; }
#endif

typedef struct { int calls; int done_after; } pstate;
static int probe(void *arg, int *code, void **value) {
  pstate *s = arg;
  (void)value;
  *code = 0;
  return ++s->calls >= s->done_after;
}

static int t_probe_futures_paced(void) {
  pstate s = {0, 4};
  cy_future *f = cy_future_new_probe(probe, &s);
  cy_polling fixed;
  ASSERT_ERR(cy_polling_init(&fixed, "fixed"), 0); /* 10 ms */
  cy_wait_opts o;
  cy_wait_opts_init(&o);
  o.strategy = &fixed;
  double t0 = cy_now_ms();
  ASSERT_ERR(cy_wait(&f, 1, &o, NULL), 0);
  double dt = cy_now_ms() - t0;
  ASSERT_EQ(s.calls, 4);
  ASSERT_GE(dt, 29); /* rounds at 0, 10, 20, 30 ms */
  ASSERT_LT(dt, 500);
  cy_future_release(f);
  return 0;
}

static int t_probe_round_records_strategy(void) {
  pstate s = {0, 1000000};
  cy_future *f = cy_future_new_probe(probe, &s);
  cy_polling exp;
  ASSERT_ERR(cy_polling_init(&exp, "exponential"), 0); /* 1, 2, 4, 8 ... */
  cy_wait_opts o;
  cy_wait_opts_init(&o);
  o.strategy = &exp;
  o.timeout_ms = 40;
  ASSERT_ERR(cy_wait(&f, 1, &o, NULL), CY_ETIMEDOUT);
  /* rounds at about 0, 2, 6, 14, 30 ms: 5 (or 6 at the deadline) */
  ASSERT_GE(s.calls, 4);
  ASSERT_LE(s.calls, 7);
  ASSERT_GE(exp.current, 16);
  cy_future_release(f);
  return 0;
}

/* The strategy hears what a round's own probes found, not completions that
 * arrived by notification meanwhile (another future's, or a probe-only one
 * completed by someone else, as a remote job's event completes it): counted,
 * those made adaptive polling run O(N) rounds at its minimum interval. */
typedef struct { int yes, no; } tally;
static double tl_next(cy_polling *p) { (void)p; return 0; } /* a round at every poll */
static void tl_yes(cy_polling *p) { ((tally *)p->user)->yes++; }
static void tl_no(cy_polling *p) { ((tally *)p->user)->no++; }
static void tl_reset(cy_polling *p) { (void)p; }
static int never(void *arg, int *code, void **value) {
  (void)arg; (void)code; (void)value;
  return 0;
}

static int t_probe_round_counts_only_its_finds(void) {
  static const cy_polling_vtable vt = {tl_next, tl_yes, tl_no, tl_reset};
  tally t = {0, 0};
  cy_polling pol;
  ASSERT_ERR(cy_polling_init_custom(&pol, &vt, &t), 0);
  pstate s = {0, 3};
  cy_future *fs[4];
  fs[0] = cy_future_new_probe(never, NULL); /* completed from outside */
  fs[1] = cy_future_new();                  /* notifies */
  fs[2] = cy_future_new_probe(probe, &s);   /* its probe says done at the 3rd call */
  fs[3] = cy_future_new_probe(never, NULL); /* keeps the rounds going */
  cy_wait_opts o;
  cy_wait_opts_init(&o);
  o.strategy = &pol;
  cy_waitset *ws;
  ASSERT_ERR(cy_waitset_create(&ws, fs, 4, &o), 0);
  int yes0 = t.yes, no0 = t.no;
  ASSERT_ERR(cy_waitset_poll(ws), CY_EAGAIN); /* probe 2: call 1 or 2 */
  cy_future_set_result(fs[0], NULL);
  cy_future_set_result(fs[1], NULL);
  ASSERT_ERR(cy_waitset_poll(ws), CY_EAGAIN); /* two completions, none found by a probe */
  ASSERT_EQ(t.yes, yes0);
  ASSERT(t.no > no0);
  while (s.calls < 3) ASSERT_ERR(cy_waitset_poll(ws), CY_EAGAIN);
  ASSERT_EQ(t.yes, yes0 + 1); /* the round whose probe found fs[2] done */
  ASSERT_EQ(cy_waitset_done_count(ws), 3);
  cy_waitset_free(ws);
  drop(fs, 4);
  return 0;
}

typedef struct { int n; cy_progress last; int finals; } prog;
static void on_progress(const cy_progress *p, void *arg) {
  prog *g = arg;
  g->n++;
  g->last = *p;
  g->finals += p->final;
}

static int t_progress(void) {
  cy_future *fs[10];
  make(fs, 10);
  for (int i = 0; i < 10; i++) {
    if (i < 3) cy_future_set_exception(fs[i], 1, NULL);
    else cy_future_set_result(fs[i], NULL);
  }
  prog g = {0};
  cy_wait_opts o;
  cy_wait_opts_init(&o);
  o.progress = on_progress;
  o.progress_arg = &g;
  o.miniters = 4;
  ASSERT_ERR(cy_wait(fs, 10, &o, NULL), 0);
  ASSERT_EQ(g.finals, 1);
  ASSERT_EQ(g.last.final, 1);
  ASSERT_EQ(g.last.completed, 10);
  ASSERT_EQ(g.last.failed, 3);
  ASSERT_EQ(g.last.total, 10);
  ASSERT_GE(g.last.elapsed_ms, 0);
  drop(fs, 10);
  return 0;
}

static int t_waitset_steps(void) {
  cy_future *fs[3];
  make(fs, 3);
  cy_waitset *ws;
  ASSERT_ERR(cy_waitset_create(&ws, fs, 3, NULL), 0);
  ASSERT_EQ(cy_waitset_size(ws), 3);
  ASSERT(cy_waitset_next_wakeup_ms(ws) < 0); /* every future notifies: no timer */
  ASSERT_ERR(cy_waitset_poll(ws), CY_EAGAIN);
  size_t idx;
  ASSERT_ERR(cy_waitset_next(ws, &idx), CY_EAGAIN);
  uint32_t sig = *cy_waitset_signal(ws);
  ASSERT_EQ(cy_waitset_arm(ws), sig);
  cy_future_set_result(fs[2], NULL);
  ASSERT_NE(*cy_waitset_signal(ws), sig);
  cy_future_set_exception(fs[0], 5, NULL);
  ASSERT_EQ(cy_waitset_done_count(ws), 2);
  ASSERT_EQ(cy_waitset_failed_count(ws), 1);
  ASSERT_ERR(cy_waitset_next(ws, &idx), 0);
  ASSERT_EQ(idx, 2);
  ASSERT_ERR(cy_waitset_next(ws, &idx), 0);
  ASSERT_EQ(idx, 0);
  ASSERT_ERR(cy_waitset_next(ws, &idx), CY_EAGAIN);
  ASSERT_ERR(cy_waitset_poll(ws), CY_EAGAIN);
  cy_future_set_result(fs[1], NULL);
  ASSERT_ERR(cy_waitset_poll(ws), 0);
  ASSERT_ERR(cy_waitset_next(ws, &idx), 0);
  ASSERT_EQ(idx, 1);
  ASSERT_ERR(cy_waitset_next(ws, &idx), CY_EOF);
  unsigned char flags[3];
  cy_waitset_done_flags(ws, flags);
  ASSERT(flags[0] && flags[1] && flags[2]);
  cy_waitset_free(ws);
  drop(fs, 3);
  return 0;
}

static int t_waitset_deadline(void) {
  cy_future *f = cy_future_new();
  cy_wait_opts o;
  cy_wait_opts_init(&o);
  o.timeout_ms = 15;
  cy_waitset *ws;
  ASSERT_ERR(cy_waitset_create(&ws, &f, 1, &o), 0);
  double left = cy_waitset_next_wakeup_ms(ws);
  ASSERT(left > 0 && left <= 15);
  ASSERT_ERR(cy_waitset_poll(ws), CY_EAGAIN);
  cy_test_sleep_ms(20);
  ASSERT_ERR(cy_waitset_poll(ws), CY_ETIMEDOUT);
  cy_waitset_free(ws);
  /* after the waitset is gone, completing the future is still fine */
  ASSERT_ERR(cy_future_set_result(f, NULL), 0);
  cy_future_release(f);
  return 0;
}

static int t_duplicates(void) {
  cy_future *f = cy_future_new();
  cy_future *fs[3] = {f, f, f};
  cy_waitset *ws;
  ASSERT_ERR(cy_waitset_create(&ws, fs, 3, NULL), 0);
  cy_future_set_result(f, NULL);
  ASSERT_ERR(cy_waitset_poll(ws), 0);
  ASSERT_EQ(cy_waitset_done_count(ws), 3);
  cy_waitset_free(ws);
  cy_future_release(f);
  return 0;
}

static int t_repeated_timeouts_leave_nothing_behind(void) {
  /* A waitset unlinks its nodes: many timed-out waits on one pending future
   * must not grow its waiter list (ASan/LSan would see the leak). */
  cy_future *f = cy_future_new();
  cy_wait_opts o;
  cy_wait_opts_init(&o);
  o.timeout_ms = 0;
  for (int i = 0; i < 10000; i++) ASSERT_ERR(cy_wait(&f, 1, &o, NULL), CY_ETIMEDOUT);
  cy_future_set_result(f, NULL);
  cy_future_release(f);
  return 0;
}

static int t_invalid(void) {
  cy_future *f = cy_future_new();
  cy_future *fs[2] = {f, NULL};
  cy_wait_opts o;
  cy_wait_opts_init(&o);
  ASSERT_ERR(cy_wait(NULL, 3, &o, NULL), CY_EINVAL);
  ASSERT_ERR(cy_wait(fs, 2, &o, NULL), CY_EINVAL); /* a NULL future */
  o.return_when = 7;
  ASSERT_ERR(cy_wait(&f, 1, &o, NULL), CY_EINVAL);
  cy_wait_opts_init(&o);
  o.polling = "no-such-strategy";
  ASSERT_ERR(cy_wait(&f, 1, &o, NULL), CY_ENOENT);
  cy_wait_opts_init(&o);
  o.timeout_ms = 0.0 / 0.0;
  ASSERT_ERR(cy_wait(&f, 1, &o, NULL), CY_EINVAL);
  ASSERT_ERR(cy_waitset_create(NULL, &f, 1, NULL), CY_EINVAL);
  ASSERT_ERR(cy_waitset_poll(NULL), CY_EINVAL);
  ASSERT_ERR(cy_waitset_wait(NULL, 0), CY_EINVAL);
  size_t idx;
  ASSERT_ERR(cy_waitset_next(NULL, &idx), CY_EINVAL);
  cy_waitset_free(NULL);
  cy_wait_opts_init(NULL);
  cy_future_release(f);
  return 0;
}

static int t_single_thread_deadlock_detected(void) {
  if (cy_has_threads()) return 0;
  cy_future *f = cy_future_new();
  ASSERT_ERR(cy_wait(&f, 1, NULL, NULL), CY_EDEADLK);
  cy_future_release(f);
  return 0;
}


static int t_slots(void) {
  /* entries 0 and 2 are slots, 1 a future */
  cy_future *f = cy_future_new();
  cy_future *fs[3] = {NULL, f, NULL};
  cy_waitset *ws;
  ASSERT_ERR(cy_waitset_create(&ws, fs, 3, NULL), CY_EINVAL); /* NULL is no future */
  ASSERT_ERR(cy_waitset_create_slots(&ws, fs, 3, NULL), 0);
  ASSERT_ERR(cy_waitset_poll(ws), CY_EAGAIN);
  unsigned char st[3];
  cy_waitset_states(ws, st);
  ASSERT_EQ(st[0], CY_STATE_PENDING);
  ASSERT_EQ(st[2], CY_STATE_PENDING);
  uint32_t idx[4] = {2, 2, 1, 7}; /* a repeat, a future, out of range: skipped */
  int32_t codes[4] = {0, 9, 0, 0};
  uint32_t sig = *cy_waitset_signal(ws);
  ASSERT_EQ(cy_waitset_complete_slots(ws, idx, codes, 4), 1);
  ASSERT_NE(*cy_waitset_signal(ws), sig);
  ASSERT_EQ(cy_waitset_done_count(ws), 1);
  ASSERT_EQ(cy_waitset_failed_count(ws), 0);
  ASSERT_EQ(cy_waitset_complete_slots(ws, idx, codes, 1), 0); /* twice: skipped */
  cy_future_set_result(f, NULL);
  uint32_t last = 0;
  int32_t fail = 5;
  ASSERT_EQ(cy_waitset_complete_slots(ws, &last, &fail, 1), 1);
  ASSERT_ERR(cy_waitset_poll(ws), 0);
  cy_waitset_states(ws, st);
  ASSERT_EQ(st[0], CY_STATE_FAILED);
  ASSERT_EQ(st[1], CY_STATE_SUCCEEDED);
  ASSERT_EQ(st[2], CY_STATE_SUCCEEDED);
  ASSERT_EQ(cy_waitset_failed_count(ws), 1);
  unsigned char flags[3];
  cy_waitset_done_flags(ws, flags);
  ASSERT(flags[0] && flags[1] && flags[2]);
  size_t i;
  ASSERT_ERR(cy_waitset_next(ws, &i), 0);
  ASSERT_EQ(i, 2);
  ASSERT_ERR(cy_waitset_next(ws, &i), 0);
  ASSERT_EQ(i, 1);
  ASSERT_ERR(cy_waitset_next(ws, &i), 0);
  ASSERT_EQ(i, 0);
  ASSERT_ERR(cy_waitset_next(ws, &i), CY_EOF);
  cy_waitset_free(ws);
  cy_future_release(f);
  return 0;
}

static int t_slots_conditions(void) {
  cy_wait_opts o;
  cy_wait_opts_init(&o);
  o.return_when = CY_FIRST_EXCEPTION;
  cy_waitset *ws;
  ASSERT_ERR(cy_waitset_create_slots(&ws, NULL, 1000, &o), 0); /* all slots */
  uint32_t idx[1000];
  for (uint32_t j = 0; j < 1000; j++) idx[j] = j;
  ASSERT_EQ(cy_waitset_complete_slots(ws, idx, NULL, 500), 500);
  ASSERT_ERR(cy_waitset_poll(ws), CY_EAGAIN);
  int32_t cancel = CY_ECANCELED;
  ASSERT_EQ(cy_waitset_complete_slots(ws, idx + 500, &cancel, 1), 1);
  ASSERT_ERR(cy_waitset_poll(ws), CY_EAGAIN); /* a cancellation is no exception */
  int32_t fail = 3;
  ASSERT_EQ(cy_waitset_complete_slots(ws, idx + 501, &fail, 1), 1);
  ASSERT_ERR(cy_waitset_poll(ws), 0);
  ASSERT_EQ(cy_waitset_failed_count(ws), 2);
  cy_waitset_free(ws);

  o.return_when = CY_ALL_COMPLETED;
  o.timeout_ms = 5;
  ASSERT_ERR(cy_waitset_create_slots(&ws, NULL, 10, &o), 0);
  ASSERT_ERR(cy_waitset_wait(ws, -1), CY_ETIMEDOUT);
  ASSERT_EQ(cy_waitset_complete_slots(ws, idx, NULL, 10), 10);
  ASSERT_ERR(cy_waitset_wait(ws, 0), 0);
  cy_waitset_free(ws);
  ASSERT_ERR(cy_waitset_complete_slots(NULL, idx, NULL, 1), CY_EINVAL);
  return 0;
}

static int t_settle_slots_dense(void) {
  cy_future *f = cy_future_new();
  cy_future *fs[5] = {NULL, f, NULL, NULL, NULL};
  cy_waitset *ws;
  ASSERT_ERR(cy_waitset_create_slots(&ws, fs, 5, NULL), 0);
  /* pending, a future (skipped whatever it says), succeeded, failed, junk */
  unsigned char in[5] = {CY_STATE_PENDING, CY_STATE_SUCCEEDED, CY_STATE_SUCCEEDED,
                         CY_STATE_FAILED, 77};
  ASSERT_EQ(cy_waitset_settle_slots(ws, in), 2);
  ASSERT_EQ(cy_waitset_settle_slots(ws, in), 0); /* already settled */
  ASSERT_EQ(cy_waitset_done_count(ws), 2);
  ASSERT_EQ(cy_waitset_failed_count(ws), 1);
  ASSERT_EQ(cy_future_state(f), CY_STATE_PENDING);
  unsigned char st[5];
  cy_waitset_states(ws, st);
  ASSERT_EQ(st[0], CY_STATE_PENDING);
  ASSERT_EQ(st[2], CY_STATE_SUCCEEDED);
  ASSERT_EQ(st[3], CY_STATE_FAILED);
  ASSERT_EQ(st[4], CY_STATE_PENDING);
  size_t i;
  ASSERT_ERR(cy_waitset_next(ws, &i), 0);
  ASSERT_EQ(i, 2); /* dense batches go in index order */
  ASSERT_ERR(cy_waitset_next(ws, &i), 0);
  ASSERT_EQ(i, 3);
  unsigned char rest[5] = {CY_STATE_CANCELLED, 0, 0, 0, CY_STATE_SUCCEEDED};
  ASSERT_EQ(cy_waitset_settle_slots(ws, rest), 2);
  cy_future_set_result(f, NULL);
  ASSERT_ERR(cy_waitset_poll(ws), 0);
  ASSERT_EQ(cy_waitset_failed_count(ws), 2);
  ASSERT_ERR(cy_waitset_settle_slots(NULL, rest), CY_EINVAL);
  ASSERT_ERR(cy_waitset_settle_slots(ws, NULL), CY_EINVAL);
  cy_waitset_free(ws);
  cy_future_release(f);
  return 0;
}

/* cy_slots_condition answers as a waitset of slots settled with the same
 * states and polled once would, for each return condition. */
static int t_slots_condition(void) {
  unsigned char cases[][3] = {
      {CY_STATE_SUCCEEDED, CY_STATE_SUCCEEDED, CY_STATE_SUCCEEDED},
      {CY_STATE_SUCCEEDED, CY_STATE_PENDING, CY_STATE_SUCCEEDED},
      {CY_STATE_FAILED, CY_STATE_PENDING, CY_STATE_PENDING},
      {CY_STATE_CANCELLED, CY_STATE_PENDING, CY_STATE_PENDING},
      {CY_STATE_PENDING, CY_STATE_RUNNING, 77},
      {CY_STATE_CANCELLED, CY_STATE_FAILED, CY_STATE_SUCCEEDED},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    for (int rw = CY_ALL_COMPLETED; rw <= CY_FIRST_EXCEPTION; rw++) {
      cy_wait_opts o;
      cy_wait_opts_init(&o);
      o.return_when = rw;
      o.timeout_ms = -1;
      cy_waitset *ws;
      ASSERT_ERR(cy_waitset_create_slots(&ws, NULL, 3, &o), 0);
      cy_waitset_settle_slots(ws, cases[c]);
      int expected = cy_waitset_poll(ws);
      cy_waitset_free(ws);
      ASSERT_ERR(cy_slots_condition(rw, cases[c], 3), expected);
    }
  }
  ASSERT_ERR(cy_slots_condition(CY_ALL_COMPLETED, NULL, 0), 0);
  ASSERT_ERR(cy_slots_condition(CY_FIRST_COMPLETED, NULL, 0), 0);
  ASSERT_ERR(cy_slots_condition(CY_ALL_COMPLETED, NULL, 1), CY_EINVAL);
  ASSERT_ERR(cy_slots_condition(3, cases[0], 3), CY_EINVAL);
  ASSERT_ERR(cy_slots_condition(-1, cases[0], 3), CY_EINVAL);
  return 0;
}

#ifndef CY_NO_THREADS

static int t_slots_race_futures(void) {
  /* The owner completes slots while another thread completes futures of the
   * same waitset: both claim completion-order slots concurrently. */
  enum { N = 20000 };
  cy_future **fs = calloc(N, sizeof *fs);
  cy_future **futs = malloc(N / 2 * sizeof *futs);
  for (int i = 0; i < N / 2; i++) fs[2 * i + 1] = futs[i] = cy_future_new();
  cy_waitset *ws;
  ASSERT_ERR(cy_waitset_create_slots(&ws, fs, N, NULL), 0);
  pthread_t th;
  cy_test_span sp = {futs, N / 2};
  pthread_create(&th, NULL, cy_test_complete_span, &sp);
  for (uint32_t i = 0; i < N; i += 2) ASSERT_EQ(cy_waitset_complete_slots(ws, &i, NULL, 1), 1);
  ASSERT_ERR(cy_waitset_wait(ws, -1), 0);
  pthread_join(th, NULL);
  unsigned char *seen = calloc(N, 1);
  size_t i;
  int count = 0;
  while (cy_waitset_next(ws, &i) == 0) {
    ASSERT_EQ(seen[i], 0);
    seen[i] = 1;
    count++;
  }
  ASSERT_EQ(count, N);
  cy_waitset_free(ws);
  for (int j = 0; j < N / 2; j++) cy_future_release(futs[j]);
  free(fs);
  free(futs);
  free(seen);
  return 0;
}
#else
static int t_slots_race_futures(void) { return 0; }
#endif

CY_TEST_TABLE(wait) = {
    {"all_completed", t_all_completed, 0},
    {"empty", t_empty, 0},
    {"all_times_out_and_stays_usable", t_all_times_out_and_stays_usable, 0},
    {"timeout_zero", t_timeout_zero, 0},
    {"timeout_zero_first_check", t_timeout_zero_first_check, 0},
    {"first_completed", t_first_completed, 0},
    {"first_exception", t_first_exception, 0},
    {"first_exception_without_failures", t_first_exception_without_failures, 0},
    {"wakes_on_completion_from_other_thread", t_wakes_on_completion_from_other_thread, 1},
    {"probe_futures_paced", t_probe_futures_paced, 0},
    {"probe_round_records_strategy", t_probe_round_records_strategy, 0},
    {"probe_round_counts_only_its_finds", t_probe_round_counts_only_its_finds, 0},
    {"progress", t_progress, 0},
    {"waitset_steps", t_waitset_steps, 0},
    {"waitset_deadline", t_waitset_deadline, 0},
    {"duplicates", t_duplicates, 0},
    {"repeated_timeouts_leave_nothing_behind", t_repeated_timeouts_leave_nothing_behind, 0},
    {"invalid", t_invalid, 0},
    {"single_thread_deadlock_detected", t_single_thread_deadlock_detected, 0},
    {"slots", t_slots, 0},
    {"slots_conditions", t_slots_conditions, 0},
    {"settle_slots_dense", t_settle_slots_dense, 0},
    {"slots_condition", t_slots_condition, 0},
    {"slots_race_futures", t_slots_race_futures, 1},
    {0, 0, 0}};
