/*
 * internal.h: what the core's files share and nobody else sees (cy__ names).
 *
 * Dependencies point one way; a file uses only those on the lines above its
 * own (and its own line's neighbours never call each other):
 *   1. platform.c errors.c registry.c    clock, futex, threads; codes; strategy names
 *   1. params.c                          a strategy's parameter set and its one check
 *   2. config.c                          the global config (checks names in registry.c)
 *   3. polling.c progress.c table.c      strategies (parameters from config.c); progress
 *                                        cadence; the slab table futures live in
 *   4. future.c                          the state machine, waiter lists, done-callbacks
 *   5. batch.c executor.c                done flags of n futures; the thread pool
 *   6. wait.c                            the waitset: conditions, deadlines, probe rounds
 *   7. result.c gather.c                 one future's outcome; outcomes in input or
 *                                        completion order (both wait through wait.c)
 *   8. jsapi.c                           the JS batch API, on concurry.h alone
 *   8. ring.c                            completion rings: futures completed by JS threads
 *   8. kernel.c                          kernels by name; kernel pools and calls
 *   9. kernels_builtin.c                 the built-in kernels (primes, mandelbrot, ...)
 *
 * Platform layer (platform.c): a monotonic clock, a futex on a 32-bit word,
 * a mutex, threads. Three builds:
 *   - native Linux: futex(2), pthreads;
 *   - Emscripten with -pthread: emscripten_futex_wait/wake (Atomics.wait/notify),
 *     pthreads over SharedArrayBuffer;
 *   - WASI (CY_NO_THREADS): one thread; a futex wait can only sleep out its
 *     timeout, since nothing else can change the word.
 */
#ifndef CY_INTERNAL_H
#define CY_INTERNAL_H

/* Every core file includes this header first, so the feature macro reaches
 * the system headers (clock_gettime, nanosleep, pthread_*). */
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include <stdatomic.h>
#include <stdint.h>
#include <stddef.h>

#include "concurry.h"

#if defined(__wasi__) && !defined(_REENTRANT)
#define CY_NO_THREADS 1
#endif

#ifndef CY_NO_THREADS
#include <pthread.h>
#endif

/* ---- platform.c -------------------------------------------------------- */

/* Blocks while *addr == expected, up to timeout_ms (< 0: none). Returns 0 when
 * woken or the value differed, CY_ETIMEDOUT, or CY_EDEADLK in a build without
 * threads when there is no timeout (nothing could ever change the word).
 * Spurious returns are allowed: callers loop on their condition. */
int  cy__futex_wait(_Atomic uint32_t *addr, uint32_t expected, double timeout_ms);
void cy__futex_wake(_Atomic uint32_t *addr);       /* every waiter */
void cy__sleep_ms(double ms);
void cy__cpu_relax(void);

#ifdef CY_NO_THREADS
typedef struct { int unused; } cy__mutex;
#define CY__MUTEX_INIT {0}
static inline void cy__mutex_lock(cy__mutex *m) { (void)m; }
static inline void cy__mutex_unlock(cy__mutex *m) { (void)m; }
#else
typedef pthread_mutex_t cy__mutex;
#define CY__MUTEX_INIT PTHREAD_MUTEX_INITIALIZER
static inline void cy__mutex_lock(cy__mutex *m) { pthread_mutex_lock(m); }
static inline void cy__mutex_unlock(cy__mutex *m) { pthread_mutex_unlock(m); }
#endif

/* ---- params.c ---------------------------------------------------------- */

/* The config's parameters for one built-in kind. */
void cy__polling_params_from_config(cy_polling_params *pp, int kind, const cy_config *c);
/* The cy_config field that holds parameter `name` of `kind`; NULL if none. */
const char *cy__polling_params_config_key(int kind, const char *name);

/* ---- config.c ---------------------------------------------------------- */

/* A consistent snapshot of the config (taken under its lock). */
void cy__config_snapshot(cy_config *out);

/* ---- progress.c -------------------------------------------------------- */

/* Progress cadence, decided here once for C and JS: report when at least
 * miniters completions have happened since the last report, and exactly once
 * at the end (final = 1), even if it repeats the last periodic report's
 * counts. Counts never exceed total and never go down. */
typedef struct cy__progress_state {
  cy_progress_fn fn;
  void *arg;
  size_t miniters;
  size_t total;
  size_t reported_completed; /* completed in the last report */
  size_t reported_failed;
  int reported_any;
  int finished;
  double start_ms;
} cy__progress_state;

void cy__progress_start(cy__progress_state *ps, cy_progress_fn fn, void *arg,
                        size_t miniters, size_t total, double start_ms);
/* Called with the current counts; reports if the cadence says so. */
void cy__progress_update(cy__progress_state *ps, size_t completed, size_t failed);
/* The final report; at most once per state. */
void cy__progress_finish(cy__progress_state *ps, size_t completed, size_t failed);



/* ---- future.c ---------------------------------------------------------- */

/* The state word: the state in bits 0..2, a short spin lock over the waiter
 * list in bit 3, the probe kind in bit 4 (fixed at creation) and the
 * permanent flag in bit 5 (set once, never cleared: the reference count is
 * no longer kept).
 *
 * Invariants:
 *   - The state only moves PENDING -> RUNNING -> COMPLETING -> final, or
 *     PENDING -> COMPLETING -> final. The move into COMPLETING is the single
 *     CAS that decides which completion wins; it also takes the lock, so the
 *     winner alone writes value/code and takes the waiter list.
 *   - The final state is stored with release order after value and code, and
 *     clears the lock: whoever loads a final state with acquire order sees
 *     the outcome.
 *   - COMPLETING is only ever held with the lock bit set. */
#define CY__S_MASK 7u
#define CY__S_COMPLETING 2u
#define CY__LOCK 8u
#define CY__PROBE 16u
#define CY__PERMANENT 32u
#define CY__FLAGS (CY__PROBE | CY__PERMANENT) /* kept by every state change */

typedef struct cy__waiter cy__waiter;
/* A node in a future's waiter list. fire runs once, on the completing thread,
 * after the outcome is published; it may free the node. */
struct cy__waiter {
  cy__waiter *next, *prev;
  void (*fire)(cy__waiter *w, cy_future *f);
};

typedef struct cy__probe {
  cy_probe_fn fn;
  void *arg;
  int code; /* the failure code once failed (probe futures keep it here) */
} cy__probe;

/* 32 bytes on 64-bit targets, 20 on wasm32. */
struct cy_future {
  _Atomic uint32_t state;
  _Atomic uint32_t refs;
  void *value;          /* result or failure payload; written by the winner only */
  cy__waiter *waiters;  /* guarded by CY__LOCK; NULL once completed */
  void *ext;            /* probe futures: cy__probe*; others: the failure code */
};

static inline int cy__state_done(uint32_t s) {
  s &= CY__S_MASK;
  return s >= CY_STATE_SUCCEEDED;
}

/* Links w to f's waiter list unless f is done: 1 when linked, 0 when f was
 * already done (w untouched, the outcome visible to the caller). */
int  cy__future_attach(cy_future *f, cy__waiter *w);
/* Unlinks w if f has not completed: 1 when unlinked, 0 when the completer
 * owns w (it fires, or has fired, it). */
int  cy__future_detach(cy_future *f, cy__waiter *w);
/* The outcome of a done future (state PENDING in out when not done). */
void cy__future_outcome(const cy_future *f, cy_outcome *out);

/* ---- table.c ----------------------------------------------------------- */

/* Futures come from a slab table: sizeof(cy_future) bytes per slot with no
 * per-allocation header, thread-local caches in front of a locked free list.
 * Builds with AddressSanitizer use malloc instead, so use-after-free is caught. */
cy_future *cy__table_alloc(void);
void       cy__table_free(cy_future *f);
/* Bytes the table holds per future, chunk headers included. */
double     cy__table_bytes_per_slot(void);

/* ---- wait.c ------------------------------------------------------------ */

/* Blocks until the next completion-order slot can be taken (or all were),
 * the call's absolute deadline (< 0: none) or the wait's own deadline. */
int cy__waitset_block_next(cy_waitset *ws, double call_deadline);
cy_future *cy__waitset_future(const cy_waitset *ws, size_t index);

/* ---- kernel.c ---------------------------------------------------------- */

/* cy_kernel_output without the zeroing, for a built-in that writes every
 * byte (reverse_bytes): zeroing hundreds of MB is work a cancel cannot cut. */
struct cy_kernel_call;
void *cy__kernel_output_uninit(struct cy_kernel_call *c, size_t len);

#endif
