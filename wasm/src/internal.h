/*
 * internal.h: what the core's files share and nobody else sees (cy__ names).
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

/* ---- config.c ---------------------------------------------------------- */

/* A consistent snapshot of the config (taken under its lock). */
void cy__config_snapshot(cy_config *out);

/* ---- progress.c -------------------------------------------------------- */

/* Progress cadence, decided here once for C and JS: report when at least
 * miniters completions have happened since the last report, and once at the
 * end unless the last report already says the same. Counts never exceed
 * total and never go down. */
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

#endif
