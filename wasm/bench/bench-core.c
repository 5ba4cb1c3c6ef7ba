/*
 * bench-core.c: the core's costs, each beside a peer measured in the same
 * run: a textbook future (malloc'd, pthread mutex + condition variable),
 * which is what a C program without this library would write.
 *
 *   ns per future: create + complete + wait(all) + release, 1M futures
 *   batch check:   done flags of 100k futures, median of 200 calls
 *   wake latency:  complete on one thread -> cy_future_result returns on
 *                  another, p50/p99 over 20k handoffs
 *   bytes per future: struct size, and table bytes per slot with chunk headers
 *
 * Build: cmake --preset bench && cmake --build --preset bench; run
 * build/bench/bench-core (or scripts/bench.sh).
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "concurry.h"
#include "internal.h"

/* ---- the peer: a textbook mutex/condvar future ------------------------- */

typedef struct naive {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int done;
  void *value;
} naive;

static naive *naive_new(void) {
  naive *f = malloc(sizeof *f);
  pthread_mutex_init(&f->mu, NULL);
  pthread_cond_init(&f->cv, NULL);
  f->done = 0;
  f->value = NULL;
  return f;
}
static void naive_set(naive *f, void *v) {
  pthread_mutex_lock(&f->mu);
  f->value = v;
  f->done = 1;
  pthread_cond_broadcast(&f->cv);
  pthread_mutex_unlock(&f->mu);
}
static void *naive_get(naive *f) {
  pthread_mutex_lock(&f->mu);
  while (!f->done) pthread_cond_wait(&f->cv, &f->mu);
  void *v = f->value;
  pthread_mutex_unlock(&f->mu);
  return v;
}
static void naive_free(naive *f) {
  pthread_mutex_destroy(&f->mu);
  pthread_cond_destroy(&f->cv);
  free(f);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* ---- 1. create + complete + wait --------------------------------------- */

static void bench_lifecycle(void) {
  enum { N = 1000000, ROUNDS = 5 };
  cy_future **fs = malloc(N * sizeof *fs);
  naive **ns = malloc(N * sizeof *ns);
  double best_cy = 1e30, best_naive = 1e30;
  for (int r = 0; r < ROUNDS; r++) {
    double t0 = cy_now_ms();
    for (int i = 0; i < N; i++) fs[i] = cy_future_new();
    for (int i = 0; i < N; i++) cy_future_set_result(fs[i], (void *)(intptr_t)i);
    if (cy_wait(fs, N, NULL, NULL) != 0) abort();
    for (int i = 0; i < N; i++) cy_future_release(fs[i]);
    double dt = cy_now_ms() - t0;
    if (dt < best_cy) best_cy = dt;

    t0 = cy_now_ms();
    for (int i = 0; i < N; i++) ns[i] = naive_new();
    for (int i = 0; i < N; i++) naive_set(ns[i], (void *)(intptr_t)i);
    for (int i = 0; i < N; i++) (void)naive_get(ns[i]);
    for (int i = 0; i < N; i++) naive_free(ns[i]);
    dt = cy_now_ms() - t0;
    if (dt < best_naive) best_naive = dt;
  }
  printf("lifecycle (create+complete+wait+release), 1M futures, best of %d:\n", ROUNDS);
  printf("  concurry      %7.1f ns/future\n", best_cy * 1e6 / N);
  printf("  mutex+condvar %7.1f ns/future   ratio concurry/peer %.2f\n", best_naive * 1e6 / N,
         best_cy / best_naive);
  free(fs);
  free(ns);
}

/* ---- 2. batch check ---------------------------------------------------- */

static void bench_batch(void) {
  enum { N = 100000, CALLS = 200 };
  cy_future **fs = malloc(N * sizeof *fs);
  naive **ns = malloc(N * sizeof *ns);
  unsigned char *flags = malloc(N);
  for (int i = 0; i < N; i++) {
    fs[i] = cy_future_new();
    ns[i] = naive_new();
    if (i % 2) {
      cy_future_set_result(fs[i], NULL);
      naive_set(ns[i], NULL);
    }
  }
  double *t = malloc(CALLS * sizeof *t), *tn = malloc(CALLS * sizeof *tn);
  size_t sink = 0;
  /* Each side runs its calls back to back, so neither finds its futures
   * evicted from the cache by the other's. */
  for (int c = 0; c < CALLS; c++) {
    double t0 = cy_now_ms();
    sink += cy_check_batch(fs, N, flags);
    t[c] = cy_now_ms() - t0;
  }
  for (int c = 0; c < CALLS; c++) {
    double t0 = cy_now_ms();
    /* the peer checks each future under its lock, as it must */
    for (int i = 0; i < N; i++) {
      pthread_mutex_lock(&ns[i]->mu);
      flags[i] = (unsigned char)ns[i]->done;
      pthread_mutex_unlock(&ns[i]->mu);
      sink += flags[i];
    }
    tn[c] = cy_now_ms() - t0;
  }
  qsort(t, CALLS, sizeof *t, cmp_double);
  qsort(tn, CALLS, sizeof *tn, cmp_double);
  printf("batch check of 100k futures (half done), median of %d calls:\n", CALLS);
  printf("  concurry      %7.3f ms\n", t[CALLS / 2]);
  printf("  mutex+condvar %7.3f ms   ratio concurry/peer %.2f   (checksum %zu)\n", tn[CALLS / 2],
         t[CALLS / 2] / tn[CALLS / 2], sink);
  for (int i = 0; i < N; i++) {
    cy_future_release(fs[i]);
    naive_free(ns[i]);
  }
  free(fs);
  free(ns);
  free(flags);
  free(t);
  free(tn);
}

/* ---- 3. wake latency --------------------------------------------------- */

enum { HANDOFFS = 20000 };

typedef struct {
  int use_naive;
  cy_future *f[HANDOFFS];
  naive *n[HANDOFFS];
  double sent[HANDOFFS];
  _Atomic int ready; /* index the waiter is about to wait on */
} handoff;

static void *completer(void *p) {
  handoff *h = p;
  for (int i = 0; i < HANDOFFS; i++) {
    while (atomic_load_explicit(&h->ready, memory_order_acquire) != i + 1) {
    }
    /* Give the waiter time to really fall asleep: we measure a wake-up,
     * not the fast path of a future that is already done. */
    double until = cy_now_ms() + 0.05;
    while (cy_now_ms() < until) {
    }
    h->sent[i] = cy_now_ms();
    if (h->use_naive) naive_set(h->n[i], NULL);
    else cy_future_set_result(h->f[i], NULL);
  }
  return NULL;
}

static void run_handoffs(handoff *h, double *lat) {
  atomic_store(&h->ready, 0);
  pthread_t th;
  pthread_create(&th, NULL, completer, h);
  for (int i = 0; i < HANDOFFS; i++) {
    atomic_store_explicit(&h->ready, i + 1, memory_order_release);
    if (h->use_naive) naive_get(h->n[i]);
    else cy_future_result(h->f[i], -1, NULL);
    lat[i] = (cy_now_ms() - h->sent[i]) * 1e3; /* us */
  }
  pthread_join(th, NULL);
  qsort(lat, HANDOFFS, sizeof *lat, cmp_double);
}

static void bench_wake(void) {
  handoff *h = calloc(1, sizeof *h);
  double *lat = malloc(HANDOFFS * sizeof *lat), *latn = malloc(HANDOFFS * sizeof *latn);
  for (int i = 0; i < HANDOFFS; i++) {
    h->f[i] = cy_future_new();
    h->n[i] = naive_new();
  }
  h->use_naive = 0;
  run_handoffs(h, lat);
  h->use_naive = 1;
  run_handoffs(h, latn);
  printf("wake latency (complete on one thread -> result() returns on another), %d handoffs:\n",
         HANDOFFS);
  printf("  concurry      p50 %6.1f us  p99 %6.1f us\n", lat[HANDOFFS / 2],
         lat[HANDOFFS * 99 / 100]);
  printf("  mutex+condvar p50 %6.1f us  p99 %6.1f us   ratio p50 concurry/peer %.2f\n",
         latn[HANDOFFS / 2], latn[HANDOFFS * 99 / 100], lat[HANDOFFS / 2] / latn[HANDOFFS / 2]);
  for (int i = 0; i < HANDOFFS; i++) {
    cy_future_release(h->f[i]);
    naive_free(h->n[i]);
  }
  free(h);
  free(lat);
  free(latn);
}

/* ---- 4. bytes per future ----------------------------------------------- */

static void bench_bytes(void) {
  printf("bytes per future:\n");
  printf("  concurry      %zu B struct, %.2f B per table slot (chunk headers included)\n",
         cy_future_sizeof(), cy__table_bytes_per_slot());
  printf("  mutex+condvar %zu B struct + malloc header\n", sizeof(naive));
}

int main(int argc, char **argv) {
  const char *only = argc > 1 ? argv[1] : "";
  if (!*only || strstr("lifecycle", only)) bench_lifecycle();
  if (!*only || strstr("batch", only)) bench_batch();
  if (!*only || strstr("wake", only)) bench_wake();
  if (!*only || strstr("bytes", only)) bench_bytes();
  return 0;
}
