/*
 * fuzz-futures.c: the input is a program of operations on a small pool of
 * futures (external and probe-only), waitsets (plain and with slots),
 * as-completed iterators, and one-shot cy_wait / cy_gather / cy_check_batch
 * calls, all with timeout 0 (single-threaded, so nothing ever blocks).
 *
 * A model alongside checks after every step:
 *   - a future's state only moves forward (PENDING -> RUNNING -> final, or
 *     PENDING -> final) and a final outcome never changes;
 *   - each completion call is predicted exactly (who wins, CY_EINVALSTATE,
 *     CY_EINVAL for code 0) and the outcome read back is the winner's;
 *   - done-callbacks fire exactly once, with the future, once it is done,
 *     and synchronously (all of a future's callbacks have fired when the
 *     completing call returns);
 *   - waitsets: done/failed counts equal what their entries' states say and
 *     never exceed n; states and done flags agree with cy_future_state;
 *     cy_waitset_next yields each index at most once, only done ones, EAGAIN
 *     exactly when every recorded completion was taken, CY_EOF after n;
 *     complete/settle_slots return exactly the number of pending slots named;
 *     poll/wait(0) return 0 exactly when the return condition holds;
 *   - progress reports: counts within [0, total], failed <= completed, never
 *     going down, miniters apart, one final report and nothing after it;
 *   - gather/wait/as_completed outcomes match the model.
 *
 * References: the model counts its own references to each future and never
 * releases below zero (over-release is the caller's bug by contract); a
 * future stays reachable through a waitset that holds it after the model
 * dropped its own references.
 *
 * Done-callbacks may act again (complete another future, add a callback,
 * take from a waitset, complete slots), up to a small nesting depth.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "concurry.h"
#include "concurry-js.h"

/* ---- input ------------------------------------------------------------- */

static int32_t fuzz_code(void) {
  switch (u8() % 8) {
  case 0: return 0;
  case 1: return CY_ECANCELED;
  case 2: return 1;
  case 3: return -1 - (int32_t)(u8() % 12); /* the CY_E* range */
  case 4: return INT32_MIN;
  case 5: return INT32_MAX;
  default: return (int32_t)u32();
  }
}

/* ---- the model ----------------------------------------------------------- */

#define MAXOBJ 16
#define MAXCB 64
#define MAXWS 4
#define MAXIT 2
#define MAXN 12
#define MAXDEPTH 3

typedef struct obj {
  cy_future *f;
  int used;
  unsigned gen;
  int mine;    /* references the model holds */
  int holders; /* waitsets / iterators holding it */
  int probe;
  int state;   /* last observed */
  int exp_state; /* the winner's outcome, once one is decided */
  int exp_code;
  void *exp_value;
  /* probe behaviour */
  int countdown; /* calls answering "not yet" before done */
  int notyet_rc; /* 0 or a negative "could not tell" */
  int pcode;
  void *pvalue;
  int probe_calls;
} obj;

typedef struct cbrec {
  int obj;
  unsigned gen;
  int fired;
  int action, a1, a2;
} cbrec;

typedef struct prog {
  int on;
  size_t total, miniters, last_c, last_f;
  int finals, reports;
} prog;

typedef struct wsm {
  cy_waitset *ws;
  int used;
  size_t n;
  int ent[MAXN];            /* obj index or -1 for a slot */
  cy_future *ef[MAXN];
  unsigned char slot[MAXN]; /* slots: 0 pending, else CY_STATE_* */
  unsigned char taken[MAXN];
  size_t ntaken;
  int return_when;
  int tclass; /* 0 no deadline, 1 already passed, 2 far, 3 either */
  prog pg;
} wsm;

typedef struct itm {
  cy_as_completed *it;
  int used;
  size_t n;
  int ent[MAXN];
  cy_future *ef[MAXN];
  unsigned char taken[MAXN];
  size_t ntaken;
  int eof;
} itm;

static obj objs[MAXOBJ];
static cbrec cbs[MAXCB];
static int ncbs;
static wsm wss[MAXWS];
static itm its[MAXIT];
static int depth;

static int custom_iv_kind;
static double custom_next(cy_polling *p) {
  (void)p;
  static const double v[] = {0, -1, 1, 1e-9, 1e300, NAN, INFINITY, -INFINITY, DBL_MAX, 5};
  return v[custom_iv_kind % (int)(sizeof v / sizeof v[0])];
}
static void custom_nop(cy_polling *p) { (void)p; }
static const cy_polling_vtable custom_vt = {custom_next, custom_nop, custom_nop, custom_nop};
static cy_polling custom;

static int is_final(int s) {
  return s == CY_STATE_SUCCEEDED || s == CY_STATE_FAILED || s == CY_STATE_CANCELLED;
}

/* Checks what a timeout-0 cy_future_result / cy_future_exception gave
 * against the model: rc (and *v, *code, *pl) as the state s says. */
static void check_result(obj *o, int s, int rc, void *v) {
  if (!is_final(s)) {
    CHECK(rc == CY_ETIMEDOUT && v == (void *)1);
    return;
  }
  CHECK(o->exp_state == s);
  if (s == CY_STATE_SUCCEEDED) CHECK(rc == 0 && v == o->exp_value);
  else if (s == CY_STATE_FAILED) CHECK(rc == o->exp_code && v == o->exp_value);
  else CHECK(rc == CY_ECANCELED);
}

static void check_exception(obj *o, int s, int erc, int code, void *pl) {
  if (!is_final(s)) {
    CHECK(erc == CY_ETIMEDOUT && code == 77 && pl == (void *)2);
    return;
  }
  CHECK(o->exp_state == s);
  if (s == CY_STATE_SUCCEEDED) CHECK(erc == 0 && code == 0 && pl == NULL);
  else if (s == CY_STATE_FAILED)
    CHECK(erc == o->exp_code && code == o->exp_code && pl == o->exp_value);
  else CHECK(erc == CY_ECANCELED);
}

/* Reads f's state and checks it against the model (a moved state must be
 * a legal step from the last one seen). */
static int read_state(obj *o) {
  int s = cy_future_state(o->f);
  CHECK(s == CY_STATE_PENDING || s == CY_STATE_RUNNING || is_final(s));
  int prev = o->state;
  if (is_final(prev)) CHECK(s == prev);
  if (prev == CY_STATE_RUNNING) CHECK(s != CY_STATE_PENDING && s != CY_STATE_CANCELLED);
  CHECK(cy_future_done(o->f) == is_final(s));
  o->state = s;
  return s;
}

/* Reads f's state and outcome and checks them against the model. Timeout 0
 * is one check: for a probe-only future still pending it runs the probe
 * once (which may complete it), for any other it only looks. */
static void observe(obj *o) {
  CHECK(o->used && o->mine + o->holders > 0);
  CHECK(cy_future_is_probe(o->f) == o->probe);
  int s = read_state(o);
  int calls = o->probe_calls;
  void *v = (void *)1;
  int rc = cy_future_result(o->f, 0, &v);
  int probed = o->probe_calls - calls;
  CHECK(probed == (o->probe && !is_final(s)));
  if (!o->probe) CHECK(cy_future_state(o->f) == s);
  s = read_state(o);
  check_result(o, s, rc, v);
  calls = o->probe_calls;
  int code = 77;
  void *pl = (void *)2;
  int erc = cy_future_exception(o->f, 0, &code, &pl);
  probed = o->probe_calls - calls;
  CHECK(probed == (o->probe && !is_final(s)));
  s = read_state(o);
  check_exception(o, s, erc, code, pl);
}

static void check_outcome(obj *o, const cy_outcome *out) {
  int s = o->state;
  if (!is_final(s)) {
    CHECK(out->state == CY_STATE_PENDING);
    return;
  }
  CHECK(out->state == s);
  if (s == CY_STATE_SUCCEEDED) CHECK(out->code == 0 && out->value == o->exp_value);
  else if (s == CY_STATE_FAILED) CHECK(out->code == o->exp_code && out->value == o->exp_value);
  else CHECK(out->code == CY_ECANCELED);
}

static int probe_fn(void *arg, int *code, void **value) {
  obj *o = arg;
  CHECK(o->used && o->probe);
  CHECK(!cy_future_done(o->f)); /* never asked once done */
  o->probe_calls++;
  if (o->countdown > 0) {
    o->countdown--;
    return o->notyet_rc;
  }
  *code = o->pcode;
  *value = o->pvalue;
  /* The core completes the future with this outcome (its callbacks may
   * observe it before the probe call returns to the core's caller). */
  o->exp_state = o->pcode ? CY_STATE_FAILED : CY_STATE_SUCCEEDED;
  o->exp_code = o->pcode;
  o->exp_value = o->pvalue;
  return 1 + (int)(u8() % 3); /* any positive value means done */
}

static void drop_obj(int i) {
  obj *o = &objs[i];
  if (o->mine + o->holders == 0) {
    o->used = 0;
    o->f = NULL;
    o->gen++;
  }
}

static int pick_live(void) {
  int start = u8() % MAXOBJ;
  for (int k = 0; k < MAXOBJ; k++) {
    int i = (start + k) % MAXOBJ;
    if (objs[i].used && objs[i].mine > 0) return i;
  }
  return -1;
}

static void check_waitset(wsm *w);
static void run_action(int action, int a1, int a2);

/* ---- future operations ---------------------------------------------------- */

static void op_create(void) {
  int i;
  for (i = 0; i < MAXOBJ && objs[i].used; i++) {}
  if (i == MAXOBJ) return;
  obj *o = &objs[i];
  unsigned gen = o->gen;
  memset(o, 0, sizeof *o);
  o->gen = gen;
  int kind = u8() % 5;
  cy_future *f = NULL;
  int rc;
  if (kind == 0 || kind == 2) {
    f = cy_future_new();
    rc = f ? 0 : CY_ENOMEM;
  } else if (kind == 1) {
    rc = cy_js_futures_create(&f, 1);
  } else {
    CHECK(cy_future_new_probe(NULL, o) == NULL);
    o->probe = 1;
    o->countdown = u8() % 4;
    o->notyet_rc = (u8() & 1) ? 0 : fuzz_code() | INT32_MIN; /* negative */
    o->pcode = fuzz_code();
    o->pvalue = (void *)(uintptr_t)(u8() + 1);
    f = cy_future_new_probe(probe_fn, o);
    rc = f ? 0 : CY_ENOMEM;
  }
  CHECK(rc == 0 && f);
  o->f = f;
  o->used = 1;
  o->mine = 1;
  o->state = CY_STATE_PENDING;
  observe(o);
}

/* Tasks on an executor with no threads run inline in submit: the future
 * comes back done with the task's outcome. */
static cy_executor *inline_ex;

typedef struct task_arg {
  int code;
  void *value;
} task_arg;

static int task_fn(void *arg, void **result) {
  task_arg *a = arg;
  *result = a->value;
  return a->code;
}

static void op_submit(void) {
  int i;
  for (i = 0; i < MAXOBJ && objs[i].used; i++) {}
  if (i == MAXOBJ) return;
  if (!inline_ex) {
    CHECK(cy_executor_new(-1) == NULL);
    inline_ex = cy_executor_new(0);
    CHECK(inline_ex);
  }
  CHECK(cy_executor_nthreads(inline_ex) == 0);
  task_arg a = {fuzz_code(), (void *)(uintptr_t)u8()};
  CHECK(cy_submit(inline_ex, NULL, &a) == NULL);
  CHECK(cy_submit(NULL, task_fn, &a) == NULL);
  obj *o = &objs[i];
  unsigned gen = o->gen;
  memset(o, 0, sizeof *o);
  o->gen = gen;
  o->exp_state = a.code ? CY_STATE_FAILED : CY_STATE_SUCCEEDED;
  o->exp_code = a.code;
  o->exp_value = a.value;
  cy_future *f = cy_submit(inline_ex, task_fn, &a);
  CHECK(f);
  o->f = f;
  o->used = 1;
  o->mine = 1;
  o->state = CY_STATE_PENDING;
  observe(o);
  CHECK(is_final(o->state));
}

static void check_callbacks_fired(int i) {
  for (int k = 0; k < ncbs; k++)
    if (cbs[k].obj == i && cbs[k].gen == objs[i].gen) CHECK(cbs[k].fired);
}

static void op_complete(int i, int how) {
  obj *o = &objs[i];
  observe(o);
  int s = o->state;
  int pending = s == CY_STATE_PENDING;
  int open = pending || s == CY_STATE_RUNNING;
  int rc;
  switch (how) {
  case 0: /* set_running */
    rc = cy_future_set_running(o->f);
    CHECK(rc == (pending ? 0 : CY_EINVALSTATE));
    break;
  case 1: { /* set_result */
    void *v = (void *)(uintptr_t)u8();
    if (open) {
      o->exp_state = CY_STATE_SUCCEEDED;
      o->exp_value = v;
      o->exp_code = 0;
    }
    rc = cy_future_set_result(o->f, v);
    CHECK(rc == (open ? 0 : CY_EINVALSTATE));
    break;
  }
  case 2: { /* set_exception, code 0 included */
    int32_t code = fuzz_code();
    void *v = (void *)(uintptr_t)u8();
    if (open && code) {
      o->exp_state = CY_STATE_FAILED;
      o->exp_value = v;
      o->exp_code = code;
    }
    rc = cy_future_set_exception(o->f, code, v);
    CHECK(rc == (code == 0 ? CY_EINVAL : open ? 0 : CY_EINVALSTATE));
    break;
  }
  case 3: /* cancel */
    if (pending) o->exp_state = CY_STATE_CANCELLED;
    rc = cy_future_cancel(o->f);
    CHECK(rc == (pending ? 0 : CY_EINVALSTATE));
    break;
  default: { /* the JS batch completion: 0, CY_ECANCELED or a failure code */
    int32_t code = fuzz_code();
    int wins = code == CY_ECANCELED ? pending : open;
    if (wins) {
      o->exp_state = code == 0 ? CY_STATE_SUCCEEDED
                   : code == CY_ECANCELED ? CY_STATE_CANCELLED : CY_STATE_FAILED;
      o->exp_value = NULL;
      o->exp_code = code;
    }
    uint8_t won = 9;
    rc = cy_js_complete(&o->f, &code, 1, &won);
    CHECK(rc == wins && won == wins);
    rc = wins ? 0 : CY_EINVALSTATE;
    break;
  }
  }
  observe(o);
  if (rc == 0 && is_final(o->state)) check_callbacks_fired(i);
}

static void on_done(cy_future *f, void *arg) {
  cbrec *c = arg;
  CHECK(!c->fired);
  c->fired = 1;
  obj *o = &objs[c->obj];
  CHECK(o->used && o->gen == c->gen && o->f == f);
  CHECK(cy_future_done(f));
  observe(o);
  if (depth < MAXDEPTH) {
    depth++;
    run_action(c->action, c->a1, c->a2);
    depth--;
  }
}

static void op_add_callback(int i) {
  obj *o = &objs[i];
  CHECK(cy_future_add_done_callback(o->f, NULL, NULL) == CY_EINVAL);
  if (ncbs == MAXCB) return;
  cbrec *c = &cbs[ncbs++];
  c->obj = i;
  c->gen = o->gen;
  c->fired = 0;
  c->action = u8() % 6;
  c->a1 = u8();
  c->a2 = u8();
  observe(o);
  int done = is_final(o->state);
  CHECK(cy_future_add_done_callback(o->f, on_done, c) == 0);
  CHECK(c->fired == done); /* at once when already done, else later */
}

static void op_probe(int i) {
  obj *o = &objs[i];
  observe(o);
  int was = is_final(o->state);
  int calls = o->probe_calls;
  int r = cy_future_probe(o->f);
  CHECK(r == is_final(read_state(o)));
  if (was || !o->probe) CHECK(o->probe_calls == calls);
  if (!o->probe) CHECK(r == was);
  if (r && !was) check_callbacks_fired(i);
  observe(o); /* may probe once more, and complete it */
}

/* ---- options ---------------------------------------------------------------- */

/* Fills o from the input; returns a mask of what is wrong with it (BAD_*)
 * and the deadline class. */
enum { BAD_RW = 1, BAD_TIMEOUT = 2, BAD_NAME = 4 };
static int make_opts(cy_wait_opts *o, int *tclass, prog *pg);

/* The error creating a waitset with such options gives, in the order the
 * core checks (return_when, timeout, strategy name). */
static int expected_error(int bad, int ignore_rw) {
  if ((bad & BAD_RW) && !ignore_rw) return CY_EINVAL;
  if (bad & BAD_TIMEOUT) return CY_EINVAL;
  if (bad & BAD_NAME) return CY_ENOENT;
  return 0;
}

static void on_progress(const cy_progress *p, void *arg) {
  prog *g = arg;
  CHECK(g->on);
  CHECK(g->finals == 0); /* nothing after the final report */
  CHECK(p->total == g->total);
  CHECK(p->completed <= p->total);
  CHECK(p->failed <= p->completed);
  CHECK(p->completed >= g->last_c && p->failed >= g->last_f);
  CHECK(p->elapsed_ms >= 0 && isfinite(p->elapsed_ms));
  if (p->final) {
    CHECK(p->final == 1);
    g->finals++;
  } else {
    CHECK(p->completed - g->last_c >= g->miniters);
  }
  g->reports++;
  g->last_c = p->completed;
  g->last_f = p->failed;
}

static int make_opts(cy_wait_opts *o, int *tclass, prog *pg) {
  cy_wait_opts_init(o);
  int bad = 0;
  uint8_t b = u8();
  static const int rw[] = {CY_ALL_COMPLETED, CY_FIRST_COMPLETED, CY_FIRST_EXCEPTION, 3, -1};
  o->return_when = rw[(b & 7) % 5];
  if (o->return_when < 0 || o->return_when > 2) bad |= BAD_RW;
  /* 1e-300 added to a clock reading in ms is the reading itself: passed at once. */
  static const double tv[] = {-1, 0, -0.0, 1e9, INFINITY, -INFINITY, 1e308, DBL_MAX, NAN, 1e-300, 0.5};
  static const int tc[] = {0, 1, 1, 2, 2, 0, 2, 2, -1, 1, 3};
  int t = u8() % (int)(sizeof tv / sizeof tv[0]);
  o->timeout_ms = tv[t];
  *tclass = tc[t];
  if (tc[t] < 0) bad |= BAD_TIMEOUT;
  static const char *names[] = {NULL, "fixed", "ADAPTIVE", "exp", "backoff", "stepped",
                                "constant", "Progressive", "nope", "", "fixed "};
  int nm = u8() % (int)(sizeof names / sizeof names[0]);
  o->polling = names[nm];
  if (b & 8) {
    custom_iv_kind = u8();
    CHECK(cy_polling_init_custom(&custom, &custom_vt, NULL) == 0);
    o->strategy = &custom;
  } else if (nm >= 8) {
    bad |= BAD_NAME;
  }
  if (pg) memset(pg, 0, sizeof *pg);
  if (pg && (b & 32)) {
    o->progress = on_progress;
    o->progress_arg = pg;
    o->miniters = u8() % 4; /* 0: the config's */
    pg->on = 1;
    pg->miniters = o->miniters ? o->miniters : 1;
  }
  return bad;
}

/* One-shot calls block up to their timeout: keep every valid one at 0. */
static void zero_timeout(cy_wait_opts *o, int *tclass) {
  if (*tclass < 0) return;
  o->timeout_ms = (u8() & 1) ? 0.0 : -0.0;
  *tclass = 1;
}

/* Entries for a one-shot call or a waitset: live futures (duplicates
 * allowed) and, when slots are allowed, NULLs. */
static size_t pick_entries(cy_future **fs, int *ent, size_t max, int slots) {
  size_t n = u8() % (max + 1);
  for (size_t k = 0; k < n; k++) {
    int i = (slots && (u8() & 3) == 0) ? -1 : pick_live();
    if (i < 0 && !slots) return k;
    ent[k] = i;
    fs[k] = i < 0 ? NULL : objs[i].f;
  }
  return n;
}

static int condition(int return_when, size_t n, size_t done, size_t nexc) {
  switch (return_when) {
  case CY_FIRST_COMPLETED: return done > 0 || n == 0;
  case CY_FIRST_EXCEPTION: return done == n || nexc > 0;
  default: return done == n;
  }
}

static void check_timeout_rc(int rc, int cond, int tclass, int poll) {
  if (cond) {
    CHECK(rc == 0);
    return;
  }
  if (tclass == 1) CHECK(rc == CY_ETIMEDOUT);
  else if (tclass == 3) CHECK(rc == CY_ETIMEDOUT || rc == (poll ? CY_EAGAIN : CY_ETIMEDOUT));
  else CHECK(rc == (poll ? CY_EAGAIN : CY_ETIMEDOUT));
}

/* ---- one-shot calls ---------------------------------------------------------- */

static void op_wait(void) {
  cy_future *fs[MAXN];
  int ent[MAXN];
  size_t n = pick_entries(fs, ent, MAXN, 0);
  cy_wait_opts o;
  int tclass;
  prog pg;
  int expect = expected_error(make_opts(&o, &tclass, &pg), 0);
  zero_timeout(&o, &tclass);
  pg.total = n;
  unsigned char flags[MAXN + 1];
  memset(flags, 7, sizeof flags);
  int rc = cy_wait(n ? fs : NULL, n, &o, (u8() & 1) ? flags : NULL);
  if (expect) {
    CHECK(rc == expect);
    CHECK(pg.reports == 0);
    return;
  }
  size_t done = 0, nexc = 0;
  for (size_t k = 0; k < n; k++) {
    observe(&objs[ent[k]]);
    int s = objs[ent[k]].state;
    done += is_final(s);
    nexc += s == CY_STATE_FAILED;
    if (flags[0] != 7) CHECK(flags[k] == is_final(s));
  }
  check_timeout_rc(rc, condition(o.return_when, n, done, nexc), tclass, 0);
  if (pg.on) CHECK(pg.finals == 1);
}

static void op_gather(void) {
  cy_future *fs[MAXN];
  int ent[MAXN];
  size_t n = pick_entries(fs, ent, MAXN, 0);
  cy_wait_opts o;
  int tclass;
  prog pg;
  int expect = expected_error(make_opts(&o, &tclass, &pg), 1); /* return_when is ignored */
  zero_timeout(&o, &tclass);
  pg.total = n;
  cy_outcome out[MAXN];
  if (n) CHECK(cy_gather(fs, n, &o, NULL) == CY_EINVAL);
  int rc = cy_gather(n ? fs : NULL, n, &o, out);
  if (expect) {
    CHECK(rc == expect);
    return;
  }
  size_t done = 0;
  int first = 0;
  for (size_t k = 0; k < n; k++) {
    obj *ob = &objs[ent[k]];
    observe(ob);
    check_outcome(ob, &out[k]);
    done += is_final(ob->state);
    if (!first && is_final(ob->state) && out[k].code) first = out[k].code;
  }
  if (done == n) CHECK(rc == first);
  else check_timeout_rc(rc, 0, tclass, 0);
  if (pg.on) CHECK(pg.finals == 1);
}

static void op_check_batch(void) {
  cy_future *fs[MAXN];
  int ent[MAXN];
  size_t n = pick_entries(fs, ent, MAXN, 1);
  unsigned char flags[MAXN];
  size_t r = cy_check_batch(fs, n, flags);
  size_t done = 0;
  for (size_t k = 0; k < n; k++) {
    int d = 0;
    if (ent[k] >= 0) {
      observe(&objs[ent[k]]);
      d = is_final(objs[ent[k]].state);
    }
    CHECK(flags[k] == d);
    done += d;
  }
  CHECK(r == done);
  CHECK(cy_check_batch(NULL, n, flags) == 0);
  CHECK(cy_check_batch(fs, n, NULL) == done);
}

/* ---- waitsets ----------------------------------------------------------------- */

static int entry_state(wsm *w, size_t i) {
  if (w->ent[i] < 0) return w->slot[i] ? w->slot[i] : CY_STATE_PENDING;
  observe(&objs[w->ent[i]]);
  return objs[w->ent[i]].state;
}

static void check_waitset(wsm *w) {
  CHECK(cy_waitset_size(w->ws) == w->n);
  size_t dc = cy_waitset_done_count(w->ws), fc = cy_waitset_failed_count(w->ws);
  CHECK(dc <= w->n && fc <= dc && w->ntaken <= dc);
  double wake = cy_waitset_next_wakeup_ms(w->ws);
  CHECK(wake == wake);
  if (depth > 0) return; /* a completion may be half-recorded under a callback */
  unsigned char st[MAXN + 1], fl[MAXN + 1];
  st[w->n] = fl[w->n] = 0xAB;
  cy_waitset_states(w->ws, st);
  cy_waitset_done_flags(w->ws, fl);
  CHECK(st[w->n] == 0xAB && fl[w->n] == 0xAB); /* no write past n */
  size_t done = 0, failed = 0;
  for (size_t i = 0; i < w->n; i++) {
    int s = entry_state(w, i);
    CHECK(st[i] == s);
    CHECK(fl[i] == is_final(s));
    done += is_final(s);
    failed += is_final(s) && s != CY_STATE_SUCCEEDED;
    if (w->taken[i]) CHECK(is_final(s));
  }
  CHECK(dc == done && fc == failed);
}

static void op_ws_create(void) {
  int wi;
  for (wi = 0; wi < MAXWS && wss[wi].used; wi++) {}
  if (wi == MAXWS) return;
  wsm *w = &wss[wi];
  memset(w, 0, sizeof *w);
  int slots = u8() & 1;
  cy_future *fs[MAXN];
  w->n = pick_entries(fs, w->ent, MAXN, slots);
  cy_wait_opts o;
  int expect = expected_error(make_opts(&o, &w->tclass, &w->pg), 0);
  w->return_when = o.return_when;
  w->pg.total = w->n;
  int all_slots = slots && (u8() & 1);
  if (all_slots)
    for (size_t k = 0; k < w->n; k++) w->ent[k] = -1;
  int rc;
  if (slots && (u8() & 1) && !all_slots) {
    rc = cy_js_waitset_create(&w->ws, w->n ? fs : NULL, w->n, o.return_when, o.timeout_ms,
                              o.polling, o.strategy, o.progress, o.progress_arg,
                              o.miniters);
  } else if (slots) {
    rc = cy_waitset_create_slots(&w->ws, all_slots ? NULL : fs, w->n, &o);
  } else {
    rc = cy_waitset_create(&w->ws, w->n ? fs : NULL, w->n, &o);
  }
  if (expect) {
    CHECK(rc == expect && w->ws == NULL);
    return;
  }
  CHECK(rc == 0 && w->ws);
  w->used = 1;
  if (w->n && !slots) { /* the same entries refused where slots are not allowed */
    cy_waitset *x = (cy_waitset *)1;
    CHECK(cy_waitset_create(&x, NULL, w->n, &o) == CY_EINVAL && x == NULL);
  }
  if (slots && w->n && !all_slots) {
    size_t k;
    for (k = 0; k < w->n && fs[k]; k++) {}
    if (k < w->n) {
      cy_waitset *x = (cy_waitset *)1;
      CHECK(cy_waitset_create(&x, fs, w->n, &o) == CY_EINVAL && x == NULL);
    }
  }
  for (size_t k = 0; k < w->n; k++) {
    if (w->ent[k] < 0) continue;
    w->ef[k] = objs[w->ent[k]].f;
    objs[w->ent[k]].holders++;
  }
  check_waitset(w);
}

static wsm *pick_ws(void) {
  int start = u8() % MAXWS;
  for (int k = 0; k < MAXWS; k++) {
    wsm *w = &wss[(start + k) % MAXWS];
    if (w->used) return w;
  }
  return NULL;
}

static void op_ws_next(wsm *w, int via_js) {
  size_t dc = cy_waitset_done_count(w->ws);
  if (via_js) {
    uint32_t got[4];
    size_t max = u8() % 5;
    int r = cy_js_waitset_take(w->ws, got, max);
    if (w->ntaken == w->n && max) {
      CHECK(r == CY_EOF);
      return;
    }
    CHECK(r >= 0 && (size_t)r <= max);
    for (int k = 0; k < r; k++) {
      CHECK(got[k] < w->n && !w->taken[got[k]]);
      w->taken[got[k]] = 1;
      w->ntaken++;
    }
    if ((size_t)r < max) CHECK(w->ntaken == dc);
    return;
  }
  size_t idx = 12345;
  int r = cy_waitset_next(w->ws, &idx);
  if (w->ntaken == w->n) {
    CHECK(r == CY_EOF);
  } else if (w->ntaken == dc) {
    CHECK(r == CY_EAGAIN);
  } else {
    CHECK(r == 0 && idx < w->n && !w->taken[idx]);
    w->taken[idx] = 1;
    w->ntaken++;
    if (depth == 0) CHECK(is_final(entry_state(w, idx)));
  }
  CHECK(cy_waitset_next(w->ws, NULL) == CY_EINVAL);
}

static void op_ws_complete_slots(wsm *w) {
  uint32_t idx[8];
  int32_t codes[8];
  size_t k = u8() % 9;
  int use_codes = u8() & 1;
  for (size_t j = 0; j < k; j++) {
    uint8_t b = u8();
    idx[j] = b < 200 ? b % (w->n + 2) : (b < 250 ? (uint32_t)w->n : UINT32_MAX - (b & 3));
    codes[j] = fuzz_code();
  }
  /* The model's answer: the first naming of each pending slot wins. */
  int expected = 0;
  unsigned char next[MAXN];
  memcpy(next, w->slot, sizeof next);
  int has_slots = 0;
  for (size_t i = 0; i < w->n; i++) has_slots |= w->ent[i] < 0;
  for (size_t j = 0; j < k; j++) {
    uint32_t i = idx[j];
    if (i >= w->n || w->ent[i] >= 0 || next[i]) continue;
    int32_t c = use_codes ? codes[j] : 0;
    next[i] = c == 0 ? CY_STATE_SUCCEEDED : c == CY_ECANCELED ? CY_STATE_CANCELLED : CY_STATE_FAILED;
    expected++;
  }
  if (k) CHECK(cy_waitset_complete_slots(w->ws, NULL, NULL, k) == CY_EINVAL);
  int r = cy_waitset_complete_slots(w->ws, idx, use_codes ? codes : NULL, k);
  CHECK(r == (has_slots ? expected : 0));
  memcpy(w->slot, next, sizeof next);
}

static void op_ws_settle_slots(wsm *w) {
  unsigned char st[MAXN];
  int expected = 0;
  for (size_t i = 0; i < w->n; i++) {
    st[i] = u8() % 8;
    if (w->ent[i] < 0 && !w->slot[i] && is_final(st[i])) {
      w->slot[i] = st[i];
      expected++;
    }
  }
  CHECK(cy_waitset_settle_slots(w->ws, NULL) == CY_EINVAL);
  int r = cy_waitset_settle_slots(w->ws, st);
  CHECK(r == expected);
}

static void counts(wsm *w, size_t *done, size_t *nexc) {
  *done = *nexc = 0;
  for (size_t i = 0; i < w->n; i++) {
    int s = entry_state(w, i);
    *done += is_final(s);
    *nexc += s == CY_STATE_FAILED;
  }
}

static void op_ws_poll(wsm *w, int how) {
  int r;
  if (how == 0) {
    r = cy_waitset_poll(w->ws);
  } else {
    CHECK(cy_waitset_wait(w->ws, NAN) == CY_EINVAL);
    r = cy_waitset_wait(w->ws, 0);
  }
  if (depth > 0) {
    CHECK(r == 0 || r == CY_ETIMEDOUT || r == CY_EAGAIN);
    return;
  }
  size_t done, nexc;
  counts(w, &done, &nexc);
  int cond = condition(w->return_when, w->n, done, nexc);
  /* The same verdict from the entries' states alone, with no waitset. */
  unsigned char st[MAXN];
  for (size_t i = 0; i < w->n; i++) st[i] = (unsigned char)entry_state(w, i);
  CHECK(cy_slots_condition(w->return_when, st, w->n) == (cond ? 0 : CY_EAGAIN));
  if (how == 0) check_timeout_rc(r, cond, w->tclass == 0 ? 2 : w->tclass, 1);
  else check_timeout_rc(r, cond, 1, 0);
}

static void op_ws_finish(wsm *w) {
  int before = w->pg.finals;
  cy_waitset_finish(w->ws);
  if (w->pg.on) CHECK(w->pg.finals == 1);
  else CHECK(before == 0 && w->pg.finals == 0);
}

static void ws_free(wsm *w) {
  check_waitset(w);
  cy_waitset_free(w->ws);
  w->used = 0;
  w->ws = NULL;
  for (size_t k = 0; k < w->n; k++) {
    if (w->ent[k] < 0) continue;
    objs[w->ent[k]].holders--;
    drop_obj(w->ent[k]);
  }
}

/* ---- as-completed ------------------------------------------------------------- */

static void op_it_create(void) {
  int ii;
  for (ii = 0; ii < MAXIT && its[ii].used; ii++) {}
  if (ii == MAXIT) return;
  itm *t = &its[ii];
  memset(t, 0, sizeof *t);
  cy_future *fs[MAXN];
  t->n = pick_entries(fs, t->ent, MAXN, 0);
  cy_wait_opts o;
  int tclass;
  int expect = expected_error(make_opts(&o, &tclass, NULL), 1); /* return_when is ignored */
  int rc = cy_as_completed_create(&t->it, t->n ? fs : NULL, t->n, &o);
  if (expect) {
    CHECK(rc == expect && t->it == NULL);
    return;
  }
  CHECK(rc == 0 && t->it);
  t->used = 1;
  for (size_t k = 0; k < t->n; k++) {
    t->ef[k] = objs[t->ent[k]].f;
    objs[t->ent[k]].holders++;
  }
}

static void op_it_next(itm *t) {
  size_t idx = 999;
  cy_outcome out;
  CHECK(cy_as_completed_next(t->it, NAN, &idx, &out) == CY_EINVAL);
  CHECK(cy_as_completed_next(t->it, 0, NULL, &out) == CY_EINVAL);
  int r = cy_as_completed_next(t->it, (u8() & 1) ? 0 : -0.0, &idx, (u8() & 1) ? &out : NULL);
  if (t->ntaken == t->n) {
    CHECK(r == CY_EOF);
    return;
  }
  if (r == CY_ETIMEDOUT) {
    if (depth == 0) /* every done one was already given */
      for (size_t k = 0; k < t->n; k++) {
        observe(&objs[t->ent[k]]);
        if (is_final(objs[t->ent[k]].state)) CHECK(t->taken[k]);
      }
    return;
  }
  CHECK(r == 0 && idx < t->n && !t->taken[idx]);
  t->taken[idx] = 1;
  t->ntaken++;
  obj *o = &objs[t->ent[idx]];
  observe(o);
  CHECK(is_final(o->state));
}

static void it_free(itm *t) {
  cy_as_completed_free(t->it);
  t->used = 0;
  for (size_t k = 0; k < t->n; k++) {
    objs[t->ent[k]].holders--;
    drop_obj(t->ent[k]);
  }
}

/* ---- actions from callbacks ---------------------------------------------------- */

static void run_action(int action, int a1, int a2) {
  switch (action) {
  case 1: case 2: { /* complete another live future */
    int start = a1 % MAXOBJ;
    for (int k = 0; k < MAXOBJ; k++) {
      int i = (start + k) % MAXOBJ;
      if (objs[i].used && objs[i].mine > 0) {
        op_complete(i, 1 + a2 % 4);
        break;
      }
    }
    break;
  }
  case 3: { /* add a callback (to a done or pending future) */
    int start = a1 % MAXOBJ;
    for (int k = 0; k < MAXOBJ; k++) {
      int i = (start + k) % MAXOBJ;
      if (objs[i].used && objs[i].mine > 0) {
        op_add_callback(i);
        break;
      }
    }
    break;
  }
  case 4: { /* take from a waitset */
    wsm *w = &wss[a1 % MAXWS];
    if (w->used) op_ws_next(w, a2 & 1);
    break;
  }
  case 5: { /* complete slots */
    wsm *w = &wss[a1 % MAXWS];
    if (w->used) op_ws_complete_slots(w);
    break;
  }
  default: break;
  }
}

/* ---- the program --------------------------------------------------------------- */

static void check_all(void) {
  for (int i = 0; i < MAXOBJ; i++)
    if (objs[i].used) observe(&objs[i]);
  for (int k = 0; k < MAXWS; k++)
    if (wss[k].used) check_waitset(&wss[k]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  input_begin(data, size);
  cy_config_reset();
  for (int i = 0; i < MAXOBJ; i++) {
    unsigned gen = objs[i].gen;
    memset(&objs[i], 0, sizeof objs[i]);
    objs[i].gen = gen + 1;
  }
  memset(wss, 0, sizeof wss);
  memset(its, 0, sizeof its);
  memset(cbs, 0, sizeof cbs);
  ncbs = 0;
  depth = 0;

  int steps = 0;
  while (in_n && steps++ < 400) {
    uint8_t op = u8();
    int i;
    wsm *w;
    switch (op % 24) {
    case 0: op_create(); break;
    case 1:
      if (u8() & 3) op_create();
      else op_submit();
      break;
    case 2: case 3: case 4: case 5:
      if ((i = pick_live()) >= 0) op_complete(i, u8() % 5);
      break;
    case 6:
      if ((i = pick_live()) >= 0) op_add_callback(i);
      break;
    case 7: /* retain */
      if ((i = pick_live()) >= 0 && objs[i].mine < 4) {
        CHECK(cy_future_retain(objs[i].f) == objs[i].f);
        objs[i].mine++;
      }
      break;
    case 8: /* release, never below the model's own count */
      if ((i = pick_live()) >= 0) {
        cy_future_release(objs[i].f);
        objs[i].mine--;
        drop_obj(i);
      }
      break;
    case 9:
      if ((i = pick_live()) >= 0) op_probe(i);
      break;
    case 10: op_ws_create(); break;
    case 11: case 12:
      if ((w = pick_ws())) op_ws_next(w, u8() & 1);
      break;
    case 13:
      if ((w = pick_ws())) op_ws_complete_slots(w);
      break;
    case 14:
      if ((w = pick_ws())) op_ws_settle_slots(w);
      break;
    case 15:
      if ((w = pick_ws())) op_ws_poll(w, u8() & 1);
      break;
    case 16:
      if ((w = pick_ws())) op_ws_finish(w);
      break;
    case 17:
      if ((w = pick_ws())) ws_free(w);
      break;
    case 18: op_wait(); break;
    case 19: op_gather(); break;
    case 20: op_check_batch(); break;
    case 21: op_it_create(); break;
    case 22: {
      itm *t = &its[u8() % MAXIT];
      if (t->used) op_it_next(t);
      break;
    }
    case 23: {
      itm *t = &its[u8() % MAXIT];
      if (t->used) it_free(t);
      break;
    }
    }
    check_all();
  }

  /* Tear down: iterators and waitsets, then the model's own references. */
  for (int k = 0; k < MAXIT; k++)
    if (its[k].used) it_free(&its[k]);
  for (int k = 0; k < MAXWS; k++)
    if (wss[k].used) ws_free(&wss[k]);
  for (int i = 0; i < MAXOBJ; i++) {
    while (objs[i].used && objs[i].mine > 0) {
      cy_future_release(objs[i].f);
      objs[i].mine--;
      drop_obj(i);
    }
    CHECK(!objs[i].used);
  }
  return 0;
}
