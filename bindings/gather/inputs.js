/**
 * The inputs of one gather, blocking or iterator, and how the core hears of
 * them: the one data model of gather.
 *
 * Every leaf is an entry of the core's waitset. A BaseFuture (or a
 * future-like handle) is an entry with its C future; everything else is a
 * *slot*, an entry with no future, which this file completes: a plain value
 * is done at the call, a thenable when it settles. Gather never shows the
 * wrappers of its promises, so a promise costs one reaction and no future,
 * and the slots settled in one microtask reach the core in one call (through
 * the Waiter: nothing here calls the core's waitset functions).
 *
 * `kinds[i]` is a slot's state in the core's numbers (CY_STATE_*), so the
 * array is what Waiter.settleSlots reads; entries that are not slots have
 * kinds no state uses. `vals[i]` is a slot's value or reason once settled,
 * and while it is pending, the promise watched for it: the leaves are read
 * only here, at the call (the caller's array may change afterwards), and
 * vals is the snapshot, at no extra cost.
 *
 * How thenables are watched (`mode`):
 * - EXACT: an index-bound handler for each outcome, so the completion order
 *   the core records is the order they settled (the iterator).
 * - EACH: an index-bound fulfillment handler and one shared rejection
 *   handler; the first rejection names its leaf a microtask later
 *   (anyFail). Allocation-lean for gathers that report every completion
 *   (progress) or every outcome (returnExceptions).
 * - GROUP: nothing needs an event per promise, so the native promises are
 *   watched by one Promise.all, whose engine fast path reacts to each
 *   without the derived promise and bound handler a user-land then()
 *   allocates (at 100k promises settling across macrotasks those cost two
 *   scavenges, 28.7 ms). The promises are slots completed together when the
 *   group fulfills; a rejection is named by anyFail; and when the deadline
 *   passes first, a census tells the core of every promise settled by then,
 *   so that its verdict and its "k of n" are exact.
 *
 * Every native promise gets a reaction when the Inputs are made, whatever
 * follows, so none of their rejections goes unhandled.
 * @module concurry-wasm/gather/inputs
 */
import { wrapFuture, isPlainThenable } from '../wrap.js';
import { BaseFuture, completesElsewhere } from '../futures/base.js';
import { SyncFuture } from '../futures/sync.js';
import { C, heap, coreFailure, CY_ENOMEM, STATE_PENDING, STATE_SUCCEEDED, STATE_FAILED } from '../core.js';

export const EXACT = 0;
export const EACH = 1;
export const GROUP = 2;

/** A thenable not settled yet: a pending slot (vals[i] is its promise). */
const K_PENDING = STATE_PENDING;
/** A plain value or a fulfilled thenable (its value in vals[i]). */
export const K_OK = STATE_SUCCEEDED;
/** A rejected thenable (its reason in vals[i]). */
const K_FAILED = STATE_FAILED;
/** An entry with a C future (futs[i]), not a slot: no state has this number. */
export const K_FUTURE = 0xfe;
/** Not classified yet (a thenable or a future-like object): only while classifying. */
const K_UNSORTED = 0xff;

/** No rejection seen (a reason may be any value, undefined too). */
const NONE = Symbol('none');

function ignore() {}

/**
 * Marks every native promise among `leaves` as handled, for an exit that
 * comes before any wait is set up (an already-aborted signal): their later
 * rejections must not become unhandled ones, as with Promise.all. Other
 * thenables are left alone (calling `then` would start a lazy one's work).
 * @param {unknown[]} leaves
 */
export function observe(leaves) {
  for (let i = 0; i < leaves.length; i++) {
    const x = leaves[i];
    if (x instanceof Promise) x.then(undefined, ignore);
  }
}

/*
 * The per-leaf loops live in these small functions rather than in methods:
 * V8 then optimizes each whole after a few gathers, instead of entering a
 * long method's loop through on-stack replacement and throwing the code away
 * at the first line after the loop (measured: 5-20x slower loops).
 */

/**
 * Watches each native promise (by mode) and classifies the rest: plain
 * values are done slots, everything else is K_UNSORTED. Returns how many are
 * unsorted; counts[1] gets the number of native promises.
 */
function classify(leaves, n, kinds, vals, okFn, failFn, anyFailFn, mode, counts) {
  let unsorted = 0;
  let promises = 0;
  for (let i = 0; i < n; i++) {
    const x = leaves[i];
    if (x instanceof Promise) {
      // kinds[i] stays K_PENDING
      vals[i] = x;
      if (mode === EXACT) x.then(okFn.bind(i), failFn.bind(i));
      else if (mode === EACH) x.then(okFn.bind(i), anyFailFn);
      promises++;
    } else if (x === null || (typeof x !== 'object' && typeof x !== 'function')) {
      vals[i] = x;
      kinds[i] = K_OK;
    } else {
      kinds[i] = K_UNSORTED;
      unsorted++;
    }
  }
  counts[0] = unsorted;
  counts[1] = promises;
}

/**
 * The native-promise leaves still pending, m of the n: their indices and the
 * promises; when every leaf is one (the common case), idx is null and ps the
 * leaves.
 */
function pendingPromises(leaves, kinds, n, m) {
  if (m === n) return { idx: null, ps: leaves };
  const idx = new Uint32Array(m);
  const ps = new Array(m);
  let t = 0;
  for (let i = 0; i < n; i++) {
    const x = leaves[i];
    if (kinds[i] === K_PENDING && x instanceof Promise) {
      idx[t] = i;
      ps[t++] = x;
    }
  }
  return { idx, ps };
}

/** Records the group's values (leaves no longer pending are left alone). */
function settleGroup(kinds, vals, idx, values) {
  for (let t = 0; t < idx.length; t++) {
    const i = idx[t];
    if (kinds[i] !== K_PENDING) continue;
    vals[i] = values[t];
    kinds[i] = K_OK;
  }
}

/** Moves the first failed slot in q whose reason is `reason` to the front. */
function frontFirst(q, kinds, vals, reason) {
  for (let j = 0; j < q.length; j++) {
    const i = q[j];
    if (kinds[i] === K_FAILED && vals[i] === reason) {
      if (j > 0) { q.splice(j, 1); q.unshift(i); }
      return true;
    }
  }
  return false;
}

/** True when some slot is done with a failure. */
function anyFailed(kinds, n) {
  for (let i = 0; i < n; i++) if (kinds[i] === K_FAILED) return true;
  return false;
}

/** The first failed slot (input order) whose reason is `reason`, or -1. */
function failedWith(kinds, vals, n, reason) {
  for (let i = 0; i < n; i++) if (kinds[i] === K_FAILED && vals[i] === reason) return i;
  return -1;
}

/*
 * The handlers the thenables' reactions hold, made outside the class: a
 * closure made in the constructor would share its context, and with it a
 * reference to the Inputs, with every other closure made there.
 */
function leafHandlers(inp, cell) {
  // The hot path of a gather over promises: no method calls until started.
  /** @this {number} the leaf index */
  inp.okFn = function onLeafFulfilled(v) {
    const x = cell.inp;
    if (x === null) return;
    const i = this;
    const kinds = x.kinds;
    if (kinds[i] !== K_PENDING) return;
    x.vals[i] = v;
    kinds[i] = K_OK;
    if (x.started) x.settled(i);
  };
  /** @this {number} */
  inp.failFn = function onLeafRejected(e) {
    const x = cell.inp;
    if (x === null) return;
    const i = this;
    const kinds = x.kinds;
    if (kinds[i] !== K_PENDING) return;
    x.vals[i] = e;
    kinds[i] = K_FAILED;
    if (x.started) x.settled(i);
    else if (x.owner !== null) x.wake(false);
  };
  inp.pushFn = function pushSettled() {
    const x = cell.inp;
    if (x !== null) x.push();
  };
}

/*
 * The handlers every gather watching a group needs; the per-leaf ones above
 * are made when first needed (Inputs.leafFns): a gather over promises that
 * all fulfill never binds one, and N concurrent single gathers hold N fewer
 * sets of them.
 */
function groupHandlers(inp, cell) {
  inp.anyFailFn = function onAnyRejected(e) {
    const x = cell.inp;
    if (x !== null) x.anyFail(e);
  };
  inp.groupOkFn = function onGroupFulfilled(values) {
    const x = cell.inp;
    if (x !== null) x.groupOk(values);
  };
}

export class Inputs {
  /**
   * Classifies `leaves` and watches every thenable; `leaves` is not read
   * after this (it may be the caller's own array). Throws what wrapFuture
   * throws for a bad handle (the thenables seen so far are watched, so
   * handled).
   * @param {unknown[]} leaves
   * @param {number} mode EXACT, EACH or GROUP
   */
  constructor(leaves, mode) {
    const n = leaves.length;
    this.n = n;
    this.mode = mode;
    this.kinds = new Uint8Array(n);
    this.vals = new Array(n);    // values and reasons of slots; promises of pending ones
    this.futs = null;            // BaseFuture entries (sparse), if any
    this.group = null;           // GROUP: { idx, ps } until the group fulfills
    this.q = [];                 // slots settled and not yet told to the core
    this.scheduled = false;      // a poll is queued for q
    this.started = false;        // the first check came: settlements go through q
    this.dense = false;          // settle every slot by kinds at the next poll
    this.closed = false;
    this.identity = false;       // anyFail has put index-bound rejection handlers on
    this.firstReason = NONE;     // the first rejection seen, in settlement order
    this.firstPlaced = false;    // ... and told to the core ahead of the others
    this.pendingSlots = 0;       // slots not done at the call
    this.target = null;          // the Waiter, or a WeakRef to it (weak)
    this.owner = null;           // deferred: whose ready() makes the waiter once the core has work (see defer)
    // The reactions on the thenables hold the handlers until those settle,
    // which may be never: the handlers hold only this cell, which close()
    // empties, so a finished gather leaves a few words per pending input
    // behind (as Promise.race does), not itself.
    this.cell = { inp: this };
    // Declared here, set by leafHandlers: fields a constructor names are
    // kept in the object itself, not in a separate property array.
    this.okFn = null;
    this.failFn = null;
    this.anyFailFn = null;
    this.groupOkFn = null;
    this.pushFn = null;
    this.groupOne = false;       // the group is one promise, watched by its own reaction
    groupHandlers(this, this.cell);
    if (mode !== GROUP) leafHandlers(this, this.cell);

    const counts = [0, 0];
    classify(leaves, n, this.kinds, this.vals, this.okFn, this.failFn, this.anyFailFn, mode, counts);
    let pending = counts[1];
    if (counts[0] > 0) pending += this.sort(leaves);
    this.pendingSlots = pending;
    if (mode === GROUP && counts[1] > 0) {
      const g = pendingPromises(leaves, this.kinds, n, counts[1]);
      this.group = g;
      // One promise needs no Promise.all: a reaction of its own observes it
      // (its rejection handled) for a fraction of the cost.
      if (counts[1] === 1) {
        this.groupOne = true;
        g.ps[0].then(this.groupOkFn, this.anyFailFn);
      } else {
        Promise.all(g.ps).then(this.groupOkFn, this.anyFailFn);
      }
    }
  }

  /** Makes the per-leaf handlers (okFn, failFn, pushFn) if not yet made. */
  leafFns() {
    if (this.okFn === null) leafHandlers(this, this.cell);
  }

  /** Classifies the K_UNSORTED leaves; returns how many became pending slots. */
  sort(leaves) {
    this.leafFns();
    const { kinds, n, mode } = this;
    let pending = 0;
    for (let i = 0; i < n; i++) {
      if (kinds[i] !== K_UNSORTED) continue;
      const x = leaves[i];
      if (x instanceof BaseFuture) {
        (this.futs ??= new Array(n))[i] = x;
        kinds[i] = K_FUTURE;
        continue;
      }
      // A thenable is adopted here, once: wrapping it first would call its
      // `then` a second time (and run a lazy thenable's work twice).
      const f = isPlainThenable(x) ? null : wrapFuture(x);
      if (f === null) {
        kinds[i] = K_PENDING;
        pending++;
        const p = Promise.resolve(x);
        this.vals[i] = p;
        p.then(this.okFn.bind(i), mode === EXACT ? this.failFn.bind(i) : this.anyFailFn);
      } else if (f instanceof SyncFuture) {
        this.vals[i] = f._outcome();
        kinds[i] = f._failed ? K_FAILED : K_OK;
      } else {
        (this.futs ??= new Array(n))[i] = f;
        kinds[i] = K_FUTURE;
      }
    }
    return pending;
  }

  /**
   * Makes the waitset through `make(fs, foreign)` (fs: the C futures, NULL
   * for slots, or 0 when every entry is a slot; freed after the call) and
   * completes the slots done at the call. The Waiter must call
   * `beforePoll()` from its handler's beforePoll, and is held weakly when
   * `weak` (an iterator's: its promises' reactions must not keep it).
   * Throws what a future's _cptr() or the core throws.
   * @param {(fs: number, foreign: boolean) => import('../waitset.js').Waiter} make
   * @param {boolean} weak
   */
  attach(make, weak) {
    const n = this.n;
    const futs = this.futs;
    const kinds = this.kinds;
    let fs = 0;
    let foreign = false;
    if (futs !== null) {
      fs = C.malloc(n > 0 ? n * 4 : 4);
      if (!fs) throw coreFailure('malloc', CY_ENOMEM);
    }
    let w;
    try {
      if (futs !== null) {
        const base = fs >> 2;
        heap().u32.fill(0, base, base + n); // NULL: a slot
        for (let i = 0; i < n; i++) {
          if (kinds[i] !== K_FUTURE) continue;
          const f = futs[i];
          const p = f._cptr(); // may allocate in wasm: fetch the views after it
          heap().u32[base + i] = p;
          if (!foreign && completesElsewhere(f)) foreign = true;
        }
      }
      w = make(fs, foreign);
    } finally {
      if (fs) C.free(fs);
    }
    this.target = weak ? new WeakRef(w) : w;
    // Values are done at the call: the core counts them from the start (an
    // abort before the first check reports them).
    if (this.pendingSlots < n) w.settleSlots(kinds);
    return w;
  }

  /**
   * True when the waiter can wait for the group (GROUP: every pending slot is
   * a native promise of the group, no futures): until the group fulfills or
   * a leaf is named as rejected, the core has nothing to decide, so an owner
   * with neither deadline nor signal defers making it (`defer`).
   */
  deferrable() {
    const g = this.group;
    if (this.mode !== GROUP || this.futs !== null || g === null || g.ps.length !== this.pendingSlots) return false;
    // A slot failed at the call (a thenable whose `then` getter threw) ends
    // a fail-fast gather at its first check: nothing to wait for.
    return this.pendingSlots === this.n || !anyFailed(this.kinds, this.n);
  }

  /**
   * Defers the waiter: `owner.ready(ok)` is called once, when the group
   * fulfills (ok: every slot succeeded) or a leaf's rejection is recorded;
   * the owner then asks the core over the slots as they are (decideSettled),
   * or attaches the waiter, whose first check settles every slot densely, as
   * a first check at the call does. Pending calls hold no waitset (N concurrent single gathers
   * then hold N of these and N reactions, nothing more).
   * @param {{ ready: () => void }} owner
   */
  defer(owner) { this.owner = owner; }

  /** @param {boolean} ok  every slot succeeded (the group fulfilled) */
  wake(ok) {
    const o = this.owner;
    if (o === null || this.closed) return;
    this.owner = null;
    o.ready(ok);
  }

  waiter() {
    const t = this.target;
    return t instanceof WeakRef ? t.deref() : t;
  }

  /** A slot settled after the first check: told to the core at the next poll, within a microtask. */
  settled(i) {
    if (this.closed) return;
    this.q.push(i);
    if (!this.scheduled) {
      this.scheduled = true;
      this.leafFns();
      queueMicrotask(this.pushFn);
    }
  }

  /** Polls the waiter for the slots queued (its beforePoll tells the core of them). */
  push() {
    this.scheduled = false;
    if (this.closed) return;
    const w = this.waiter();
    if (w !== undefined && w !== null) w.poll();
  }

  /**
   * Tells the core of the slots settled since the last poll: called from the
   * Waiter's beforePoll. The first call is the first check: every slot
   * settled by then is completed in one dense call (in index order, as
   * Promise.all meets inputs already settled at the call).
   * @param {import('../waitset.js').Waiter} w
   */
  beforePoll(w) {
    if (this.closed) return;
    if (!this.started) {
      this.started = true;
      this.dense = true;
    }
    if (this.dense) {
      this.dense = false;
      this.placeFirstDense(w);
      w.settleSlots(this.kinds);
    }
    const q = this.q;
    if (q.length === 0) return;
    this.q = [];
    if (this.firstReason !== NONE && !this.firstPlaced) this.firstPlaced = frontFirst(q, this.kinds, this.vals, this.firstReason);
    w.completeSlots(q, this.kinds);
  }

  /**
   * Before a dense settle: the first rejection in settlement order goes to
   * the core on its own, first, so that the core's completion order (which
   * decides a fail-fast gather) has it ahead of failures that settled in the
   * same tick after it.
   */
  placeFirstDense(w) {
    if (this.firstReason === NONE || this.firstPlaced) return;
    const i = failedWith(this.kinds, this.vals, this.n, this.firstReason);
    if (i < 0) return;
    this.firstPlaced = true;
    w.completeSlots([i], this.kinds);
  }

  /**
   * A rejection seen by a shared handler (EACH, GROUP): remember it (it is
   * the first in settlement order) and name the failed leaf or leaves: an
   * index-bound rejection handler goes on every thenable still pending.
   */
  anyFail(reason) {
    if (this.closed) return;
    if (this.firstReason === NONE) this.firstReason = reason;
    if (this.identity) return;
    this.identity = true;
    this.leafFns();
    const { kinds, vals, failFn } = this;
    for (let i = 0; i < this.n; i++) {
      if (kinds[i] === K_PENDING) vals[i].then(undefined, failFn.bind(i));
    }
  }

  /** Every promise of the group fulfilled. */
  groupOk(values) {
    const g = this.group;
    if (this.closed || g === null) return;
    this.group = null;
    if (this.groupOne) values = [values];
    if (g.idx === null) {
      // Every leaf is a promise of the group, and none failed (a rejection
      // ends the group first): the values are Promise.all's, in order. No
      // handler holds the old array: only a census binds per-leaf handlers,
      // and it ends the group first.
      this.vals = values;
      this.kinds.fill(K_OK);
    } else {
      settleGroup(this.kinds, this.vals, g.idx, values);
    }
    if (!this.started) {
      this.wake(true); // deferred: the core is asked now
      return;
    }
    this.dense = true;
    const w = this.waiter();
    if (w !== undefined && w !== null) w.poll();
  }

  /**
   * The deadline passed while grouped promises were pending: an index-bound
   * handler goes on each, and a microtask after the reactions of those
   * already settled, the waiter polls again and the core answers with them.
   * Returns false when there is no group (the core's answer stands).
   */
  census() {
    if (this.group === null) return false;
    this.group = null;
    // (A thenable adopted by Promise.resolve has its handlers already: a
    // second pair is harmless, the first to run settles the slot.)
    this.leafFns();
    const { kinds, vals, okFn, failFn } = this;
    for (let i = 0; i < this.n; i++) {
      if (kinds[i] === K_PENDING) vals[i].then(okFn.bind(i), failFn.bind(i));
    }
    if (!this.scheduled) {
      this.scheduled = true;
      this.leafFns();
      queueMicrotask(this.pushFn);
    }
    return true;
  }

  /** The state of entry i, for a done entry (a future asks its own). */
  stateOf(i) {
    const k = this.kinds[i];
    return k === K_FUTURE ? this.futs[i]._state() : k;
  }

  /** The value or error of done entry i in `state`. */
  outcome(i, state) {
    return this.kinds[i] === K_FUTURE ? this.futs[i]._outcome(state) : this.vals[i];
  }

  /** Settlements after this are ignored (the gather ended). */
  close() {
    this.closed = true;
    this.q = [];
    this.group = null;
    // The reactions on promises still pending hold this object until those
    // settle (never, for some): it must not hold the waiter, and through its
    // handler the whole gather, any longer.
    this.target = null;
    this.owner = null;
    this.cell.inp = null;
  }
}
