/*
 * ring.c: completion rings, so JS threads that run no core code (the thread
 * pools' worker_threads and Web Workers) complete futures of this core
 * through its shared memory instead of through the thread that made them.
 *
 * One ring per producer thread (single producer, single consumer): the
 * producer writes (future, code) entries at tail, publishes them by storing
 * the new tail (release), then bumps the drainer's bell and wakes it. The
 * drainer thread takes entries from head to tail (acquire), completes each
 * future (cy_future_set_result / cy_future_set_exception: one CAS decides,
 * so a completion that loses to a cancel or to the owner's own completion is
 * ignored), then stores the new head, which the owner reads to know which
 * futures the drainer is done with.
 *
 * Invariants: head <= tail (mod 2^32, tail - head <= capacity); entries in
 * [head, tail) are published and not yet completed; rings are added and
 * removed under mu, and the drainer holds mu while it drains, so a ring is
 * never freed under it.
 */
#include "internal.h"

#include "concurry-js.h"

#include <stdlib.h>

/* The future, and the code: 0 success, else failure with that code. */
typedef struct cy_js_ring_entry {
  cy_future *f;
  int32_t code;
} cy_js_ring_entry;

struct cy_js_ring {
  _Atomic uint32_t head; /* written by the drainer */
  _Atomic uint32_t tail; /* written by the producer */
  uint32_t capacity;     /* a power of two */
  uint32_t unused;
  cy_js_ring *next;      /* the drainer's list, under mu */
  cy_js_ring_entry entries[];
};

struct cy_js_drainer {
  _Atomic uint32_t bell;
  _Atomic int stop;
  cy__mutex mu;
  cy_js_ring *rings;
#ifndef CY_NO_THREADS
  pthread_t thread;
#endif
};

/* Completes what is published on r. Caller holds d->mu (or owns r alone). */
static int drain_ring(cy_js_ring *r) {
  uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
  uint32_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
  if (head == tail) return 0;
  uint32_t mask = r->capacity - 1;
  for (uint32_t i = head; i != tail; i++) {
    const cy_js_ring_entry *e = &r->entries[i & mask];
    cy_future *f = e->f;
    int32_t code = e->code;
    if (!f) continue;
    if (code == 0) cy_future_set_result(f, NULL);
    else cy_future_set_exception(f, code, NULL);
  }
  atomic_store_explicit(&r->head, tail, memory_order_release);
  return 1;
}

static int drain_all(cy_js_drainer *d) {
  int any = 0;
  cy__mutex_lock(&d->mu);
  for (cy_js_ring *r = d->rings; r; r = r->next) any |= drain_ring(r);
  cy__mutex_unlock(&d->mu);
  return any;
}

#ifndef CY_NO_THREADS
static void *drainer_main(void *p) {
  cy_js_drainer *d = p;
  for (;;) {
    /* The bell is read before the rings: an entry published after this read
     * changes the bell, so the wait below returns at once. */
    uint32_t bell = atomic_load_explicit(&d->bell, memory_order_acquire);
    drain_all(d);
    if (atomic_load_explicit(&d->stop, memory_order_acquire)) break;
    cy__futex_wait(&d->bell, bell, -1);
  }
  drain_all(d);
  return NULL;
}
#endif

int cy_js_drainer_create(cy_js_drainer **out) {
  if (!out) return CY_EINVAL;
  *out = NULL;
#ifdef CY_NO_THREADS
  /* No thread to drain with: the owners complete their futures themselves. */
  return CY_EDEADLK;
#else
  cy_js_drainer *d = calloc(1, sizeof *d);
  if (!d) return CY_ENOMEM;
  pthread_mutex_init(&d->mu, NULL);
  if (pthread_create(&d->thread, NULL, drainer_main, d) != 0) {
    pthread_mutex_destroy(&d->mu);
    free(d);
    return CY_ENOMEM;
  }
  *out = d;
  return 0;
#endif
}

void cy_js_drainer_free(cy_js_drainer *d) {
  if (!d) return;
#ifndef CY_NO_THREADS
  atomic_store_explicit(&d->stop, 1, memory_order_release);
  atomic_fetch_add_explicit(&d->bell, 1, memory_order_acq_rel);
  cy__futex_wake(&d->bell);
  pthread_join(d->thread, NULL);
  cy_js_ring *r = d->rings;
  while (r) {
    cy_js_ring *next = r->next;
    free(r);
    r = next;
  }
  pthread_mutex_destroy(&d->mu);
  free(d);
#endif
}

uint32_t *cy_js_drainer_bell(cy_js_drainer *d) { return d ? (uint32_t *)&d->bell : NULL; }

void cy_js_drainer_ring(cy_js_drainer *d) {
  if (!d) return;
  atomic_fetch_add_explicit(&d->bell, 1, memory_order_acq_rel);
  cy__futex_wake(&d->bell);
}

int cy_js_ring_create(cy_js_drainer *d, uint32_t capacity, cy_js_ring **out) {
  if (!out) return CY_EINVAL;
  *out = NULL;
  if (!d || capacity == 0 || (capacity & (capacity - 1)) != 0 || capacity > (1u << 20)) return CY_EINVAL;
  cy_js_ring *r = calloc(1, sizeof *r + (size_t)capacity * sizeof(cy_js_ring_entry));
  if (!r) return CY_ENOMEM;
  r->capacity = capacity;
  cy__mutex_lock(&d->mu);
  r->next = d->rings;
  d->rings = r;
  cy__mutex_unlock(&d->mu);
  *out = r;
  return 0;
}

void cy_js_ring_free(cy_js_drainer *d, cy_js_ring *r) {
  if (!d || !r) return;
  cy__mutex_lock(&d->mu);
  for (cy_js_ring **p = &d->rings; *p; p = &(*p)->next) {
    if (*p == r) {
      *p = r->next;
      break;
    }
  }
  /* What was published still completes: no entry is dropped. */
  drain_ring(r);
  cy__mutex_unlock(&d->mu);
  free(r);
}

int cy_js_ring_drain(cy_js_drainer *d) { return d ? drain_all(d) : 0; }

void cy_js_ring_layout(uint32_t *out) {
  if (!out) return;
  out[0] = (uint32_t)offsetof(cy_js_ring, head);
  out[1] = (uint32_t)offsetof(cy_js_ring, tail);
  out[2] = (uint32_t)offsetof(cy_js_ring, capacity);
  out[3] = (uint32_t)offsetof(cy_js_ring, entries);
  out[4] = (uint32_t)sizeof(cy_js_ring_entry);
  out[5] = (uint32_t)offsetof(cy_js_ring_entry, code);
}
