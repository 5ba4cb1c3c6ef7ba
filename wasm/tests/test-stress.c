/* Races: exactly-once completion and callbacks with 8 threads racing on
 * 100k futures; waits racing with completions and with their own teardown.
 * Run under the tsan preset to prove the absence of data races. */
#include "runner.h"

#include <stdlib.h>

#ifndef CY_NO_THREADS
enum { THREADS = 8 };

enum { NFUT = 100000 };

typedef struct {
  cy_future **fs;
  _Atomic int *calls;   /* per future */
  _Atomic long wins;
  _Atomic int go;
} race;

static void count_call(cy_future *f, void *arg) {
  (void)f;
  atomic_fetch_add_explicit((_Atomic int *)arg, 1, memory_order_relaxed);
}

typedef struct { race *r; int id; } racer;

static void *racer_main(void *p) {
  racer *me = p;
  race *r = me->r;
  while (!atomic_load(&r->go)) {
  }
  long wins = 0;
  for (int i = 0; i < NFUT; i++) {
    /* Every thread tries to complete every future, each in its own way,
     * and adds a callback too: exactly one completion wins. */
    int k = (i + me->id) % 4;
    int rc;
    if (k == 0) rc = cy_future_set_result(r->fs[i], (void *)(intptr_t)me->id);
    else if (k == 1) rc = cy_future_set_exception(r->fs[i], me->id + 1, NULL);
    else if (k == 2) rc = cy_future_cancel(r->fs[i]);
    else rc = cy_future_add_done_callback(r->fs[i], count_call, &r->calls[i]) == 0 ? 1 : -1;
    if (rc == 0) wins++;
  }
  atomic_fetch_add(&r->wins, wins);
  return NULL;
}

static int t_exactly_once_completion_and_callbacks(void) {
  race r;
  r.fs = malloc(NFUT * sizeof *r.fs);
  r.calls = calloc(NFUT, sizeof *r.calls);
  atomic_init(&r.wins, 0);
  atomic_init(&r.go, 0);
  for (int i = 0; i < NFUT; i++) {
    r.fs[i] = cy_future_new();
    cy_future_add_done_callback(r.fs[i], count_call, &r.calls[i]); /* one before */
  }
  pthread_t th[THREADS];
  racer rs[THREADS];
  for (int t = 0; t < THREADS; t++) {
    rs[t].r = &r;
    rs[t].id = t;
    pthread_create(&th[t], NULL, racer_main, &rs[t]);
  }
  atomic_store(&r.go, 1);
  for (int t = 0; t < THREADS; t++) pthread_join(th[t], NULL);
  ASSERT_EQ(atomic_load(&r.wins), NFUT); /* one winner per future */
  /* 1 callback added before + one per thread whose turn was k == 3: with 8
   * threads, ids t where (i + t) % 4 == 3 are exactly 2. */
  for (int i = 0; i < NFUT; i++) {
    ASSERT_EQ(atomic_load(&r.calls[i]), 3);
    ASSERT_EQ(cy_future_done(r.fs[i]), 1);
    cy_future_release(r.fs[i]);
  }
  free(r.fs);
  free((void *)r.calls);
  return 0;
}


static int t_wait_races_completions(void) {
  enum { N = 20000 };
  cy_future **fs = malloc(N * sizeof *fs);
  for (int round = 0; round < 5; round++) {
    for (int i = 0; i < N; i++) fs[i] = cy_future_new();
    pthread_t th[4];
    cy_test_span sp[4];
    for (int t = 0; t < 4; t++) {
      sp[t].fs = fs + t * (N / 4);
      sp[t].n = N / 4;
      pthread_create(&th[t], NULL, cy_test_complete_span, &sp[t]);
    }
    ASSERT_ERR(cy_wait(fs, N, NULL, NULL), 0);
    ASSERT_EQ(cy_check_batch(fs, N, NULL), N);
    for (int t = 0; t < 4; t++) pthread_join(th[t], NULL);
    for (int i = 0; i < N; i++) cy_future_release(fs[i]);
  }
  free(fs);
  return 0;
}

static int t_waitset_teardown_races_completions(void) {
  /* Timed-out waits are torn down while other threads complete the same
   * futures: the node handoff between detach and fire must hold. */
  enum { N = 2000 };
  cy_future **fs = malloc(N * sizeof *fs);
  for (int round = 0; round < 20; round++) {
    for (int i = 0; i < N; i++) fs[i] = cy_future_new();
    pthread_t th[2];
    cy_test_span sp[2] = {{fs, N / 2}, {fs + N / 2, N / 2}};
    for (int t = 0; t < 2; t++) pthread_create(&th[t], NULL, cy_test_complete_span, &sp[t]);
    cy_wait_opts o;
    cy_wait_opts_init(&o);
    o.timeout_ms = 0;
    int rc = cy_wait(fs, N, &o, NULL);
    ASSERT(rc == 0 || rc == CY_ETIMEDOUT);
    for (int t = 0; t < 2; t++) pthread_join(th[t], NULL);
    for (int i = 0; i < N; i++) cy_future_release(fs[i]);
  }
  free(fs);
  return 0;
}

static int noop(void *arg, void **result) {
  *result = arg;
  return 0;
}

static int t_executor_many_tasks(void) {
  enum { N = 50000 };
  cy_executor *ex = cy_executor_new(4);
  cy_future **fs = malloc(N * sizeof *fs);
  for (intptr_t i = 0; i < N; i++) fs[i] = cy_submit(ex, noop, (void *)i);
  cy_outcome *out = malloc(N * sizeof *out);
  ASSERT_ERR(cy_gather(fs, N, NULL, out), 0);
  for (intptr_t i = 0; i < N; i++) {
    ASSERT_PTR(out[i].value, (void *)i);
    cy_future_release(fs[i]);
  }
  cy_executor_free(ex);
  free(fs);
  free(out);
  return 0;
}
#else
static int t_exactly_once_completion_and_callbacks(void) { return 0; }
static int t_wait_races_completions(void) { return 0; }
static int t_waitset_teardown_races_completions(void) { return 0; }
static int t_executor_many_tasks(void) { return 0; }
#endif

CY_TEST_TABLE(stress) = {
    {"exactly_once_completion_and_callbacks", t_exactly_once_completion_and_callbacks, 1},
    {"wait_races_completions", t_wait_races_completions, 1},
    {"waitset_teardown_races_completions", t_waitset_teardown_races_completions, 1},
    {"executor_many_tasks", t_executor_many_tasks, 1},
    {0, 0, 0}};
