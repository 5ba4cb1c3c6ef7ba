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
 *
 * Lifetime: the owner and every worker hold a reference; the last to drop it
 * frees the executor. cy_executor_free joins the workers, except, on the main
 * thread of an Emscripten build, those that have not started yet: their Web
 * Worker is still loading and needs that thread's event loop to start, so a
 * join there would wait forever. Those are detached instead; once started
 * they find the executor stopping, finish the queue, exit, and the last one
 * frees it. (Workers that have started are joined as everywhere: they need
 * nothing from the main thread to finish.)
 */
#include "internal.h"

#include <stdlib.h>

#ifdef __EMSCRIPTEN__
#include <emscripten/threading.h>
#endif

typedef struct task {
  struct task *next;
  cy_task_fn fn;
  void *arg;
  cy_future *f; /* the queue's own reference */
} task;

struct cy_executor {
  int nthreads;
#ifndef CY_NO_THREADS
  _Atomic int refs;  /* the owner's and one per started worker */
  pthread_mutex_t mu;
  pthread_cond_t cv;
  task *head, *tail; /* guarded by mu */
  int stopping;      /* guarded by mu */
  int idle;          /* workers blocked on cv, guarded by mu */
  struct worker_slot *threads;
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
typedef struct worker_slot {
  pthread_t th;
  cy_executor *ex;
  _Atomic int started; /* the thread runs (see the lifetime note above) */
} worker_slot;

static void unref(cy_executor *ex) {
  if (atomic_fetch_sub_explicit(&ex->refs, 1, memory_order_acq_rel) != 1) return;
  if (ex->threads) {
    pthread_mutex_destroy(&ex->mu);
    pthread_cond_destroy(&ex->cv);
    free(ex->threads);
  }
  free(ex);
}

static void *worker(void *p) {
  worker_slot *slot = p;
  cy_executor *ex = slot->ex;
  atomic_store_explicit(&slot->started, 1, memory_order_release);
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
  unref(ex); /* the last use of ex on this thread */
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
  atomic_init(&ex->refs, 1);
  if (nthreads > 0) {
    ex->threads = calloc((size_t)nthreads, sizeof *ex->threads);
    if (!ex->threads) {
      free(ex);
      return CY_ENOMEM;
    }
    pthread_mutex_init(&ex->mu, NULL);
    pthread_cond_init(&ex->cv, NULL);
    for (int i = 0; i < nthreads; i++) {
      atomic_fetch_add_explicit(&ex->refs, 1, memory_order_relaxed);
      ex->threads[i].ex = ex;
      atomic_init(&ex->threads[i].started, 0);
      if (pthread_create(&ex->threads[i].th, NULL, worker, &ex->threads[i]) != 0) {
        atomic_fetch_sub_explicit(&ex->refs, 1, memory_order_relaxed);
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

#if !defined(CY_NO_THREADS) && defined(__EMSCRIPTEN__)
/* How long cy_executor_free on the main thread gives workers to start. A
 * thread on a pooled, loaded Web Worker starts without this thread's help
 * (within milliseconds); joining it returns its Worker to the pool, so a
 * blocking wait right after (a new executor, then cy_wait on this thread)
 * finds Workers to run on. A thread whose Worker is still loading cannot
 * start until this thread yields: it is detached once the grace ends. */
#define START_GRACE_MS 250.0

static void await_starts(cy_executor *ex) {
  double deadline = cy_now_ms() + START_GRACE_MS;
  for (;;) {
    int waiting = 0;
    for (int i = 0; i < ex->nthreads; i++)
      if (!atomic_load_explicit(&ex->threads[i].started, memory_order_acquire)) waiting = 1;
    if (!waiting || cy_now_ms() >= deadline) return;
    emscripten_current_thread_process_queued_calls();
  }
}
#endif

void cy_executor_free(cy_executor *ex) {
  if (!ex) return;
#ifndef CY_NO_THREADS
  if (ex->threads) {
    pthread_mutex_lock(&ex->mu);
    ex->stopping = 1;
    pthread_cond_broadcast(&ex->cv);
    pthread_mutex_unlock(&ex->mu);
    int main_thread = 0;
#ifdef __EMSCRIPTEN__
    main_thread = emscripten_is_main_browser_thread();
    if (main_thread) await_starts(ex);
#endif
    for (int i = 0; i < ex->nthreads; i++) {
      worker_slot *w = &ex->threads[i];
      if (main_thread && !atomic_load_explicit(&w->started, memory_order_acquire))
        pthread_detach(w->th);
      else
        pthread_join(w->th, NULL);
    }
  }
  unref(ex);
#else
  free(ex);
#endif
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
