/*
 * kernel.c: the kernel registry, kernel pools and kernel calls
 * (concurry-kernels.h).
 *
 * A call has two futures. The task's (cy_submit's) follows the kernel:
 * pending while queued, running, done when the kernel returns. The call's own
 * future (an external one) is what callers wait on: the task's done-callback
 * completes it with the kernel's outcome, unless a stop decided it first. So
 * a stop can cancel (or time out) a call at once even while its kernel runs
 * on, which a task future cannot do (cancel succeeds only while queued).
 *
 * References to a call: the caller's (cy_kernel_call_start's), and the task's,
 * dropped by the task's done-callback, which runs exactly once, whether the
 * kernel ran or the task was cancelled while queued (so the copies of the
 * arguments are never leaked by a cancel, unlike a plain cy_submit arg).
 *
 * Ownership of the bytes: the input copy (c->in, its own allocation) is the
 * task's: only the kernel reads it, so the task's done-callback frees it
 * once the kernel returned (or never ran), not the last release; a caller
 * that keeps its reference (a JS future not yet collected) keeps only the
 * call's few words and the output. The output (c->out) is the caller's: it
 * lives until the last reference is released, when the call succeeded;
 * task_done frees the output of a call that failed or was stopped.
 */
#include "internal.h"
#include "concurry-kernels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- registry ------------------------------------------------------------ */

typedef struct {
  char name[CY_KERNEL_NAME_MAX + 1];
  cy_kernel_fn fn;
} entry;

/* The registry only grows; count is published after its entry is written, so
 * readers that load count (acquire) may read entries below it without the lock. */
static entry registry[CY_KERNEL_MAX];
static _Atomic size_t registry_count;
static cy__mutex registry_mu = CY__MUTEX_INIT;

static int valid_name(const char *name) {
  if (!name || !*name) return 0;
  size_t n = 0;
  for (const char *p = name; *p; p++, n++) {
    char c = *p;
    int alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!(alpha || (n > 0 && c >= '0' && c <= '9'))) return 0;
  }
  return n <= CY_KERNEL_NAME_MAX;
}

static const entry *find(const char *name) {
  size_t n = atomic_load_explicit(&registry_count, memory_order_acquire);
  for (size_t i = 0; i < n; i++)
    if (strcmp(registry[i].name, name) == 0) return &registry[i];
  return NULL;
}

int cy_kernel_register(const char *name, cy_kernel_fn fn) {
  if (!fn || !valid_name(name)) return CY_EINVAL;
  int rc = 0;
  cy__mutex_lock(&registry_mu);
  const entry *e = find(name);
  if (e) {
    rc = e->fn == fn ? 0 : CY_EINVALSTATE;
  } else {
    size_t n = atomic_load_explicit(&registry_count, memory_order_relaxed);
    if (n == CY_KERNEL_MAX) {
      rc = CY_ENOMEM;
    } else {
      strcpy(registry[n].name, name);
      registry[n].fn = fn;
      atomic_store_explicit(&registry_count, n + 1, memory_order_release);
    }
  }
  cy__mutex_unlock(&registry_mu);
  return rc;
}

cy_kernel_fn cy_kernel_lookup(const char *name) {
  if (!name) return NULL;
  const entry *e = find(name);
  return e ? e->fn : NULL;
}

size_t cy_kernel_count(void) { return atomic_load_explicit(&registry_count, memory_order_acquire); }

const char *cy_kernel_name(size_t i) { return i < cy_kernel_count() ? registry[i].name : NULL; }

/* ---- pools ----------------------------------------------------------------- */

struct cy_kernel_pool {
  cy_executor *ex;
  _Atomic uint32_t queued, running, completed, failed, cancelled;
  _Atomic uint32_t signal;
  _Atomic uint32_t arrived; /* warm-up tasks that reached the barrier */
  int nthreads;
  cy__mutex mu;
  cy_kernel_call *live; /* calls whose task has not ended, guarded by mu */
};

struct cy_kernel_call {
  _Atomic int refs;
  _Atomic int stop;     /* the reason of the stop that decided the future, or 0 */
  _Atomic int cancel;   /* what cy_kernel_cancelled() reads */
  _Atomic int phase;    /* QUEUED, RUNNING or ENDED: see cy_kernel_call_task_state */
  cy_kernel_fn fn;
  cy_kernel_pool *pool; /* NULL once the task ended (the pool may be gone) */
  cy_future *future;    /* the call's */
  cy_future *task;      /* the task's */
  cy_kernel_call *prev, *next; /* in pool->live, guarded by pool->mu */
  double value;
  void *out;
  size_t out_len;
  size_t nargs;
  size_t in_len;
  unsigned char *in;    /* the input copy (malloc'd), freed by task_done */
  double args[];        /* nargs */
};

cy_kernel_pool *cy_kernel_pool_new(int nthreads) {
  if (nthreads < 0) return NULL;
  cy_kernel_pool *pool = calloc(1, sizeof *pool);
  if (!pool) return NULL;
  pool->mu = (cy__mutex)CY__MUTEX_INIT;
  pool->ex = cy_executor_new(nthreads);
  if (!pool->ex) {
    free(pool);
    return NULL;
  }
  /* What the executor runs, not what was asked: 0 in a build without threads
   * (WASI), where the warm-up barrier must not wait for threads that never come. */
  pool->nthreads = cy_executor_nthreads(pool->ex);
  return pool;
}

void cy_kernel_pool_free(cy_kernel_pool *pool) {
  if (!pool) return;
  /* Joins the threads after their queues drain: every task's done-callback
   * (the last use of pool by a call) has run by then. */
  cy_executor_free(pool->ex);
  free(pool);
}

void cy_kernel_pool_stats(const cy_kernel_pool *pool, uint32_t *out) {
  if (!pool || !out) return;
  /* The counters move separately; a reader may see a task in neither queued
   * nor running for an instant, never in both. */
  out[0] = atomic_load(&pool->queued);
  out[1] = atomic_load(&pool->running);
  out[2] = atomic_load(&pool->completed);
  out[3] = atomic_load(&pool->failed);
  out[4] = atomic_load(&pool->cancelled);
}

const volatile uint32_t *cy_kernel_pool_signal(const cy_kernel_pool *pool) {
  return pool ? (const volatile uint32_t *)&pool->signal : NULL;
}

static void call_release(cy_kernel_call *c) {
  if (atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) != 1) return;
  cy_future_release(c->future);
  if (c->task) cy_future_release(c->task);
  free(c->in); /* NULL once task_done ran; set when start() failed before the task */
  free(c->out);
  free(c);
}

void cy_kernel_call_release(cy_kernel_call *c) {
  if (c) call_release(c);
}

int cy_kernel_pool_stop_all(cy_kernel_pool *pool, int reason) {
  if (!pool || (reason != CY_ECANCELED && reason != CY_ETIMEDOUT)) return CY_EINVAL;
  /* Stopping a queued task runs its done-callback here, which takes mu: so
   * take references under mu and stop outside it. */
  cy__mutex_lock(&pool->mu);
  size_t n = 0;
  for (cy_kernel_call *c = pool->live; c; c = c->next) n++;
  cy_kernel_call **calls = n ? malloc(n * sizeof *calls) : NULL;
  if (n && !calls) {
    cy__mutex_unlock(&pool->mu);
    return CY_ENOMEM;
  }
  size_t k = 0;
  for (cy_kernel_call *c = pool->live; c; c = c->next) {
    atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
    calls[k++] = c;
  }
  cy__mutex_unlock(&pool->mu);
  int stopped = 0;
  for (size_t i = 0; i < k; i++) {
    if (cy_kernel_call_stop(calls[i], reason) == 0) stopped++;
    call_release(calls[i]);
  }
  free(calls);
  return stopped;
}

/* ---- calls ----------------------------------------------------------------- */

static void unlink_live(cy_kernel_pool *pool, cy_kernel_call *c) {
  cy__mutex_lock(&pool->mu);
  if (c->prev) c->prev->next = c->next;
  else if (pool->live == c) pool->live = c->next;
  if (c->next) c->next->prev = c->prev;
  c->prev = c->next = NULL;
  cy__mutex_unlock(&pool->mu);
}

/* The call's phase, which cy_kernel_call_task_state reports instead of the
 * task future's state: the executor marks the task RUNNING before run_kernel
 * moves the counters, and done before task_done (a done-callback) moves them
 * again and decides the call. A caller that saw the task's own state could so
 * read counts that do not include the change yet (a "done" task still counted
 * as running). Each phase is stored after the counters it stands for, so a
 * caller that sees it sees them. */
enum { QUEUED, RUNNING, ENDED };

static int run_kernel(void *arg, void **result) {
  cy_kernel_call *c = arg;
  cy_kernel_pool *pool = c->pool;
  atomic_fetch_sub(&pool->queued, 1);
  atomic_fetch_add(&pool->running, 1);
  atomic_store_explicit(&c->phase, RUNNING, memory_order_release);
  /* A stop that came between dequeue and here: skip the kernel. */
  int rc = atomic_load_explicit(&c->cancel, memory_order_relaxed) ? CY_ECANCELED : c->fn(c);
  *result = c;
  return rc;
}

/* c->stop once the kernel's outcome decided the call (a stop's reason is a
 * negative code, so the two never meet). Whoever moves c->stop from 0 decides
 * the call's future: task_done or one cy_kernel_call_stop, never both. */
#define FINISHED 1

/* Runs once per task, on the thread that ended it (a worker, or the one that
 * stopped it while queued). The counters move before the call's future is
 * completed, so a caller woken by the future reads counts that include it. */
static void task_done(cy_future *task, void *arg) {
  cy_kernel_call *c = arg;
  cy_kernel_pool *pool = c->pool;
  int state = cy_future_state(task);
  int code = 0;
  void *payload = NULL;
  if (state != CY_STATE_CANCELLED) (void)cy_future_exception(task, 0, &code, &payload);
  int reason = 0;
  int decide = atomic_compare_exchange_strong(&c->stop, &reason, FINISHED);
  if (state == CY_STATE_CANCELLED) atomic_fetch_sub(&pool->queued, 1);
  else atomic_fetch_sub(&pool->running, 1);
  if (decide) atomic_fetch_add(code == 0 ? &pool->completed : &pool->failed, 1);
  else atomic_fetch_add(reason == CY_ETIMEDOUT ? &pool->failed : &pool->cancelled, 1);
  unlink_live(pool, c);
  c->pool = NULL;
  /* The kernel returned (or never ran): nobody reads the input again. Freed
   * before the call's future is completed, so a caller woken by it (the JS
   * bindings start the next call then) finds the memory free. */
  free(c->in);
  c->in = NULL;
  c->in_len = 0;
  /* Nobody reads the output of a call that did not succeed (a stopped
   * kernel may have made one before it saw the stop). */
  if (!decide || code != 0) {
    free(c->out);
    c->out = NULL;
    c->out_len = 0;
  }
  if (decide) {
    if (code == 0) cy_future_set_result(c->future, c);
    else cy_future_set_exception(c->future, code, NULL);
  }
  atomic_fetch_add(&pool->signal, 1);
  cy__futex_wake(&pool->signal);
  /* Last use but the release: the caller's reference keeps c alive to read it. */
  atomic_store_explicit(&c->phase, ENDED, memory_order_release);
  call_release(c);
}

static int start(cy_kernel_call **out, cy_kernel_pool *pool, cy_kernel_fn fn,
                 const double *args, size_t nargs, const void *in, size_t in_len);

int cy_kernel_call_start(cy_kernel_call **out, cy_kernel_pool *pool, const char *name,
                         const double *args, size_t nargs, const void *in, size_t in_len) {
  if (!out) return CY_EINVAL;
  *out = NULL;
  if (!pool || !name || (nargs && !args) || (in_len && !in)) return CY_EINVAL;
  if (nargs > (SIZE_MAX / 2) / sizeof(double) || in_len > SIZE_MAX / 2) return CY_ENOMEM;
  cy_kernel_fn fn = cy_kernel_lookup(name);
  if (!fn) return CY_ENOENT;
  return start(out, pool, fn, args, nargs, in, in_len);
}

/* Waits until every thread of the pool holds one of these tasks (a thread
 * holds one at a time, so n of them done means n threads ran). */
static int barrier(cy_kernel_call *c) {
  cy_kernel_pool *pool = c->pool;
  uint32_t n = (uint32_t)pool->nthreads;
  uint32_t v = atomic_fetch_add(&pool->arrived, 1) + 1;
  double end = cy_now_ms() + 60000;
  while (v < n) {
    double left = end - cy_now_ms();
    if (left <= 0) return CY_ETIMEDOUT;
    if (cy_kernel_cancelled(c)) return CY_ECANCELED;
    cy__futex_wait(&pool->arrived, v, left < 50 ? left : 50);
    v = atomic_load(&pool->arrived);
  }
  cy__futex_wake(&pool->arrived);
  return 0;
}

int cy_kernel_pool_warm(cy_kernel_pool *pool, cy_kernel_call **calls) {
  if (!pool || (pool->nthreads > 0 && !calls)) return CY_EINVAL;
  for (int i = 0; i < pool->nthreads; i++) {
    int rc = start(&calls[i], pool, barrier, NULL, 0, NULL, 0);
    if (rc) {
      for (int j = 0; j < i; j++) {
        cy_kernel_call_stop(calls[j], CY_ECANCELED);
        cy_kernel_call_release(calls[j]);
        calls[j] = NULL;
      }
      return rc;
    }
  }
  return pool->nthreads;
}

static int start(cy_kernel_call **out, cy_kernel_pool *pool, cy_kernel_fn fn,
                 const double *args, size_t nargs, const void *in, size_t in_len) {
  *out = NULL;
  cy_kernel_call *c = calloc(1, sizeof *c + nargs * sizeof(double));
  if (!c) return CY_ENOMEM;
  c->fn = fn;
  c->pool = pool;
  c->nargs = nargs;
  if (nargs) memcpy(c->args, args, nargs * sizeof(double));
  if (in_len) {
    c->in = malloc(in_len);
    if (!c->in) {
      free(c);
      return CY_ENOMEM;
    }
    memcpy(c->in, in, in_len);
    c->in_len = in_len;
  }
  c->future = cy_future_new();
  if (!c->future) {
    free(c->in);
    free(c);
    return CY_ENOMEM;
  }
  atomic_store(&c->refs, 2); /* the caller's and the task's */
  atomic_fetch_add(&pool->queued, 1);
  cy__mutex_lock(&pool->mu);
  c->next = pool->live;
  if (pool->live) pool->live->prev = c;
  pool->live = c;
  cy__mutex_unlock(&pool->mu);
  /* With an inline pool the kernel runs inside cy_submit, before the
   * callback below is added; the callback then runs at once. */
  c->task = cy_submit(pool->ex, run_kernel, c);
  if (!c->task) {
    /* Out of memory, or the pool is being freed: the kernel never runs. */
    unlink_live(pool, c);
    atomic_fetch_sub(&pool->queued, 1);
    atomic_store(&c->refs, 1);
    call_release(c);
    return CY_ENOMEM;
  }
  if (cy_future_add_done_callback(c->task, task_done, c) != 0) {
    /* No memory for the callback, so nothing would end the call: stop the
     * task and wait for it (it may have started), then undo what it counted. */
    atomic_store(&c->cancel, 1);
    cy_future_cancel(c->task);
    (void)cy_future_result(c->task, -1, NULL);
    unlink_live(pool, c);
    if (cy_future_state(c->task) == CY_STATE_CANCELLED) atomic_fetch_sub(&pool->queued, 1);
    else atomic_fetch_sub(&pool->running, 1);
    atomic_store(&c->refs, 1);
    call_release(c);
    return CY_ENOMEM;
  }
  *out = c;
  return 0;
}

cy_future *cy_kernel_call_future(const cy_kernel_call *c) { return c ? c->future : NULL; }

int cy_kernel_call_task_state(const cy_kernel_call *c) {
  if (!c) return CY_EINVAL;
  switch (atomic_load_explicit(&((cy_kernel_call *)c)->phase, memory_order_acquire)) {
  case QUEUED: return CY_STATE_PENDING;
  case RUNNING: return CY_STATE_RUNNING;
  default: return cy_future_state(c->task); /* done: SUCCEEDED, FAILED or CANCELLED */
  }
}

int cy_kernel_call_stop(cy_kernel_call *c, int reason) {
  if (!c || (reason != CY_ECANCELED && reason != CY_ETIMEDOUT)) return CY_EINVAL;
  int expected = 0;
  if (!atomic_compare_exchange_strong(&c->stop, &expected, reason)) return CY_EINVALSTATE;
  /* Only this stop completes the future now (see FINISHED), so it cannot fail. */
  if (reason == CY_ECANCELED) cy_future_cancel(c->future);
  else cy_future_set_exception(c->future, CY_ETIMEDOUT, NULL);
  atomic_store_explicit(&c->cancel, 1, memory_order_relaxed);
  /* Removes a queued task (its done-callback runs here); fails harmlessly
   * once it runs. */
  cy_future_cancel(c->task);
  return 0;
}

int cy_kernel_call_stopped(const cy_kernel_call *c) {
  int s = c ? atomic_load(&((cy_kernel_call *)c)->stop) : 0;
  return s < 0 ? s : 0;
}
double cy_kernel_call_value(const cy_kernel_call *c) { return c ? c->value : NAN; }
const void *cy_kernel_call_output(const cy_kernel_call *c) { return c ? c->out : NULL; }
size_t cy_kernel_call_output_len(const cy_kernel_call *c) { return c ? c->out_len : 0; }

/* ---- inside a kernel ------------------------------------------------------- */

size_t cy_kernel_nargs(const cy_kernel_call *c) { return c ? c->nargs : 0; }

double cy_kernel_arg(const cy_kernel_call *c, size_t i) {
  return c && i < c->nargs ? c->args[i] : NAN;
}

const void *cy_kernel_input(const cy_kernel_call *c, size_t *len) {
  if (len) *len = c ? c->in_len : 0;
  return c && c->in_len ? c->in : NULL;
}

static void *output(cy_kernel_call *c, size_t len, int zeroed) {
  if (!c || !len) return NULL;
  void *p = zeroed ? calloc(1, len) : malloc(len);
  if (!p) return NULL;
  free(c->out);
  c->out = p;
  c->out_len = len;
  return p;
}

void *cy_kernel_output(cy_kernel_call *c, size_t len) { return output(c, len, 1); }

void *cy__kernel_output_uninit(cy_kernel_call *c, size_t len) { return output(c, len, 0); }

void cy_kernel_set_value(cy_kernel_call *c, double value) {
  if (c) c->value = value;
}

int cy_kernel_cancelled(const cy_kernel_call *c) {
  return c ? atomic_load_explicit(&((cy_kernel_call *)c)->cancel, memory_order_relaxed) != 0 : 0;
}
