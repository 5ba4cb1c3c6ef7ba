/*
 * future.c: the future's state machine, its waiter list and its lifetime.
 *
 * See internal.h for the state word's layout and invariants. Everything that
 * must learn of a completion (a done-callback, a thread blocked in
 * cy_future_result, a wait in progress) is a cy__waiter on the future's list;
 * the completing thread takes the whole list in the same critical section as
 * the winning CAS and fires each node exactly once, outside the lock.
 */
#include "internal.h"

#include <stdlib.h>

static uint32_t load_state(const cy_future *f) {
  return atomic_load_explicit((_Atomic uint32_t *)&f->state, memory_order_acquire);
}

size_t cy_future_sizeof(void) { return sizeof(cy_future); }

static cy_future *init(uint32_t kind, void *ext) {
  cy_future *f = cy__table_alloc();
  if (!f) return NULL;
  atomic_init(&f->state, CY_STATE_PENDING | kind);
  atomic_init(&f->refs, 1);
  f->value = NULL;
  f->waiters = NULL;
  f->ext = ext;
  return f;
}

cy_future *cy_future_new(void) { return init(0, NULL); }

cy_future *cy_future_new_probe(cy_probe_fn fn, void *arg) {
  if (!fn) return NULL;
  cy__probe *p = malloc(sizeof *p);
  if (!p) return NULL;
  p->fn = fn;
  p->arg = arg;
  p->code = 0;
  cy_future *f = init(CY__PROBE, p);
  if (!f) free(p);
  return f;
}

cy_future *cy_future_retain(cy_future *f) {
  if (f && !(atomic_load_explicit(&f->state, memory_order_relaxed) & CY__PERMANENT))
    atomic_fetch_add_explicit(&f->refs, 1, memory_order_relaxed);
  return f;
}

static void fire_callback(cy__waiter *w, cy_future *f);

void cy_future_release(cy_future *f) {
  if (!f) return;
  /* Set before the future was shared (or by its only holder), so a relaxed
   * load sees it on every thread that got the future afterwards. */
  if (atomic_load_explicit(&f->state, memory_order_relaxed) & CY__PERMANENT) return;
  /* acq_rel: the last releaser must see every other holder's writes before
   * it frees (the usual reference-count pairing). */
  if (atomic_fetch_sub_explicit(&f->refs, 1, memory_order_acq_rel) != 1) return;
  /* A future dropped before it finished may still hold done-callbacks (waits
   * hold a reference, so nothing else is left on the list): they can never
   * fire now, and their nodes are freed with it. */
  for (cy__waiter *w = f->waiters, *next; w; w = next) {
    next = w->next;
    if (w->fire == fire_callback) free(w);
  }
  if (atomic_load_explicit(&f->state, memory_order_relaxed) & CY__PROBE) free(f->ext);
  cy__table_free(f);
}

/* ---- the lock over the waiter list ------------------------------------- */

/* Takes the lock if f is pending or running: 1 when taken, 0 when f is done
 * (and then its outcome is visible). COMPLETING always carries the lock, so
 * waiting for the lock also waits out a completion in progress. */
static int lock_if_not_done(cy_future *f) {
  uint32_t s = atomic_load_explicit(&f->state, memory_order_acquire);
  for (;;) {
    if (cy__state_done(s)) return 0;
    if (s & CY__LOCK) {
      cy__cpu_relax();
      s = atomic_load_explicit(&f->state, memory_order_acquire);
      continue;
    }
    if (atomic_compare_exchange_weak_explicit(&f->state, &s, s | CY__LOCK,
                                              memory_order_acquire, memory_order_acquire))
      return 1;
  }
}

/* fetch_and, not a store: RUNNING may be set while the lock is held. */
static void unlock(cy_future *f) {
  atomic_fetch_and_explicit(&f->state, ~CY__LOCK, memory_order_release);
}

int cy__future_attach(cy_future *f, cy__waiter *w) {
  if (!lock_if_not_done(f)) return 0;
  /* Appended at the tail (kept in head->prev) so nodes fire in the order
   * they were added, as callbacks do in concurrent.futures. */
  cy__waiter *head = f->waiters;
  w->next = NULL;
  if (!head) {
    w->prev = w;
    f->waiters = w;
  } else {
    w->prev = head->prev;
    head->prev->next = w;
    head->prev = w;
  }
  unlock(f);
  return 1;
}

int cy__future_detach(cy_future *f, cy__waiter *w) {
  if (!lock_if_not_done(f)) return 0;
  cy__waiter *head = f->waiters;
  if (w == head) {
    f->waiters = w->next;
    if (w->next) w->next->prev = w->prev;
  } else {
    w->prev->next = w->next;
    if (w->next) w->next->prev = w->prev;
    else head->prev = w->prev;
  }
  unlock(f);
  return 1;
}

/* ---- completion -------------------------------------------------------- */

static void set_code(cy_future *f, int code) {
  if (atomic_load_explicit(&f->state, memory_order_relaxed) & CY__PROBE)
    ((cy__probe *)f->ext)->code = code;
  else
    f->ext = (void *)(intptr_t)code;
}

static int get_code(const cy_future *f) {
  if (atomic_load_explicit((_Atomic uint32_t *)&f->state, memory_order_relaxed) & CY__PROBE)
    return ((const cy__probe *)f->ext)->code;
  return (int)(intptr_t)f->ext;
}

/* The one path to a final state. allow_running = 0 for cancel. */
static int complete(cy_future *f, uint32_t final, void *value, int code, int allow_running) {
  uint32_t s = atomic_load_explicit(&f->state, memory_order_relaxed);
  for (;;) {
    uint32_t st = s & CY__S_MASK;
    if (st != CY_STATE_PENDING && !(allow_running && st == CY_STATE_RUNNING))
      return CY_EINVALSTATE;
    if (s & CY__LOCK) {
      cy__cpu_relax();
      s = atomic_load_explicit(&f->state, memory_order_relaxed);
      continue;
    }
    if (atomic_compare_exchange_weak_explicit(
            &f->state, &s, CY__S_COMPLETING | CY__LOCK | (s & CY__FLAGS),
            memory_order_acquire, memory_order_relaxed))
      break;
  }
  uint32_t kind = s & CY__FLAGS;
  f->value = value;
  if (final == CY_STATE_FAILED) set_code(f, code);
  cy__waiter *w = f->waiters;
  f->waiters = NULL;
  atomic_store_explicit(&f->state, final | kind, memory_order_release);
  if (!w) return 0;
  /* A done-callback may drop the last reference (a common way to clean up):
   * the nodes after it still need f, so with more than one node f is held
   * until the last has fired. One node is the last use of f here: no hold. */
  int hold = w->next != NULL;
  if (hold) cy_future_retain(f);
  while (w) {
    cy__waiter *next = w->next; /* fire may free w */
    w->fire(w, f);
    w = next;
  }
  if (hold) cy_future_release(f);
  return 0;
}

int cy_future_set_permanent(cy_future *f) {
  if (!f) return CY_EINVAL;
  /* Not while the lock is held: a completion in progress stores its final
   * state over the whole word and would drop the flag. */
  uint32_t s = atomic_load_explicit(&f->state, memory_order_relaxed);
  for (;;) {
    if (s & CY__LOCK) {
      cy__cpu_relax();
      s = atomic_load_explicit(&f->state, memory_order_relaxed);
      continue;
    }
    if (atomic_compare_exchange_weak_explicit(&f->state, &s, s | CY__PERMANENT,
                                              memory_order_relaxed, memory_order_relaxed))
      return 0;
  }
}

int cy_future_set_running(cy_future *f) {
  if (!f) return CY_EINVAL;
  uint32_t s = atomic_load_explicit(&f->state, memory_order_relaxed);
  for (;;) {
    if ((s & CY__S_MASK) != CY_STATE_PENDING) return CY_EINVALSTATE;
    uint32_t next = (s & ~CY__S_MASK) | CY_STATE_RUNNING;
    if (atomic_compare_exchange_weak_explicit(&f->state, &s, next, memory_order_acq_rel,
                                              memory_order_relaxed))
      return 0;
  }
}

int cy_future_set_result(cy_future *f, void *value) {
  if (!f) return CY_EINVAL;
  return complete(f, CY_STATE_SUCCEEDED, value, 0, 1);
}

int cy_future_set_exception(cy_future *f, int code, void *payload) {
  if (!f || code == 0) return CY_EINVAL;
  return complete(f, CY_STATE_FAILED, payload, code, 1);
}

int cy_future_cancel(cy_future *f) {
  if (!f) return CY_EINVAL;
  return complete(f, CY_STATE_CANCELLED, NULL, 0, 0);
}

/* ---- queries ----------------------------------------------------------- */

int cy_future_state(const cy_future *f) {
  if (!f) return CY_EINVAL;
  uint32_t st = load_state(f) & CY__S_MASK;
  /* A completion in progress is not visible yet: it reads as running. */
  return st == CY__S_COMPLETING ? CY_STATE_RUNNING : (int)st;
}

int cy_future_done(const cy_future *f) { return f && cy__state_done(load_state(f)); }

int cy_future_is_probe(const cy_future *f) { return f && (load_state(f) & CY__PROBE) != 0; }

void cy__future_outcome(const cy_future *f, cy_outcome *out) {
  uint32_t st = load_state(f) & CY__S_MASK;
  out->value = NULL;
  out->code = 0;
  if (st == CY_STATE_SUCCEEDED) {
    out->value = f->value;
  } else if (st == CY_STATE_FAILED) {
    out->value = f->value;
    out->code = get_code(f);
  } else if (st == CY_STATE_CANCELLED) {
    out->code = CY_ECANCELED;
  } else {
    st = CY_STATE_PENDING;
  }
  out->state = (int)st;
}

int cy_future_probe(cy_future *f) {
  if (!f) return CY_EINVAL;
  uint32_t s = load_state(f);
  if (cy__state_done(s)) return 1;
  if (!(s & CY__PROBE)) return 0;
  cy__probe *p = f->ext; /* lives until the last release, so safe to call */
  int code = 0;
  void *value = NULL;
  int rc = p->fn(p->arg, &code, &value);
  if (rc > 0) {
    /* Another thread may have completed f meanwhile: its outcome stands. */
    if (code == 0) cy_future_set_result(f, value);
    else cy_future_set_exception(f, code, value);
  }
  return cy_future_done(f);
}

/* ---- done-callbacks ---------------------------------------------------- */

typedef struct callback {
  cy__waiter w;
  cy_done_fn fn;
  void *arg;
} callback;

static void fire_callback(cy__waiter *w, cy_future *f) {
  callback *cb = (callback *)w;
  cy_done_fn fn = cb->fn;
  void *arg = cb->arg;
  free(cb);
  fn(f, arg);
}

int cy_future_add_done_callback(cy_future *f, cy_done_fn fn, void *arg) {
  if (!f || !fn) return CY_EINVAL;
  if (cy_future_done(f)) {
    fn(f, arg);
    return 0;
  }
  callback *cb = malloc(sizeof *cb);
  if (!cb) return CY_ENOMEM;
  cb->w.fire = fire_callback;
  cb->fn = fn;
  cb->arg = arg;
  if (!cy__future_attach(f, &cb->w)) {
    free(cb);
    fn(f, arg);
  }
  return 0;
}
