/*
 * executor.c: a fixed pool of threads running cy_task_fn tasks, after libuv's
 * threadpool: one mutex and condition variable over a FIFO queue.
 *
 * A task's future is PENDING while queued. A worker moves it to RUNNING with
 * a CAS before calling the task; cy_future_cancel moves PENDING to CANCELLED
 * with a CAS too, so exactly one of them wins and a cancelled task never
 * starts, while a started one can no longer be cancelled.
 *
 * nthreads == 0 (and every WASI build) runs each task inline in cy_submit.
 */
#include "internal.h"

#include <stdlib.h>

typedef struct task {
  struct task *next;
  cy_task_fn fn;
  void *arg;
  cy_future *f; /* the queue's own reference */
} task;

struct cy_executor {
  int nthreads;
#ifndef CY_NO_THREADS
  pthread_mutex_t mu;
  pthread_cond_t cv;
  task *head, *tail; /* guarded by mu */
  int stopping;      /* guarded by mu */
  int idle;          /* workers blocked on cv, guarded by mu */
  pthread_t *threads;
#endif
};

/* Runs the task unless its future was cancelled while queued. */
static void run(cy_task_fn fn, void *arg, cy_future *f) {
  if (cy_future_set_running(f) != 0) return;
  void *result = NULL;
  int rc = fn(arg, &result);
  if (rc == 0) cy_future_set_result(f, result);
  else cy_future_set_exception(f, rc, result);
}

#ifndef CY_NO_THREADS
static void *worker(void *p) {
  cy_executor *ex = p;
  pthread_mutex_lock(&ex->mu);
  for (;;) {
    while (!ex->head && !ex->stopping) {
      ex->idle++;
      pthread_cond_wait(&ex->cv, &ex->mu);
      ex->idle--;
    }
    task *t = ex->head;
    if (!t) break; /* stopping and drained */
    ex->head = t->next;
    if (!ex->head) ex->tail = NULL;
    pthread_mutex_unlock(&ex->mu);
    run(t->fn, t->arg, t->f);
    cy_future_release(t->f);
    free(t);
    pthread_mutex_lock(&ex->mu);
  }
  pthread_mutex_unlock(&ex->mu);
  return NULL;
}
#endif

static int create(cy_executor **out, int nthreads) {
  *out = NULL;
  if (nthreads < 0) return CY_EINVAL;
  cy_executor *ex = calloc(1, sizeof *ex);
  if (!ex) return CY_ENOMEM;
#ifdef CY_NO_THREADS
  ex->nthreads = 0;
#else
  ex->nthreads = nthreads;
  if (nthreads > 0) {
    ex->threads = calloc((size_t)nthreads, sizeof *ex->threads);
    if (!ex->threads) {
      free(ex);
      return CY_ENOMEM;
    }
    pthread_mutex_init(&ex->mu, NULL);
    pthread_cond_init(&ex->cv, NULL);
    for (int i = 0; i < nthreads; i++) {
      if (pthread_create(&ex->threads[i], NULL, worker, ex) != 0) {
        ex->nthreads = i; /* free joins the ones that started */
        cy_executor_free(ex);
        return CY_ENOMEM;
      }
    }
  }
#endif
  *out = ex;
  return 0;
}

cy_executor *cy_executor_new(int nthreads) {
  cy_executor *ex = NULL;
  return create(&ex, nthreads) == 0 ? ex : NULL;
}

int cy_executor_nthreads(const cy_executor *ex) { return ex ? ex->nthreads : CY_EINVAL; }

void cy_executor_free(cy_executor *ex) {
  if (!ex) return;
#ifndef CY_NO_THREADS
  if (ex->threads) {
    pthread_mutex_lock(&ex->mu);
    ex->stopping = 1;
    pthread_cond_broadcast(&ex->cv);
    pthread_mutex_unlock(&ex->mu);
    for (int i = 0; i < ex->nthreads; i++) pthread_join(ex->threads[i], NULL);
    pthread_mutex_destroy(&ex->mu);
    pthread_cond_destroy(&ex->cv);
    free(ex->threads);
  }
#endif
  free(ex);
}

/* 0 with *out, or CY_EINVAL, CY_ENOMEM, CY_ESHUTDOWN (cy_submit gives NULL). */
static int submit(cy_executor *ex, cy_task_fn fn, void *arg, cy_future **out) {
  *out = NULL;
  if (!ex || !fn) return CY_EINVAL;
  cy_future *f = cy_future_new();
  if (!f) return CY_ENOMEM;
#ifndef CY_NO_THREADS
  if (ex->nthreads > 0) {
    task *t = malloc(sizeof *t);
    if (!t) {
      cy_future_release(f);
      return CY_ENOMEM;
    }
    t->next = NULL;
    t->fn = fn;
    t->arg = arg;
    t->f = cy_future_retain(f);
    pthread_mutex_lock(&ex->mu);
    if (ex->stopping) {
      pthread_mutex_unlock(&ex->mu);
      cy_future_release(f);
      cy_future_release(f);
      free(t);
      return CY_ESHUTDOWN;
    }
    if (ex->tail) ex->tail->next = t;
    else ex->head = t;
    ex->tail = t;
    /* Signal only when a worker sleeps: a busy pool picks the task up on
     * its next turn without a futex call. */
    if (ex->idle) pthread_cond_signal(&ex->cv);
    pthread_mutex_unlock(&ex->mu);
    *out = f;
    return 0;
  }
#endif
  run(fn, arg, f);
  *out = f;
  return 0;
}

cy_future *cy_submit(cy_executor *ex, cy_task_fn fn, void *arg) {
  cy_future *f = NULL;
  submit(ex, fn, arg, &f);
  return f;
}
