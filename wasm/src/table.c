/*
 * table.c: the slab table that futures live in.
 *
 * A future is 32 bytes (20 on wasm32); malloc would add a header and round
 * up (48 bytes in glibc), and scatter them. Slots come from 64 KiB chunks
 * that are never returned to the system: a program's peak future count is
 * what it keeps, as with any pool.
 *
 * Each thread keeps up to CACHE_MAX free slots; allocation and release touch
 * the shared list (under its mutex) only once per CACHE_BATCH slots. A
 * thread's cache is handed back to the shared list when the thread exits.
 */
#include "internal.h"

#include <stdlib.h>

#if defined(__SANITIZE_ADDRESS__)
#define CY_TABLE_MALLOC 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CY_TABLE_MALLOC 1
#endif
#endif

#ifdef CY_TABLE_MALLOC

cy_future *cy__table_alloc(void) { return malloc(sizeof(cy_future)); }
void cy__table_free(cy_future *f) { free(f); }
double cy__table_bytes_per_slot(void) { return (double)sizeof(cy_future); }

#else

#define CHUNK_BYTES (64 * 1024)
#define CACHE_BATCH 64
#define CACHE_MAX (2 * CACHE_BATCH)

typedef struct slot { struct slot *next; } slot;
typedef struct chunk { struct chunk *next; } chunk;

/* The header is rounded to the slot alignment so slots stay aligned. */
#define HEADER_BYTES ((sizeof(chunk) + _Alignof(cy_future) - 1) / _Alignof(cy_future) * _Alignof(cy_future))
#define SLOTS_PER_CHUNK ((CHUNK_BYTES - HEADER_BYTES) / sizeof(cy_future))

typedef struct cache { slot *head; unsigned count; } cache;

/* The shared part of the table: process-wide by nature, like malloc's arena. */
static struct {
  cy__mutex mu;
  slot *free;
  chunk *chunks;
} shared = {CY__MUTEX_INIT, NULL, NULL};

#ifdef CY_NO_THREADS
static cache local;
static cache *my_cache(void) { return &local; }
#else
static _Thread_local cache local;
static pthread_key_t exit_key;
static pthread_once_t exit_once = PTHREAD_ONCE_INIT;
static _Thread_local int registered;

static void give_back(slot *head, slot *last) {
  cy__mutex_lock(&shared.mu);
  last->next = shared.free;
  shared.free = head;
  cy__mutex_unlock(&shared.mu);
}

/* Runs at thread exit (the key's value is the thread's cache). */
static void on_thread_exit(void *p) {
  cache *c = p;
  if (!c->head) return;
  slot *last = c->head;
  while (last->next) last = last->next;
  give_back(c->head, last);
  c->head = NULL;
  c->count = 0;
}

static void make_key(void) { pthread_key_create(&exit_key, on_thread_exit); }

static cache *my_cache(void) {
  if (!registered) {
    pthread_once(&exit_once, make_key);
    pthread_setspecific(exit_key, &local);
    registered = 1;
  }
  return &local;
}
#endif

/* Takes up to CACHE_BATCH slots from the shared list into c, carving a new
 * chunk when the list is empty. 0 on success. */
static int refill(cache *c) {
  cy__mutex_lock(&shared.mu);
  if (!shared.free) {
    chunk *ch = malloc(CHUNK_BYTES);
    if (!ch) {
      cy__mutex_unlock(&shared.mu);
      return -1;
    }
    ch->next = shared.chunks;
    shared.chunks = ch;
    char *base = (char *)ch + HEADER_BYTES;
    slot *head = NULL;
    for (size_t i = SLOTS_PER_CHUNK; i-- > 0;) {
      slot *s = (slot *)(base + i * sizeof(cy_future));
      s->next = head;
      head = s;
    }
    shared.free = head;
  }
  unsigned n = 0;
  while (shared.free && n < CACHE_BATCH) {
    slot *s = shared.free;
    shared.free = s->next;
    s->next = c->head;
    c->head = s;
    n++;
  }
  cy__mutex_unlock(&shared.mu);
  c->count += n;
  return 0;
}

cy_future *cy__table_alloc(void) {
  cache *c = my_cache();
  if (!c->head && refill(c) != 0) return NULL;
  slot *s = c->head;
  c->head = s->next;
  c->count--;
  return (cy_future *)s;
}

void cy__table_free(cy_future *f) {
  cache *c = my_cache();
  slot *s = (slot *)f;
  s->next = c->head;
  c->head = s;
  if (++c->count < CACHE_MAX) return;
  /* Hand the older half back so a thread that only releases (a consumer of
   * another thread's futures) does not hoard slots. */
  slot *keep_last = c->head;
  for (unsigned i = 1; i < CACHE_BATCH; i++) keep_last = keep_last->next;
  slot *rest = keep_last->next, *last = rest;
  keep_last->next = NULL;
  while (last->next) last = last->next;
  c->count = CACHE_BATCH;
  cy__mutex_lock(&shared.mu);
  last->next = shared.free;
  shared.free = rest;
  cy__mutex_unlock(&shared.mu);
}

double cy__table_bytes_per_slot(void) {
  return (double)CHUNK_BYTES / (double)SLOTS_PER_CHUNK;
}

#endif
