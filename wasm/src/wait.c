/*
 * wait.c: the waitset, where return conditions, deadlines, probe rounds and
 * progress are decided once for every caller (cy_wait, cy_gather, the
 * as-completed iterator, the JS bindings).
 *
 * Event-driven, after libdispatch's groups: a waitset links one node into each
 * future's waiter list; a completion fires the node, which counts it,
 * appends the future's index to the completion order and bumps the signal
 * word, waking a sleeping owner. Only probe-only futures, which cannot
 * notify, are checked on a timer paced by the polling strategy.
 *
 * Lifetime: the owner holds one reference to the waitset and every linked
 * node one more. cy_waitset_free unlinks the nodes that have not fired and
 * drops the owner's reference; a node being fired by a completer at that
 * moment drops its own when done, and the last reference frees the memory.
 *
 * Threads: one owner calls the cy_waitset_* functions; completers on any
 * thread only ever run fire_node. Slots (entries without a future) are
 * completed by the owner, so their states need no synchronization; their
 * completions go through the same counters and completion order, claimed
 * with atomics because completers of futures may be claiming at the same time.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define SLOT_PENDING 1
#define SLOT_CLAIMED 2 /* taken by the batch being completed (never seen outside it) */

typedef struct node {
  cy__waiter w;
  cy_waitset *ws;
  size_t index;
} node;

struct cy_waitset {
  _Atomic uint32_t signal;   /* bumped after each completion is recorded */
  _Atomic uint32_t sleeping; /* the owner is, or is about to be, blocked on signal */
  _Atomic uint32_t refs;
  _Atomic size_t ndone;
  _Atomic size_t nfailed;    /* failed or cancelled */
  _Atomic size_t nexc;       /* failed (FIRST_EXCEPTION counts only these) */
  _Atomic size_t tail;       /* completion-order slots claimed */
  _Atomic size_t *order;     /* order[k] = index + 1 once published */
  size_t head;               /* next slot cy_waitset_next gives (owner only) */
  size_t n;
  size_t nfutures;           /* entries that are futures (n less the slots) */
  cy_future **fs;            /* retained until cy_waitset_free; NULL for a slot */
  node *nodes;
  unsigned char *slot;       /* per entry: 0 a future, SLOT_PENDING, or its CY_STATE_*; NULL without slots */
  int return_when;
  double deadline;           /* absolute ms; < 0: none */
  /* probe-only futures, paced by the strategy (owner only) */
  size_t *probes;
  size_t nprobes;
  double next_probe;
  cy_polling own_strategy;
  cy_polling *strategy;
  int has_progress;
  cy__progress_state progress;
};

static void unref(cy_waitset *ws) {
  if (atomic_fetch_sub_explicit(&ws->refs, 1, memory_order_acq_rel) != 1) return;
  free((void *)ws->order);
  free(ws->nodes);
  free(ws->probes);
  free(ws->slot);
  free(ws);
}

/* Counts the completion of fs[index]; f is done (its outcome visible). */
static void record(cy_waitset *ws, size_t index, cy_future *f) {
  uint32_t st = atomic_load_explicit(&f->state, memory_order_acquire) & CY__S_MASK;
  if (st != CY_STATE_SUCCEEDED) atomic_fetch_add_explicit(&ws->nfailed, 1, memory_order_relaxed);
  if (st == CY_STATE_FAILED) atomic_fetch_add_explicit(&ws->nexc, 1, memory_order_relaxed);
  size_t slot = atomic_fetch_add_explicit(&ws->tail, 1, memory_order_relaxed);
  atomic_store_explicit(&ws->order[slot], index + 1, memory_order_release);
  /* ndone after the counters above: whoever sees the new ndone (acquire)
   * sees nfailed/nexc/order consistent with it. */
  atomic_fetch_add_explicit(&ws->ndone, 1, memory_order_release);
  /* seq_cst pairs with the owner's store to sleeping: either the owner sees
   * the new signal before it sleeps, or we see sleeping and wake it. */
  atomic_fetch_add_explicit(&ws->signal, 1, memory_order_seq_cst);
  if (atomic_load_explicit(&ws->sleeping, memory_order_seq_cst)) cy__futex_wake(&ws->signal);
}

static void fire_node(cy__waiter *w, cy_future *f) {
  node *nd = (node *)w;
  cy_waitset *ws = nd->ws;
  record(ws, nd->index, f);
  unref(ws);
}

static int resolve_strategy(cy_waitset *ws, const cy_wait_opts *o) {
  if (o->strategy) {
    ws->strategy = o->strategy;
    return 0;
  }
  ws->strategy = &ws->own_strategy;
  return cy_polling_init(&ws->own_strategy, o->polling);
}

static int create(cy_waitset **out, cy_future *const *fs, size_t n, const cy_wait_opts *opts,
                  int allow_slots) {
  if (!out) return CY_EINVAL;
  *out = NULL;
  if (n > 0 && !fs && !allow_slots) return CY_EINVAL;
  if (n >= (size_t)UINT32_MAX) return CY_EINVAL;
  cy_wait_opts defaults;
  if (!opts) {
    cy_wait_opts_init(&defaults);
    opts = &defaults;
  }
  if (opts->return_when < CY_ALL_COMPLETED || opts->return_when > CY_FIRST_EXCEPTION)
    return CY_EINVAL;
  if (opts->timeout_ms != opts->timeout_ms) return CY_EINVAL; /* NaN */
  size_t nslots = 0;
  for (size_t i = 0; i < n; i++)
    if (!fs || !fs[i]) nslots++;
  if (nslots && !allow_slots) return CY_EINVAL;

  cy_waitset *ws = calloc(1, sizeof *ws);
  if (!ws) return CY_ENOMEM;
  int rc = resolve_strategy(ws, opts);
  if (rc) {
    free(ws);
    return rc;
  }
  size_t cap = n ? n : 1;
  ws->order = calloc(cap, sizeof *ws->order);
  /* Slots never use their node: a waitset of slots alone has none. */
  if (nslots < n) ws->nodes = malloc(cap * sizeof *ws->nodes);
  ws->fs = malloc(cap * sizeof *ws->fs);
  if (nslots) ws->slot = malloc(cap);
  if (!ws->order || (nslots < n && !ws->nodes) || !ws->fs || (nslots && !ws->slot)) {
    free((void *)ws->order);
    free(ws->nodes);
    free(ws->fs);
    free(ws->slot);
    free(ws);
    return CY_ENOMEM;
  }
  ws->n = n;
  ws->nfutures = n - nslots;
  ws->return_when = opts->return_when;
  double now = cy_now_ms();
  ws->deadline = opts->timeout_ms < 0 ? -1 : now + opts->timeout_ms;
  atomic_init(&ws->refs, 1);
  if (opts->progress) {
    ws->has_progress = 1;
    size_t miniters = opts->miniters;
    if (miniters == 0) {
      cy_config c;
      cy__config_snapshot(&c);
      miniters = c.progress_miniters;
    }
    cy__progress_start(&ws->progress, opts->progress, opts->progress_arg, miniters, n, now);
  }
  /* First pass, before any node is linked (so no completer can touch the
   * counters yet): futures already done are recorded with plain stores,
   * the common case of a wait over settled work paying no atomic RMW. */
  size_t k = 0, failed = 0, exc = 0;
  if (!fs && n) {
    /* All slots, all pending: nothing to look at one by one. */
    memset(ws->fs, 0, n * sizeof *ws->fs);
    memset(ws->slot, SLOT_PENDING, n);
  }
  for (size_t i = 0; fs && i < n; i++) {
    cy_future *f = fs[i];
    ws->fs[i] = f;
    if (ws->slot) ws->slot[i] = f ? 0 : SLOT_PENDING;
    if (!f) continue; /* a slot: its node is never used (nor touched) */
    ws->nodes[i].ws = NULL; /* not linked */
    cy_future_retain(f);
    uint32_t s = atomic_load_explicit(&f->state, memory_order_acquire);
    if (s & CY__PROBE) ws->nprobes++;
    if (!cy__state_done(s)) continue;
    uint32_t st = s & CY__S_MASK;
    failed += st != CY_STATE_SUCCEEDED;
    exc += st == CY_STATE_FAILED;
    atomic_init(&ws->order[k++], i + 1); /* unpublished yet: a plain store */
  }
  atomic_store_explicit(&ws->tail, k, memory_order_relaxed);
  atomic_store_explicit(&ws->nfailed, failed, memory_order_relaxed);
  atomic_store_explicit(&ws->nexc, exc, memory_order_relaxed);
  atomic_store_explicit(&ws->ndone, k, memory_order_relaxed);
  if (ws->nprobes) {
    ws->probes = malloc(ws->nprobes * sizeof *ws->probes);
    if (!ws->probes) {
      for (size_t i = 0; i < n; i++) cy_future_release(ws->fs[i]);
      free(ws->fs);
      unref(ws);
      return CY_ENOMEM;
    }
    size_t j = 0;
    for (size_t i = 0; i < n; i++)
      if (ws->fs[i] && (atomic_load_explicit(&ws->fs[i]->state, memory_order_relaxed) & CY__PROBE))
        ws->probes[j++] = i;
    ws->next_probe = now; /* the first round runs at the first poll */
  }
  /* Second pass: link a node into each future that was pending. Each linked
   * node holds a reference, taken for all of them up front: a node may fire
   * on another thread the moment it is linked. The lock taken by attach
   * (release on unlock, acquire by the completer) publishes the plain
   * stores above to any completer. */
  atomic_fetch_add_explicit(&ws->refs, (uint32_t)(n - k - nslots), memory_order_relaxed);
  uint32_t unlinked = 0;
  for (size_t i = 0, j = 0; i < n; i++) {
    if (j < k && atomic_load_explicit(&ws->order[j], memory_order_relaxed) == i + 1) {
      j++; /* recorded in the first pass */
      continue;
    }
    if (!ws->fs[i]) continue; /* a slot */
    node *nd = &ws->nodes[i];
    nd->w.fire = fire_node;
    nd->ws = ws;
    nd->index = i;
    if (!cy__future_attach(ws->fs[i], &nd->w)) {
      nd->ws = NULL;
      unlinked++;
      record(ws, i, ws->fs[i]);
    }
  }
  if (unlinked) atomic_fetch_sub_explicit(&ws->refs, unlinked, memory_order_relaxed);
  *out = ws;
  return 0;
}

int cy_waitset_create(cy_waitset **out, cy_future *const *fs, size_t n, const cy_wait_opts *opts) {
  return create(out, fs, n, opts, 0);
}

int cy_waitset_create_slots(cy_waitset **out, cy_future *const *fs, size_t n,
                            const cy_wait_opts *opts) {
  return create(out, fs, n, opts, 1);
}

/* Counts m slot completions made by the owner: as in record(), the counters
 * before ndone, ndone before the signal; one update each per batch. */
static void publish_slots(cy_waitset *ws, size_t m, size_t failed, size_t exc) {
  if (failed) atomic_fetch_add_explicit(&ws->nfailed, failed, memory_order_relaxed);
  if (exc) atomic_fetch_add_explicit(&ws->nexc, exc, memory_order_relaxed);
  atomic_fetch_add_explicit(&ws->ndone, m, memory_order_release);
  atomic_fetch_add_explicit(&ws->signal, 1, memory_order_seq_cst);
  if (atomic_load_explicit(&ws->sleeping, memory_order_seq_cst)) cy__futex_wake(&ws->signal);
}

static unsigned char slot_state_of(int32_t code) {
  if (code == 0) return CY_STATE_SUCCEEDED;
  return code == CY_ECANCELED ? CY_STATE_CANCELLED : CY_STATE_FAILED;
}

int cy_waitset_complete_slots(cy_waitset *ws, const uint32_t *indices, const int32_t *codes,
                              size_t k) {
  if (!ws || (k && !indices)) return CY_EINVAL;
  if (!ws->slot) return 0;
  /* First pass: claim the pending slots named (a repeat finds its slot
   * already claimed), so the order slots can be taken in one step. */
  size_t m = 0, failed = 0, exc = 0;
  for (size_t j = 0; j < k; j++) {
    uint32_t i = indices[j];
    if (i >= ws->n || ws->slot[i] != SLOT_PENDING) continue;
    ws->slot[i] = SLOT_CLAIMED;
    unsigned char st = slot_state_of(codes ? codes[j] : 0);
    failed += st != CY_STATE_SUCCEEDED;
    exc += st == CY_STATE_FAILED;
    m++;
  }
  if (!m) return 0;
  size_t at = atomic_fetch_add_explicit(&ws->tail, m, memory_order_relaxed);
  for (size_t j = 0; j < k; j++) {
    uint32_t i = indices[j];
    if (i >= ws->n || ws->slot[i] != SLOT_CLAIMED) continue;
    ws->slot[i] = slot_state_of(codes ? codes[j] : 0);
    /* Only the owner reads the order, and these entries are ours alone
     * (claimed above): a plain store, where an atomic one costs an xchg. */
    atomic_init(&ws->order[at++], (size_t)i + 1);
  }
  publish_slots(ws, m, failed, exc);
  return (int)m;
}

/* Whether st is a final state a slot can be settled with. */
static int final_state(unsigned char st) {
  return st >= CY_STATE_SUCCEEDED && st <= CY_STATE_CANCELLED;
}

/* Whether states[i] completes entry i: a pending slot and a final state. */
static int settles(const cy_waitset *ws, size_t i, unsigned char st) {
  return ws->slot[i] == SLOT_PENDING && final_state(st);
}

int cy_waitset_settle_slots(cy_waitset *ws, const unsigned char *states) {
  if (!ws || !states) return CY_EINVAL;
  if (!ws->slot) return 0;
  size_t m = 0, failed = 0, exc = 0;
  for (size_t i = 0; i < ws->n; i++) {
    unsigned char st = states[i];
    if (!settles(ws, i, st)) continue;
    failed += st != CY_STATE_SUCCEEDED;
    exc += st == CY_STATE_FAILED;
    m++;
  }
  if (!m) return 0;
  size_t at = atomic_fetch_add_explicit(&ws->tail, m, memory_order_relaxed);
  for (size_t i = 0; i < ws->n; i++) {
    unsigned char st = states[i];
    if (!settles(ws, i, st)) continue;
    ws->slot[i] = st;
    atomic_init(&ws->order[at++], i + 1); /* as in cy_waitset_complete_slots */
  }
  publish_slots(ws, m, failed, exc);
  return (int)m;
}

static int entry_state(const cy_waitset *ws, size_t i) {
  if (ws->fs[i]) return cy_future_state(ws->fs[i]);
  unsigned char s = ws->slot[i];
  return s == SLOT_PENDING ? CY_STATE_PENDING : s;
}

void cy_waitset_states(const cy_waitset *ws, unsigned char *states) {
  if (!ws || !states) return;
  for (size_t i = 0; i < ws->n; i++) states[i] = (unsigned char)entry_state(ws, i);
}


/* The return conditions, the one place they are spelled: over n entries of
 * which `done` are done and `exc` of those failed (a cancelled entry is done
 * but no exception). */
static int condition_over(int return_when, size_t n, size_t done, size_t exc) {
  switch (return_when) {
  case CY_FIRST_COMPLETED:
    return done > 0 || n == 0;
  case CY_FIRST_EXCEPTION:
    return done == n || exc > 0;
  default:
    return done == n;
  }
}

static int condition_holds(const cy_waitset *ws) {
  size_t done = atomic_load_explicit(&ws->ndone, memory_order_acquire);
  return condition_over(ws->return_when, ws->n, done,
                        atomic_load_explicit(&ws->nexc, memory_order_relaxed));
}

int cy_slots_condition(int return_when, const unsigned char *states, size_t n) {
  if (return_when < CY_ALL_COMPLETED || return_when > CY_FIRST_EXCEPTION) return CY_EINVAL;
  if (n && !states) return CY_EINVAL;
  size_t done = 0, exc = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char st = states[i];
    done += final_state(st);
    exc += st == CY_STATE_FAILED;
  }
  return condition_over(return_when, n, done, exc) ? 0 : CY_EAGAIN;
}

static int probes_pending(const cy_waitset *ws) {
  return ws->nprobes > 0 && atomic_load_explicit(&ws->ndone, memory_order_relaxed) < ws->n;
}

/* One probe round when due. The strategy learns whether the round's own
 * probes found anything finished, as the original's loop does after each
 * batch check. Completions that arrive by notification (any future that is
 * not probe-only, or a probe-only one completed by someone else, e.g. a
 * remote job's event) are not the round's finding: counted, they made
 * adaptive polling speed up to its minimum interval while events flowed, so
 * a wait over N pending probe-only futures ran O(N) rounds every 1 ms for
 * nothing. */
static void probe_round(cy_waitset *ws, double now) {
  if (!probes_pending(ws) || now < ws->next_probe) return;
  size_t found = 0;
  for (size_t k = 0; k < ws->nprobes; k++) {
    cy_future *f = ws->fs[ws->probes[k]];
    if (!cy_future_done(f) && cy_future_probe(f) > 0) found++;
  }
  if (found) cy_polling_record_completion(ws->strategy);
  else cy_polling_record_no_completion(ws->strategy);
  double iv = cy_polling_next_interval(ws->strategy);
  ws->next_probe = now + (iv > 0 ? iv : 0);
}

static void report(cy_waitset *ws) {
  if (!ws->has_progress) return;
  size_t done = atomic_load_explicit(&ws->ndone, memory_order_acquire);
  cy__progress_update(&ws->progress, done, atomic_load_explicit(&ws->nfailed, memory_order_relaxed));
}

int cy_waitset_poll(cy_waitset *ws) {
  if (!ws) return CY_EINVAL;
  double now = cy_now_ms();
  probe_round(ws, now);
  report(ws);
  if (condition_holds(ws)) return 0;
  if (ws->deadline >= 0 && now >= ws->deadline) return CY_ETIMEDOUT;
  return CY_EAGAIN;
}

double cy_waitset_next_wakeup_ms(const cy_waitset *ws) {
  if (!ws) return CY_EINVAL;
  double at = ws->deadline;
  if (probes_pending(ws) && (at < 0 || ws->next_probe < at)) at = ws->next_probe;
  if (at < 0) return -1;
  double left = at - cy_now_ms();
  return left > 0 ? left : 0;
}

/* Blocks until ready(ws) holds, the call's deadline (absolute, < 0: none) or
 * the wait's own deadline passes. Probe rounds run when due. */
static int block(cy_waitset *ws, int (*ready)(cy_waitset *), double call_deadline) {
  for (;;) {
    uint32_t seen = atomic_load_explicit(&ws->signal, memory_order_seq_cst);
    double now = cy_now_ms();
    probe_round(ws, now);
    report(ws);
    if (ready(ws)) return 0;
    double until = call_deadline;
    if (ws->deadline >= 0 && (until < 0 || ws->deadline < until)) until = ws->deadline;
    if (until >= 0 && now >= until) return CY_ETIMEDOUT;
    if (probes_pending(ws) && (until < 0 || ws->next_probe < until)) until = ws->next_probe;
    double left = until < 0 ? -1 : until - now;
    atomic_store_explicit(&ws->sleeping, 1, memory_order_seq_cst);
    int rc = cy__futex_wait(&ws->signal, seen, left);
    atomic_store_explicit(&ws->sleeping, 0, memory_order_relaxed);
    if (rc == CY_EDEADLK) return rc;
  }
}

static int ready_condition(cy_waitset *ws) { return condition_holds(ws); }

int cy_waitset_wait(cy_waitset *ws, double timeout_ms) {
  if (!ws || timeout_ms != timeout_ms) return CY_EINVAL;
  return block(ws, ready_condition, timeout_ms < 0 ? -1 : cy_now_ms() + timeout_ms);
}

static int ready_next(cy_waitset *ws) {
  return ws->head == ws->n ||
         atomic_load_explicit(&ws->order[ws->head], memory_order_acquire) != 0;
}

int cy__waitset_block_next(cy_waitset *ws, double call_deadline) {
  return block(ws, ready_next, call_deadline);
}

int cy_waitset_next(cy_waitset *ws, size_t *index) {
  if (!ws || !index) return CY_EINVAL;
  if (ws->head == ws->n) return CY_EOF;
  size_t v = atomic_load_explicit(&ws->order[ws->head], memory_order_acquire);
  if (!v) return CY_EAGAIN;
  ws->head++;
  *index = v - 1;
  return 0;
}

const volatile uint32_t *cy_waitset_signal(const cy_waitset *ws) {
  return ws ? (const volatile uint32_t *)&ws->signal : NULL;
}

uint32_t cy_waitset_arm(cy_waitset *ws) {
  if (!ws) return 0;
  atomic_store_explicit(&ws->sleeping, 1, memory_order_seq_cst);
  return atomic_load_explicit(&ws->signal, memory_order_seq_cst);
}

void cy_waitset_finish(cy_waitset *ws) {
  if (!ws || !ws->has_progress) return;
  cy__progress_finish(&ws->progress, atomic_load_explicit(&ws->ndone, memory_order_acquire),
                      atomic_load_explicit(&ws->nfailed, memory_order_relaxed));
}

size_t cy_waitset_done_count(const cy_waitset *ws) {
  return ws ? atomic_load_explicit(&ws->ndone, memory_order_acquire) : 0;
}

size_t cy_waitset_failed_count(const cy_waitset *ws) {
  return ws ? atomic_load_explicit(&ws->nfailed, memory_order_relaxed) : 0;
}

size_t cy_waitset_size(const cy_waitset *ws) { return ws ? ws->n : 0; }

void cy_waitset_done_flags(const cy_waitset *ws, unsigned char *flags) {
  if (!ws || !flags) return;
  if (!ws->slot) {
    cy_check_batch(ws->fs, ws->n, flags);
    return;
  }
  for (size_t i = 0; i < ws->n; i++) flags[i] = entry_state(ws, i) >= CY_STATE_SUCCEEDED;
}

cy_future *cy__waitset_future(const cy_waitset *ws, size_t index) { return ws->fs[index]; }

void cy_waitset_free(cy_waitset *ws) {
  if (!ws) return;
  for (size_t i = 0; ws->nfutures && i < ws->n; i++) {
    cy_future *f = ws->fs[i];
    if (!f) continue; /* a slot */
    if (ws->nodes[i].ws && cy__future_detach(f, &ws->nodes[i].w)) unref(ws);
    cy_future_release(f);
  }
  free(ws->fs);
  ws->fs = NULL;
  unref(ws);
}

/* ---- the blocking wait ------------------------------------------------- */

void cy_wait_opts_init(cy_wait_opts *opts) {
  if (!opts) return;
  cy_config c;
  cy__config_snapshot(&c);
  memset(opts, 0, sizeof *opts);
  opts->return_when = CY_ALL_COMPLETED;
  opts->timeout_ms = -1;
  opts->polling = NULL;
  opts->miniters = c.progress_miniters;
}

int cy_wait(cy_future *const *fs, size_t n, const cy_wait_opts *opts, unsigned char *done_flags) {
  cy_waitset *ws;
  int rc = cy_waitset_create(&ws, fs, n, opts);
  if (rc) return rc;
  rc = cy_waitset_wait(ws, -1);
  cy_waitset_finish(ws);
  cy_waitset_done_flags(ws, done_flags);
  cy_waitset_free(ws);
  return rc;
}
