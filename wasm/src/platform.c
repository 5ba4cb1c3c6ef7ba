/*
 * platform.c: the clock, the futex and the sleep that the rest of the core is
 * written against, for native Linux, Emscripten (-pthread) and WASI.
 *
 * Every wait in the core is a futex wait on a 32-bit word that the waker
 * changes before it calls cy__futex_wake, so a wake can never be lost between
 * a waiter's check and its sleep: the kernel (or Atomics.wait) compares the
 * word atomically with going to sleep.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <time.h>

#if defined(__EMSCRIPTEN__)
#include <emscripten/threading.h>
#elif defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#elif !defined(CY_NO_THREADS)
#error "concurry: no futex for this platform (supported: Linux, Emscripten, WASI)"
#endif

double cy_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int cy_has_threads(void) {
#ifdef CY_NO_THREADS
  return 0;
#else
  return 1;
#endif
}

void cy__sleep_ms(double ms) {
  if (!(ms > 0)) return;
  struct timespec ts;
  ts.tv_sec = (time_t)(ms / 1e3);
  ts.tv_nsec = (long)((ms - (double)ts.tv_sec * 1e3) * 1e6);
  if (ts.tv_nsec >= 1000000000L) ts.tv_nsec = 999999999L;
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

void cy__cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

#if defined(CY_NO_THREADS)

int cy__futex_wait(_Atomic uint32_t *addr, uint32_t expected, double timeout_ms) {
  if (atomic_load(addr) != expected) return 0;
  if (timeout_ms < 0) return CY_EDEADLK;
  cy__sleep_ms(timeout_ms);
  return CY_ETIMEDOUT;
}

void cy__futex_wake(_Atomic uint32_t *addr) { (void)addr; }

#elif defined(__EMSCRIPTEN__)

int cy__futex_wait(_Atomic uint32_t *addr, uint32_t expected, double timeout_ms) {
  double t = timeout_ms < 0 ? INFINITY : timeout_ms;
  int rc = emscripten_futex_wait((volatile void *)addr, expected, t);
  return rc == -ETIMEDOUT ? CY_ETIMEDOUT : 0;
}

void cy__futex_wake(_Atomic uint32_t *addr) {
  emscripten_futex_wake((volatile void *)addr, INT_MAX);
}

#else /* Linux */

int cy__futex_wait(_Atomic uint32_t *addr, uint32_t expected, double timeout_ms) {
  struct timespec ts, *tp = NULL;
  if (timeout_ms >= 0) {
    ts.tv_sec = (time_t)(timeout_ms / 1e3);
    ts.tv_nsec = (long)((timeout_ms - (double)ts.tv_sec * 1e3) * 1e6);
    if (ts.tv_nsec >= 1000000000L) ts.tv_nsec = 999999999L;
    tp = &ts;
  }
  /* Private futexes: the core's words never live in memory shared between
   * processes, and the private kind skips the kernel's address-space lookup. */
  long rc = syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAIT_PRIVATE, expected, tp, NULL, 0);
  if (rc != 0 && errno == ETIMEDOUT) return CY_ETIMEDOUT;
  return 0;
}

void cy__futex_wake(_Atomic uint32_t *addr) {
  syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

#endif
