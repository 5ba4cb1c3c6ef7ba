/*
 * concurry-kernels.h: C functions ("kernels") run as tasks on the core's
 * pthread pool and called by name, which is how the JS package's
 * createWorker(target, { mode: 'c' }) reaches C code.
 *
 * A kernel is `int fn(cy_kernel_call *call)`: it reads its arguments (numbers,
 * and at most one input byte buffer), may allocate an output byte buffer,
 * sets a numeric value, and returns 0, or a non-zero code for a failure that
 * the caller sees with that code. It should call cy_kernel_cancelled() now
 * and then and return CY_ECANCELED when it says 1: a running task is never
 * interrupted (a pthread cannot be killed safely), so cancel and timeouts of
 * a running call are cooperative.
 *
 * Kernels are found by name in one process-wide registry: the built-ins of
 * kernels_builtin.c (cy_kernels_register_builtin) and any a program adds with
 * cy_kernel_register() or CY_KERNEL_EXPORT(). The registry only grows, is
 * guarded by a mutex, and is the core's one global besides the config.
 *
 * Calls (cy_kernel_call_start) run on a cy_kernel_pool: a cy_executor plus
 * counters (queued, running, completed, failed) and a word bumped (and
 * futex-woken) at every task's end, for callers that wait for idleness
 * without blocking (Atomics.waitAsync in JS).
 */
#ifndef CONCURRY_KERNELS_H
#define CONCURRY_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "concurry.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cy_kernel_call cy_kernel_call;
typedef int (*cy_kernel_fn)(cy_kernel_call *call);

/* ---- registry ---------------------------------------------------------- */

/* Longest name, without the NUL. Names are [A-Za-z0-9_], starting with a
 * letter or '_' (they become method names in JS). */
#define CY_KERNEL_NAME_MAX 63
/* How many kernels the registry holds. */
#define CY_KERNEL_MAX 256

/* Adds name -> fn. 0; 0 again for the same name and fn; CY_EINVALSTATE for a
 * name taken by another fn; CY_EINVAL for a NULL fn or a bad name; CY_ENOMEM
 * when the registry is full. */
int          cy_kernel_register(const char *name, cy_kernel_fn fn);
/* The kernel registered as name, or NULL. */
cy_kernel_fn cy_kernel_lookup(const char *name);
/* How many kernels are registered, and the i-th name (registration order;
 * NULL past the end). Names stay valid for the life of the process. */
size_t       cy_kernel_count(void);
const char  *cy_kernel_name(size_t i);
/* Registers the built-in kernels (kernels_builtin.c): primes, mandelbrot,
 * fib, spin, sleep, fail, sum_bytes, add, sleepThen. Idempotent; 0 or the
 * first error. */
int          cy_kernels_register_builtin(void);

/* Registers fn as name before main() (and before the JS bindings look):
 * put it at file scope in a .c file linked into the program or the module
 * as an object file (an object pulled from a static library only when
 * something references it would never run it). */
#define CY_KERNEL_EXPORT(name, fn)                                  \
  __attribute__((constructor)) static void cy__kernel_export_##fn(void) { \
    (void)cy_kernel_register(name, fn);                              \
  }

/* ---- inside a kernel ---------------------------------------------------- */

size_t      cy_kernel_nargs(const cy_kernel_call *call);
/* Argument i, or NaN when i >= nargs. */
double      cy_kernel_arg(const cy_kernel_call *call, size_t i);
/* The input bytes (NULL and *len = 0 when none were given). len may be NULL.
 * Valid while the kernel runs: the call frees its input copy when the kernel
 * returns (a call kept by its caller holds no input). */
const void *cy_kernel_input(const cy_kernel_call *call, size_t *len);
/* A zeroed output buffer of len bytes owned by the call (a second call
 * replaces the first); NULL when out of memory or len is 0. */
void       *cy_kernel_output(cy_kernel_call *call, size_t len);
/* The number the caller receives (0 unless set). */
void        cy_kernel_set_value(cy_kernel_call *call, double value);
/* 1 once the caller cancelled the call or its timeout passed: return
 * CY_ECANCELED soon. Cheap (one relaxed atomic load). */
int         cy_kernel_cancelled(const cy_kernel_call *call);

/* ---- pools -------------------------------------------------------------- */

typedef struct cy_kernel_pool cy_kernel_pool;

/* A pool of nthreads pthreads (0: inline, as cy_executor_new). NULL with
 * nthreads < 0 or out of memory. */
cy_kernel_pool *cy_kernel_pool_new(int nthreads);
/* Finishes queued and running tasks, joins the threads, frees the pool. Calls
 * outlive their pool (their futures and outputs stay readable). */
void            cy_kernel_pool_free(cy_kernel_pool *pool);
/* out[0..5) = queued, running, completed, failed, cancelled: calls accepted
 * and not started; running now; finished with success; finished with a
 * failure (also a timeout); cancelled (before or while running). */
void            cy_kernel_pool_stats(const cy_kernel_pool *pool, uint32_t *out);
/* Bumped and woken at the end of every task (run or cancelled while queued). */
const volatile uint32_t *cy_kernel_pool_signal(const cy_kernel_pool *pool);
/* Starts one warm-up call per thread into calls[0..nthreads) (each with a
 * reference): they finish once every thread of the pool has taken one, so
 * waiting for them (without blocking the thread that made the pool: on
 * Emscripten a pthread's Web Worker starts from that thread's event loop)
 * proves every thread runs. They count as completed calls. Returns nthreads
 * (0 for an inline pool), or CY_EINVAL / CY_ENOMEM. */
int             cy_kernel_pool_warm(cy_kernel_pool *pool, cy_kernel_call **calls);
/* cy_kernel_call_stop(reason) on every call of the pool not yet finished;
 * returns how many it stopped. */
int             cy_kernel_pool_stop_all(cy_kernel_pool *pool, int reason);

/* ---- calls -------------------------------------------------------------- */

/* Queues kernel `name` on pool with copies of args[0..nargs) and of in[0..in_len).
 * 0 with *out (one reference: cy_kernel_call_release); CY_ENOENT for an
 * unknown name; CY_EINVAL; CY_ENOMEM (also when the pool is being freed,
 * which cy_submit does not tell apart). Start and stop calls of a pool from
 * one thread (the JS bindings' main thread). */
int        cy_kernel_call_start(cy_kernel_call **out, cy_kernel_pool *pool, const char *name,
                                const double *args, size_t nargs, const void *in, size_t in_len);
/* The call's future (borrowed; retain it to keep it past the call): pending
 * until the call is decided; then succeeded (value: the call), failed with
 * the kernel's code (or CY_ETIMEDOUT after cy_kernel_call_stop(CY_ETIMEDOUT)),
 * or cancelled. It is decided at once by a stop, even while the kernel runs. */
cy_future *cy_kernel_call_future(const cy_kernel_call *call);
/* CY_STATE_* of the task itself: pending (queued), running, or done (run,
 * or cancelled while queued). Differs from the future's after a stop of a
 * running kernel, which runs on until it returns. The pool's stats already
 * count what it reports: seen running, the call is counted running; seen
 * done, it is counted finished and the pool's signal was bumped. */
int        cy_kernel_call_task_state(const cy_kernel_call *call);
/* Decides the call now: reason CY_ECANCELED cancels its future, CY_ETIMEDOUT
 * fails it with CY_ETIMEDOUT; a queued task is removed, a running kernel
 * sees cy_kernel_cancelled() == 1. 0 when this stop decided the future;
 * CY_EINVALSTATE when it was already decided; CY_EINVAL for another reason. */
int        cy_kernel_call_stop(cy_kernel_call *call, int reason);
/* The reason of the stop that decided the future, or 0. */
int        cy_kernel_call_stopped(const cy_kernel_call *call);
/* The kernel's value and output (read them once the future succeeded; the
 * output lives until the last reference is released, and a call that failed
 * or was stopped has none). */
double      cy_kernel_call_value(const cy_kernel_call *call);
const void *cy_kernel_call_output(const cy_kernel_call *call);
size_t      cy_kernel_call_output_len(const cy_kernel_call *call);
void        cy_kernel_call_release(cy_kernel_call *call);

#ifdef __cplusplus
}
#endif
#endif /* CONCURRY_KERNELS_H */
