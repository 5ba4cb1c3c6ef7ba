/* Completion rings (ring.c): entries published by a producer thread are
 * completed by the drainer's thread; losing completions are ignored; a freed
 * ring still completes what was published. */
#include "runner.h"

#include "concurry-js.h"

#include <stdlib.h>

#ifndef CY_NO_THREADS
typedef struct {
  uint32_t head, tail, entries, size, code;
  cy_js_ring *r;
} layout;

static layout layout_of(cy_js_ring *r) {
  uint32_t o[6];
  cy_js_ring_layout(o);
  layout l = {o[0], o[1], o[3], o[4], o[5], r};
  return l;
}

static _Atomic uint32_t *word(cy_js_ring *r, uint32_t off) { return (_Atomic uint32_t *)((char *)r + off); }

/* What a JS producer does: entries, then tail (release), then bell + wake. */
static void publish(cy_js_drainer *d, layout *l, uint32_t cap, cy_future **fs, const int32_t *codes, int n) {
  uint32_t tail = atomic_load(word(l->r, l->tail));
  char *e = (char *)l->r + l->entries;
  for (int i = 0; i < n; i++, tail++) {
    char *at = e + (size_t)(tail & (cap - 1)) * l->size;
    memcpy(at, &fs[i], sizeof fs[i]);
    memcpy(at + l->code, &codes[i], sizeof codes[i]);
  }
  atomic_store_explicit(word(l->r, l->tail), tail, memory_order_release);
  cy_js_drainer_ring(d);
}

static int wait_head(layout *l, uint32_t want) {
  for (int i = 0; i < 2000; i++) {
    if (atomic_load(word(l->r, l->head)) == want) return 1;
    cy_test_sleep_ms(1);
  }
  return 0;
}

static int t_completes_published_entries(void) {
  cy_js_drainer *d = NULL;
  ASSERT_EQ(cy_js_drainer_create(&d), 0);
  cy_js_ring *r = NULL;
  ASSERT_EQ(cy_js_ring_create(d, 8, &r), 0);
  layout l = layout_of(r);
  enum { N = 20 };
  cy_future *fs[N];
  for (int i = 0; i < N; i++) fs[i] = cy_future_new();
  ASSERT_EQ(cy_future_cancel(fs[3]), 0); /* completed first: the ring's completion loses */
  int32_t codes[N];
  for (int i = 0; i < N; i++) codes[i] = i % 2 ? 7 : 0;
  /* Three batches through a ring of 8 (wraps around). */
  uint32_t done = 0;
  for (int b = 0; b < N; b += 7) {
    int n = N - b < 7 ? N - b : 7;
    publish(d, &l, 8, fs + b, codes + b, n);
    done += (uint32_t)n;
    /* The drainer's thread or this one, whichever comes first: the same outcome. */
    if (b == 7) cy_js_ring_drain(d);
    ASSERT(wait_head(&l, done));
  }
  for (int i = 0; i < N; i++) {
    int st = cy_future_state(fs[i]);
    if (i == 3) ASSERT_EQ(st, CY_STATE_CANCELLED);
    else if (i % 2) {
      ASSERT_EQ(st, CY_STATE_FAILED);
      int code = 0;
      ASSERT_EQ(cy_future_exception(fs[i], 0, &code, NULL), 7);
      ASSERT_EQ(code, 7);
    } else ASSERT_EQ(st, CY_STATE_SUCCEEDED);
  }
  for (int i = 0; i < N; i++) cy_future_release(fs[i]);
  cy_js_ring_free(d, r);
  cy_js_drainer_free(d);
  return 0;
}

typedef struct {
  cy_js_drainer *d;
  layout l;
  cy_future **fs;
  int n;
} producer_arg;

static void *producer(void *p) {
  producer_arg *a = p;
  int32_t zero[1] = {0};
  for (int i = 0; i < a->n; i++) {
    /* Single producer: wait for room, as JS does when the ring is full. */
    while (atomic_load(word(a->l.r, a->l.tail)) - atomic_load(word(a->l.r, a->l.head)) >= 4) {
      cy_test_sleep_ms(0.05);
    }
    publish(a->d, &a->l, 4, &a->fs[i], zero, 1);
  }
  return NULL;
}

static int t_drainer_thread_wakes_on_bell(void) {
  cy_js_drainer *d = NULL;
  ASSERT_EQ(cy_js_drainer_create(&d), 0);
  cy_js_ring *r = NULL;
  ASSERT_EQ(cy_js_ring_create(d, 4, &r), 0);
  enum { N = 200 };
  cy_future *fs[N];
  for (int i = 0; i < N; i++) fs[i] = cy_future_new();
  producer_arg a = {d, layout_of(r), fs, N};
  pthread_t th;
  ASSERT_EQ(pthread_create(&th, NULL, producer, &a), 0);
  /* A wait on the last future ends by the drainer's completion alone. */
  ASSERT_EQ(cy_future_result(fs[N - 1], 5000, NULL), 0);
  pthread_join(th, NULL);
  ASSERT(wait_head(&a.l, N));
  for (int i = 0; i < N; i++) ASSERT_EQ(cy_future_state(fs[i]), CY_STATE_SUCCEEDED);
  for (int i = 0; i < N; i++) cy_future_release(fs[i]);
  cy_js_ring_free(d, r);
  cy_js_drainer_free(d);
  return 0;
}
#endif

static int t_arguments(void) {
  cy_js_ring *r = (cy_js_ring *)1;
  ASSERT_EQ(cy_js_ring_create(NULL, 8, &r), CY_EINVAL);
  ASSERT(r == NULL);
  ASSERT_EQ(cy_js_drainer_create(NULL), CY_EINVAL);
#ifndef CY_NO_THREADS
  cy_js_drainer *d = NULL;
  ASSERT_EQ(cy_js_drainer_create(&d), 0);
  ASSERT_EQ(cy_js_ring_create(d, 6, &r), CY_EINVAL); /* not a power of two */
  ASSERT_EQ(cy_js_ring_create(d, 0, &r), CY_EINVAL);
  ASSERT_EQ(cy_js_ring_create(d, 1u << 21, &r), CY_EINVAL);
  cy_js_drainer_free(d);
#else
  cy_js_drainer *d = (cy_js_drainer *)1;
  ASSERT_EQ(cy_js_drainer_create(&d), CY_EDEADLK);
  ASSERT(d == NULL);
#endif
  return 0;
}

CY_TEST_TABLE(ring) = {
#ifndef CY_NO_THREADS
    {"completes_published_entries", t_completes_published_entries, 1},
    {"drainer_thread_wakes_on_bell", t_drainer_thread_wakes_on_bell, 1},
#endif
    {"arguments", t_arguments, 0},
    {0, 0, 0}};
