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
 * - GROUP_ALL: GROUP for an owner that needs every outcome (wait() for
 *   ALL_COMPLETED): after a rejection, every promise still pending is watched
 *   on its own (as by a census), and a deferred owner is woken once every
 *   slot has settled.
 *
 * Every native promise gets a reaction when the Inputs are made, whatever
 * follows, so none of their rejections goes unhandled.
 * @module concurry-wasm/gather/inputs
 */
import { wrapFuture, isPlainThenable } from '../wrap.js';
import { BaseFuture, withFuturePointers } from '../futures/base.js';
import { SyncFuture } from '../futures/sync.js';
import { settledPromiseFuture } from '../futures/promise.js';
import { microtask, STATE_PENDING, STATE_SUCCEEDED, STATE_FAILED } from '../core.js';

export const EXACT = 0;
export const EACH = 1;
export const GROUP = 2;
export const GROUP_ALL = 3;

/** Up to this many entries, kinds is a plain array: a typed array per call
 * (its buffer tracked by the GC apart) costs N concurrent small waits more
 * than their own promises do. */
const SMALL = 8;

/** kinds[0..n) = k (Array#fill costs more than the loop for a few entries). */
function fillKinds(kinds, n, k) {
  if (n > SMALL) kinds.fill(k);
  else for (let i = 0; i < n; i++) kinds[i] = k;
}

/** A fresh kinds array of n K_PENDING (0) entries. */
function newKinds(n) {
  if (n > SMALL) return new Uint8Array(n);
  const k = new Array(n); // exactly n elements (push would reserve 17)
  for (let i = 0; i < n; i++) k[i] = 0;
  return k;
}

/** A thenable not settled yet: a pending slot (vals[i] is its promise); 0, as newKinds fills. */
const K_PENDING = STATE_PENDING;
/** A plain value or a fulfilled thenable (its value in vals[i]). */
export const K_OK = STATE_SUCCEEDED;
/** A rejected thenable (its reason in vals[i]). */
const K_FAILED = STATE_FAILED;
/** An entry with a C future (futs[i]), not a slot: no state has this number. */
export const K_FUTURE = 0xfe;
/** Not classified yet (a thenable or a future-like object): only while classifying. */
const K_UNSORTED = 0xff;

/* Bits of Inputs.flags (one small integer: N concurrent waits hold N Inputs). */
/** GROUP: the group is watched and has not fulfilled. */
const F_GROUPED = 1;
/** ... it is one promise, watched by its own reaction. */
const F_GROUP_ONE = 2;
/** A poll is queued for q. */
const F_SCHEDULED = 4;
/** The first check came: settlements go through q. */
const F_STARTED = 8;
/** Settle every slot by kinds at the next poll. */
const F_DENSE = 16;
/** Settlements are ignored from now on (close). */
const F_CLOSED = 32;
/** anyFail has put index-bound rejection handlers on. */
const F_IDENTITY = 64;
/** The first rejection was told to the core ahead of the others. */
const F_FIRST_PLACED = 128;

/** No rejection seen (a reason may be any value, undefined too). */
const NONE = Symbol('none');

/*
 * The per-leaf loops live in these small functions rather than in methods:
 * V8 then optimizes each whole after a few gathers, instead of entering a
 * long method's loop through on-stack replacement and throwing the code away
 * at the first line after the loop (measured: 5-20x slower loops).
 */

/** True when every one of the n leaves is a native Promise. */
function allPromises(leaves, n) {
  for (let i = 0; i < n; i++) if (!(leaves[i] instanceof Promise)) return false;
  return true;
}

/**
 * Watches each native promise (by mode) and classifies the rest: plain
 * values are done slots, everything else is K_UNSORTED. counts[0] gets how
 * many are unsorted, counts[1] the number of native promises. (Results go
 * out through an array the caller made: a store into an object after the
 * loop, with no type feedback yet, had V8 throw the optimized loop away at
 * every call: 100k settled went from 1.25x to 1.8x Promise.all.)
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
 * The m native-promise leaves still pending among the n, into ps (their
 * indices into idx), when some leaves are not.
 */
function groupOf(leaves, kinds, n, idx, ps) {
  let t = 0;
  for (let i = 0; i < n; i++) {
    const x = leaves[i];
    if (kinds[i] === K_PENDING && x instanceof Promise) {
      idx[t] = i;
      ps[t++] = x;
    }
  }
}

/** Records the group's values (leaves no longer pending are left alone); returns how many. */
function settleGroup(kinds, vals, idx, values) {
  let m = 0;
  for (let t = 0; t < idx.length; t++) {
    const i = idx[t];
    if (kinds[i] !== K_PENDING) continue;
    vals[i] = values[t];
    kinds[i] = K_OK;
    m++;
  }
  return m;
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
function leafHandlers(cell) {
  // The hot path of a gather over promises: no method calls until started.
  /** @this {number} the leaf index */
  const okFn = function onLeafFulfilled(v) {
    const x = cell.inp;
    if (x === null) return;
    const i = this;
    const kinds = x.kinds;
    if (kinds[i] !== K_PENDING) return;
    x.vals[i] = v;
    kinds[i] = K_OK;
    x.unsettled--;
    if (x.is(F_STARTED)) x.settled(i);
    else if (x.owner !== null && x.unsettled === 0) x.wake(x.firstReason === NONE);
  };
  /** @this {number} */
  const failFn = function onLeafRejected(e) {
    const x = cell.inp;
    if (x === null) return;
    const i = this;
    const kinds = x.kinds;
    if (kinds[i] !== K_PENDING) return;
    x.vals[i] = e;
    kinds[i] = K_FAILED;
    x.unsettled--;
    if (x.is(F_STARTED)) x.settled(i);
    // Deferred: a fail-fast owner has its answer now; one that needs every
    // outcome waits for the last.
    else if (x.owner !== null && (x.mode !== GROUP_ALL || x.unsettled === 0)) x.wake(false);
  };
  const pushFn = function pushSettled() {
    const x = cell.inp;
    if (x !== null) x.push();
  };
  return { okFn, failFn, pushFn };
}

/*
 * The handlers every gather watching a group needs, bound to the Inputs'
 * cell (bound functions, no closure context); the per-leaf ones above are
 * made when first needed (Inputs.leafFns): a gather over promises that all
 * fulfill never makes one, and N concurrent single gathers hold N fewer sets
 * of them.
 */
/*
 * What they return settles the promise their reaction derives, which a
 * deferred owner hands out as its own (see defer).
 */
/** @this {{ inp: Inputs|null }} */
function onAnyRejected(e) {
  const x = this.inp;
  return x !== null ? x.anyFail(e) : undefined;
}
/** @this {{ inp: Inputs|null }} */
function onGroupFulfilled(values) {
  const x = this.inp;
  return x !== null ? x.groupOk(values) : undefined;
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
    this.kinds = newKinds(n);
    this.vals = null;            // values and reasons of slots; promises of pending ones (set below)
    this.futs = null;            // BaseFuture entries (sparse), if any
    this.flags = 0;              // F_* bits
    this.groupIdx = null;        // GROUP: the indices of the group's promises (null: every leaf)
    this.atCall = null;          // GROUP_ALL with other leaves: kinds as classified at the call
    this.q = null;               // slots settled and not yet told to the core
    this.firstReason = NONE;     // the first rejection seen, in settlement order
    this.pendingSlots = 0;       // slots not done at the call
    this.unsettled = 0;          // slots not done now
    this.npromises = 0;          // native promises among the leaves (classify)
    this.target = null;          // the Waiter, or a WeakRef to it (weak)
    this.owner = null;           // deferred: whose ready() makes the waiter once the core has work (see defer)
    this.groupDone = null;       // the promise the group's reaction derives, until defer() or attach()
    // The reactions on the thenables hold the handlers until those settle,
    // which may be never: the handlers hold only this cell, which close()
    // empties, so a finished gather leaves a few words per pending input
    // behind (as Promise.race does), not itself.
    this.cell = { inp: this };
    this.leaf = null;            // the per-leaf handlers, once made (leafFns)
    this.anyFailFn = onAnyRejected.bind(this.cell);
    const grouping = mode === GROUP || mode === GROUP_ALL;
    const leaf = grouping ? null : this.leafFns();

    let unsorted = 0;
    let m = n;
    if (grouping && n > SMALL && allPromises(leaves, n)) {
      // The common large gather, every leaf a promise: nothing to classify,
      // the snapshot is one copy of the array (and no stores one by one).
      this.vals = leaves.constructor === Array ? leaves.slice() : Array.from(leaves);
    } else {
      this.vals = new Array(n);
      const counts = [0, 0];
      classify(leaves, n, this.kinds, this.vals, leaf === null ? null : leaf.okFn, leaf === null ? null : leaf.failFn,
        this.anyFailFn, mode, counts);
      unsorted = counts[0];
      m = counts[1];
    }
    this.npromises = m;
    let pending = m;
    if (unsorted > 0) pending += this.sort(leaves);
    this.pendingSlots = pending;
    this.unsettled = pending;
    // Which slots were values (not thenables) at the call, for an owner that
    // makes a future per input at the end; null when every leaf is a thenable.
    if (mode === GROUP_ALL && pending < n) this.atCall = this.kinds.slice();
    if (grouping && m > 0) {
      this.mark(F_GROUPED, true);
      const groupOkFn = onGroupFulfilled.bind(this.cell);
      // One promise needs no Promise.all: a reaction of its own observes it
      // (its rejection handled) for a fraction of the cost.
      if (m === n) {
        if (m === 1) {
          this.mark(F_GROUP_ONE, true);
          this.groupDone = /** @type {Promise<unknown>} */ (leaves[0]).then(groupOkFn, this.anyFailFn);
        } else {
          this.groupDone = Promise.all(leaves).then(groupOkFn, this.anyFailFn);
        }
      } else {
        const idx = new Uint32Array(m);
        const ps = new Array(m);
        groupOf(leaves, this.kinds, n, idx, ps);
        this.groupIdx = idx;
        if (m === 1) {
          this.mark(F_GROUP_ONE, true);
          this.groupDone = ps[0].then(groupOkFn, this.anyFailFn);
        } else {
          this.groupDone = Promise.all(ps).then(groupOkFn, this.anyFailFn);
        }
      }
    }
  }

  /** Whether flag `bit` (F_*) is set. @param {number} bit @returns {boolean} */
  is(bit) { return (this.flags & bit) !== 0; }
  /** Sets or clears flag `bit` (F_*). @param {number} bit @param {boolean} v */
  mark(bit, v) { this.flags = v ? this.flags | bit : this.flags & ~bit; }
  /** The first check came (for an iterator serving next()). @returns {boolean} */
  get started() { return this.is(F_STARTED); }

  /** The per-leaf handlers (okFn, failFn, pushFn, bound to this Inputs' cell), made when first needed. */
  leafFns() {
    return this.leaf ??= leafHandlers(this.cell);
  }

  /** Classifies the K_UNSORTED leaves; returns how many became pending slots. */
  sort(leaves) {
    const { okFn, failFn } = this.leafFns();
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
        p.then(okFn.bind(i), mode === EXACT ? failFn.bind(i) : this.anyFailFn);
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
    this.groupDone = null;
    const w = this.futs === null ? make(0, false) : withFuturePointers(this.futs, n, make);
    this.target = weak ? new WeakRef(w) : w;
    // Values are done at the call: the core counts them from the start (an
    // abort before the first check reports them).
    if (this.pendingSlots < n) w.settleSlots(this.kinds);
    return w;
  }

  /**
   * True when the waiter can wait for the group (GROUP: every pending slot is
   * a native promise of the group, no futures): until the group fulfills or
   * a leaf is named as rejected, the core has nothing to decide, so an owner
   * with neither deadline nor signal defers making it (`defer`).
   */
  deferrable() {
    if (!this.is(F_GROUPED) || this.futs !== null || this.npromises !== this.pendingSlots) return false;
    // A slot failed at the call (a thenable whose `then` getter threw) ends
    // a fail-fast gather at its first check: nothing to wait for.
    return this.mode === GROUP_ALL || this.pendingSlots === this.n || !anyFailed(this.kinds, this.n);
  }

  /**
   * Defers the waiter: `owner.ready(ok)` is called once, when the group
   * fulfills (ok: every slot succeeded) or a leaf's rejection is recorded
   * (GROUP_ALL: once every slot has settled);
   * the owner then asks the core over the slots as they are (decideSettled),
   * or attaches the waiter, whose first check settles every slot densely, as
   * a first check at the call does. Pending calls hold no waitset (N concurrent single gathers
   * then hold N of these and N reactions, nothing more).
   *
   * Returns the promise the group's reaction derives: it settles with what
   * the reaction returns, which is what `owner.ready(ok)` returns when the
   * group fulfills (the outcome, or a promise of it), and when the group
   * rejects, `owner.later()` (a promise of the outcome): the owner may hand
   * it out as its own promise and make none.
   * @param {{ ready: (ok: boolean) => unknown, later: () => Promise<unknown> }} owner
   * @returns {Promise<unknown>}
   */
  defer(owner) {
    this.owner = owner;
    const p = this.groupDone;
    this.groupDone = null;
    return p;
  }

  /** @param {boolean} ok  every slot succeeded (the group fulfilled) */
  wake(ok) {
    const o = this.owner;
    if (o === null || this.is(F_CLOSED)) return undefined;
    this.owner = null;
    return o.ready(ok);
  }

  waiter() {
    const t = this.target;
    return t instanceof WeakRef ? t.deref() : t;
  }

  /** A slot settled after the first check: told to the core at the next poll, within a microtask. */
  settled(i) {
    if (this.is(F_CLOSED)) return;
    (this.q ??= []).push(i);
    if (!this.is(F_SCHEDULED)) {
      this.mark(F_SCHEDULED, true);
      microtask(this.leafFns().pushFn);
    }
  }

  /** Polls the waiter for the slots queued (its beforePoll tells the core of them). */
  push() {
    this.mark(F_SCHEDULED, false);
    if (this.is(F_CLOSED)) return;
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
    if (this.is(F_CLOSED)) return;
    if (!this.is(F_STARTED)) {
      this.mark(F_STARTED, true);
      this.mark(F_DENSE, true);
    }
    if (this.is(F_DENSE)) {
      this.mark(F_DENSE, false);
      this.placeFirstDense(w);
      w.settleSlots(this.kinds);
    }
    const q = this.q;
    if (q === null || q.length === 0) return;
    this.q = null;
    if (this.firstReason !== NONE && !this.is(F_FIRST_PLACED)) this.mark(F_FIRST_PLACED, frontFirst(q, this.kinds, this.vals, this.firstReason));
    w.completeSlots(q, this.kinds);
  }

  /**
   * Before a dense settle: the first rejection in settlement order goes to
   * the core on its own, first, so that the core's completion order (which
   * decides a fail-fast gather) has it ahead of failures that settled in the
   * same tick after it.
   */
  placeFirstDense(w) {
    if (this.firstReason === NONE || this.is(F_FIRST_PLACED)) return;
    const i = failedWith(this.kinds, this.vals, this.n, this.firstReason);
    if (i < 0) return;
    this.mark(F_FIRST_PLACED, true);
    w.completeSlots([i], this.kinds);
  }

  /**
   * A rejection seen by a shared handler (EACH, GROUP, GROUP_ALL): remember
   * it (it is the first in settlement order) and name the failed leaf or
   * leaves: an index-bound rejection handler goes on every thenable still
   * pending (GROUP_ALL: both handlers, as every outcome is wanted).
   */
  anyFail(reason) {
    if (this.is(F_CLOSED)) return undefined;
    if (this.firstReason === NONE) this.firstReason = reason;
    if (this.is(F_IDENTITY)) return undefined;
    this.mark(F_IDENTITY, true);
    if (this.mode === GROUP_ALL) {
      this.endGroup();
      this.watchEach(true);
    } else {
      this.watchEach(false);
    }
    // Deferred: the group's promise (defer) follows the owner's outcome.
    return this.owner !== null ? this.owner.later() : undefined;
  }

  /** The group no longer settles its slots (it rejected, or a census took over). */
  endGroup() {
    this.mark(F_GROUPED, false);
    this.groupIdx = null;
  }

  /** An index-bound rejection handler (and fulfillment one, if `both`) on every pending slot. */
  watchEach(both) {
    const { okFn, failFn } = this.leafFns();
    const { kinds, vals } = this;
    for (let i = 0; i < this.n; i++) {
      if (kinds[i] === K_PENDING) vals[i].then(both ? okFn.bind(i) : undefined, failFn.bind(i));
    }
  }

  /** Every promise of the group fulfilled. */
  groupOk(values) {
    if (this.is(F_CLOSED) || !this.is(F_GROUPED)) return undefined;
    const idx = this.groupIdx;
    this.endGroup();
    if (idx === null) {
      // Every leaf is a promise of the group, and none failed (a rejection
      // ends the group first): the values are Promise.all's, in order (or
      // the one promise's value). No handler holds the old array: only a
      // census binds per-leaf handlers, and it ends the group first.
      if (this.is(F_GROUP_ONE)) this.vals[0] = values;
      else this.vals = values;
      fillKinds(this.kinds, this.n, K_OK);
      this.unsettled -= this.n;
    } else {
      this.unsettled -= settleGroup(this.kinds, this.vals, idx, this.is(F_GROUP_ONE) ? [values] : values);
    }
    // Deferred: the core is asked now, and the group's promise (defer)
    // settles with what the owner makes of its answer.
    if (!this.is(F_STARTED)) return this.wake(true);
    this.mark(F_DENSE, true);
    const w = this.waiter();
    if (w !== undefined && w !== null) w.poll();
    return undefined;
  }

  /**
   * The deadline passed while grouped promises were pending: an index-bound
   * handler goes on each, and a microtask after the reactions of those
   * already settled, the waiter polls again and the core answers with them.
   * Returns false when there is no group (the core's answer stands).
   */
  census() {
    if (!this.is(F_GROUPED)) return false;
    this.endGroup();
    // (A thenable adopted by Promise.resolve has its handlers already: a
    // second pair is harmless, the first to run settles the slot.)
    this.watchEach(true);
    if (!this.is(F_SCHEDULED)) {
      this.mark(F_SCHEDULED, true);
      microtask(this.leafFns().pushFn);
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

  /**
   * A future per entry, into `out`, once every entry is done (wait() hands
   * them back): an entry's own future; for a slot that was a thenable, a
   * PromiseFuture done from the start with its outcome (settledPromiseFuture:
   * no C future, no reaction); for a value, the SyncFuture wrapFuture gives it.
   * @param {Set<BaseFuture>} out
   * @returns {Set<BaseFuture>} out
   */
  futures(out) {
    const { n, kinds, vals, futs, atCall } = this;
    for (let i = 0; i < n; i++) {
      const k = kinds[i];
      if (k === K_FUTURE) out.add(futs[i]);
      else if (atCall !== null && atCall[i] !== K_PENDING) out.add(k === K_FAILED ? SyncFuture.failed(vals[i]) : new SyncFuture(vals[i]));
      else out.add(settledPromiseFuture(vals[i], k === K_FAILED));
    }
    return out;
  }

  /** Settlements after this are ignored (the gather ended). */
  close() {
    this.mark(F_CLOSED, true);
    this.q = null;
    this.endGroup();
    // The reactions on promises still pending hold this object until those
    // settle (never, for some): it must not hold the waiter, and through its
    // handler the whole gather, any longer.
    this.target = null;
    this.owner = null;
    this.groupDone = null;
    this.cell.inp = null;
  }
}
