/**
 * The JS driver of the core's cy_waitset: every wait(), gather(), iterator and
 * future.result() is one Waiter. The core decides (cy_waitset_poll: the
 * return condition, the deadline, probe rounds, progress cadence); this file
 * only decides *when to ask*, event-driven:
 *   - a completion made on this thread (a PromiseFuture's settle reaction, a
 *     cancel) names its future (`futureDone`), and `notify()` then polls the
 *     waiters listed under that future, and only those: O(1) per completion
 *     however many waits are pending;
 *   - a timer runs only when the core names a wakeup (cy_waitset_next_wakeup_ms
 *     >= 0: the wait's deadline or a probe round for probe-only futures);
 *   - futures completed on C threads wake us through Atomics.waitAsync on the
 *     waitset's signal word (armed only when such futures are pending).
 * @module concurry-wasm/waitset
 */
import {
  C, Module, heap, heapTo, waitsetCreate, waitsetTake, keepAlive, addFunction, PROGRESS, DONE_FUTURE, scratchA, coreFailure,
  singleThreaded,
  CY_ETIMEDOUT, CY_EAGAIN, CY_EOF, CY_ECANCELED, STATE_FAILED, STATE_CANCELLED,
} from './core.js';
import { readReport } from './progress.js';
import { PollingStrategy } from './polling.js';
import { config } from './config.js';

/* Atomics.waitAsync is in V8 (Node, Chromium) but not in every engine, and
 * not over the single-threaded core's memory (not shared: it throws there). */
const HAS_WAIT_ASYNC = typeof Atomics.waitAsync === 'function' && !singleThreaded;

/** Waiters with pending conditions. */
const active = new Set();
/*
 * Waiters of gather iterators between next() calls, held weakly: an iterator
 * its user dropped without return() can never be read again, so nothing here
 * may keep it (and its waitset) alive; the iterator's FinalizationRegistry
 * frees the waitset. While a next() is pending the iterator is held strongly
 * (setWeak(false)): the code awaiting it may be reachable only through that
 * promise, whose resolver only the iterator holds, and would be collected
 * with it, never to resume. A wait()/gather() promise is observed the same
 * way, so those are held strongly until they settle.
 */
const weakActive = new Set();

/*
 * Who to poll when a future completes on this thread: cy_future* -> an entry
 * or a Set of entries, an entry being an active Waiter over that future (its
 * WeakRef for a waiter held weakly). A waiter is listed under each future of
 * its waitset from start() until it stops, so a completion reaches exactly
 * the waits over it. Scanning every active waiter on every completion instead
 * made N concurrent single waits cost O(N^2).
 */
const watchers = new Map();
/** Waiters whose futures completed since the last notify(). */
let dirty = [];

/** Counters for tests and diagnostics: `notified` counts waiters notify() looked at. */
export const stats = { notified: 0 };

/** The longest setTimeout delay (a signed 32-bit count of ms). */
const MAX_TIMER_MS = 0x7fffffff;

/* Pushes JS completions queued for the core (set by futures/promise.js), so a
 * poll never sees the core behind a settled promise. */
let prePoll = null;
/** @param {() => void} fn */
export function setPrePoll(fn) { prePoll = fn; }

/* ---- progress: one trampoline for every waiter --------------------------- */

// id -> WeakRef<Waiter>: weak, so that a waiter nobody holds (an abandoned
// gather iterator) can still be collected and its waitset finalized.
const progressWaiters = new Map();
let nextProgressId = 1;
const progressFn = addFunction((p, arg) => {
  const ref = progressWaiters.get(arg);
  const w = ref && ref.deref();
  if (!w || !w.progressCb) return;
  const report = readReport(heap(), p, PROGRESS);
  let r;
  try {
    r = w.progressCb(report);
    if (r !== null && (typeof r === 'object' || typeof r === 'function')) {
      const then = r.then;
      if (typeof then === 'function') then.call(r, undefined, asyncProgressFailure(ref));
    }
  } catch (e) {
    // Never unwind through the core: remember it and reject the wait with it.
    if (w.progressError === undefined) w.progressError = e;
  }
}, 'vii');

/*
 * A progress callback's result is not awaited (the core sets the cadence),
 * but an async one's rejection is its throw, a little later: it ends the wait
 * with that error if the wait is still pending, and is never left unhandled.
 * Made outside the trampoline so that the handler holds only the WeakRef.
 */
function asyncProgressFailure(ref) {
  return (e) => {
    const w = ref.deref();
    if (w === undefined || w.freed || w.progressError !== undefined) return;
    w.progressError = e;
    w.abort(e);
  };
}

/** The handler of a freed waiter: what reaches it is about a wait that ended. */
const FREED = Object.freeze({ onPoll() {}, onAbort() {}, beforePoll: undefined });

/**
 * @typedef {object} WaiterOptions
 * @property {number} returnWhen      core code (0 all, 1 first completed, 2 first exception)
 * @property {number} timeout         ms, -1 none
 * @property {string|null} polling    strategy name or null (config default)
 * @property {number} strategy        cy_polling* of a strategy instance, or 0
 * @property {import('./progress.js').ProgressSpec|null} progress
 * @property {boolean} returnExceptions
 * @property {boolean} foreign        some future completes on another thread
 * @property {AbortSignal|null} signal
 */

/**
 * One cy_waitset and the events that make us poll it. `onPoll(rc, waiter)` is
 * called after every poll that is not CY_EAGAIN (0: the condition holds;
 * CY_ETIMEDOUT), and also on CY_EAGAIN when `wantsEveryPoll` is set (the
 * iterator takes new items then). `onAbort(reason)` when the signal aborts or
 * a progress callback threw. An optional `beforePoll(waiter)` runs before
 * every question to the core: an owner whose inputs are slots tells the core
 * there of the slots settled since (so no poll sees the core behind them).
 */
export class Waiter {
  /**
   * @param {number} fs  pointer to n cy_future pointers (copied by the core)
   * @param {number} n
   * @param {WaiterOptions} o
   * @param {{ onPoll: (rc: number, w: Waiter) => void, onAbort: (reason: unknown, w: Waiter) => void,
   *   beforePoll?: (w: Waiter) => void }} handler
   */
  constructor(fs, n, o, handler) {
    this.handler = handler;
    this.n = n;
    this.timer = null;
    this.freed = false;
    this.armed = false;
    this.foreign = o.foreign;
    this.holding = false;
    this.progressCb = null;
    this.progressError = undefined;
    this.progressId = 0;
    // A bar's start (progress.js): shown when listening starts, before any report.
    this.progressStart = o.progress && typeof o.progress.start === 'function' ? o.progress.start : null;
    this.wantsEveryPoll = false;
    this.signal = o.signal;
    this.pollingName = o.polling;  // for pace()
    this.pacer = null;
    this.paceTimer = null;
    this.abortListener = null;
    this.weak = false;  // held weakly while active (setWeak)
    this.weakable = false; // an iterator's: its abort listener must not hold it
    this.ref = null;
    this.left = undefined; // what leftovers() gave a FinalizationRegistry, if asked
    this.dirty = false;     // queued in `dirty`
    this.cleanupError = undefined; // what the signal's removeEventListener threw in free()
    this.watching = false;  // listed in `watchers`
    // The futures to be listed under: one pointer, or a copy of the array (the
    // caller frees fs); slots (NULL) and the core's shared done futures are
    // skipped when listing.
    this.watch = fs === 0 || n === 0 ? null : n === 1 ? heap().u32[fs >> 2] : heap().u32.slice(fs >> 2, (fs >> 2) + n);
    let progFn = 0;
    if (o.progress && o.progress.callback) {
      this.progressCb = o.progress.callback;
      this.progressId = nextProgressId++;
      if (nextProgressId > 0x7fffffff) nextProgressId = 1;
      progressWaiters.set(this.progressId, new WeakRef(this));
      progFn = progressFn;
    }
    try {
      this.ws = waitsetCreate(fs, n, {
        returnWhen: o.returnWhen,
        timeout: o.timeout,
        polling: o.polling,
        strategy: o.strategy,
        progressFn: progFn,
        progressArg: this.progressId,
        miniters: o.progress ? o.progress.miniters : 0,
        returnExceptions: o.returnExceptions,
      });
    } catch (e) {
      if (this.progressId) progressWaiters.delete(this.progressId);
      throw e;
    }
    this.sig = C.cy_waitset_signal(this.ws) >> 2;
    this.last = -1;
  }

  /**
   * Starts listening (after a first poll said CY_EAGAIN). A signal that
   * aborted before this ends the wait now (its event has already fired).
   * Throws what the signal's addEventListener throws, the waiter freed.
   */
  start() {
    if (this.freed) return;
    if (this.signal && this.signal.aborted) {
      this.abort(this.signal.reason);
      return;
    }
    if (this.weak) {
      this.ref ??= new WeakRef(this);
      weakActive.add(this.ref);
    } else {
      active.add(this);
    }
    this.list();
    if (this.signal) {
      const signal = this.signal;
      let listener;
      if (this.weakable) {
        this.ref ??= new WeakRef(this);
        listener = weakAbortListener(this.ref, signal);
      } else {
        listener = () => this.abort(signal.reason);
      }
      try {
        signal.addEventListener('abort', listener, { once: true });
      } catch (e) {
        this.free();
        throw e;
      }
      this.abortListener = listener;
      // A weak waiter collected without free() takes it off the signal then.
      if (this.left !== undefined) { this.left.signal = signal; this.left.listener = listener; }
    }
    if (this.foreign) { keepAlive(true); this.holding = true; }
    this.schedule();
    if (this.progressStart !== null) this.showStart();
  }

  /**
   * A bar is shown when the wait starts listening, at 0 of n (the core has
   * reported nothing yet; a bar that had a report ignores it): a bar only,
   * progress callbacks get the core's reports alone. A throw (the bar's
   * stream) ends the wait, as a throwing progress callback does.
   */
  showStart() {
    const show = this.progressStart;
    this.progressStart = null;
    try {
      show({ completed: 0, failed: 0, total: this.n, elapsedMs: 0, final: false });
    } catch (e) {
      this.abort(e);
    }
  }

  /**
   * The first check, one microtask after the call that made this waiter:
   * inputs that were already settled at that call (resolved Promises, values,
   * done futures) reach the core first, so that a timeout of 0 means "what
   * was done at the call" for every kind of input. Then listens if pending.
   * Never throws: a failure ends the wait through the handler's onAbort.
   */
  begin() {
    queueMicrotask(() => {
      if (this.freed) return;
      if (this.poll() !== CY_EAGAIN || this.freed) return;
      const handler = this.handler; // start() frees the waiter before it throws
      try {
        this.start();
      } catch (e) {
        handler.onAbort(e, this);
      }
    });
  }

  /** Lists this waiter under each of its futures (see `watchers`). */
  list() {
    const watch = this.watch;
    if (watch === null || this.watching) return;
    this.watching = true;
    const entry = this.weakable ? (this.ref ??= new WeakRef(this)) : this;
    if (typeof watch === 'number') { addWatcher(watch, entry); return; }
    for (let i = 0; i < watch.length; i++) addWatcher(watch[i], entry);
  }

  /** Takes this waiter off the futures' lists. */
  unlist() {
    if (!this.watching) return;
    this.watching = false;
    const watch = this.watch;
    const entry = this.weakable ? this.ref : this;
    if (typeof watch === 'number') { removeWatcher(watch, entry); return; }
    for (let i = 0; i < watch.length; i++) removeWatcher(watch[i], entry);
  }

  /**
   * Asks the core. Returns its answer (0, CY_ETIMEDOUT, CY_EAGAIN); reports
   * it to the handler as described on the class.
   */
  poll() {
    if (this.freed) return CY_EAGAIN;
    if (prePoll !== null) prePoll();
    if (this.handler.beforePoll !== undefined) {
      try {
        this.handler.beforePoll(this);
      } catch (e) {
        this.abort(e);
        return CY_EAGAIN;
      }
    }
    this.last = heap().u32[this.sig];
    const rc = C.cy_waitset_poll(this.ws);
    if (this.progressError !== undefined) {
      this.abort(this.progressError);
      return CY_EAGAIN;
    }
    if (rc !== CY_EAGAIN || this.wantsEveryPoll) {
      // Polls run from microtasks and timers: a throw here (a future's
      // _outcome() of a user subclass, say) would be uncaught and end the
      // process. It ends this wait instead.
      try {
        this.handler.onPoll(rc, this);
      } catch (e) {
        this.abort(e);
        return CY_EAGAIN;
      }
    }
    if (rc === CY_EAGAIN && !this.freed && this.isActive()) this.schedule();
    else if (rc !== CY_EAGAIN && !this.freed) this.stop();
    return rc;
  }

  /** Sets the timer the core asks for, and the Atomics wake for C threads. */
  schedule() {
    if (this.freed) return;
    const wake = C.cy_waitset_next_wakeup_ms(this.ws);
    if (this.timer !== null) { clearTimeout(this.timer); this.timer = null; }
    if (wake >= 0) {
      // Timers take at most 2^31-1 ms (~24.8 days); a longer delay fires after
      // 1 ms, which would poll in a loop. Waking early is harmless: the core
      // names the rest of the wait.
      this.timer = setTimeout(onTimer, Math.min(Math.ceil(wake), MAX_TIMER_MS), this);
      if (this.weak) unrefTimer(this.timer, true);
    }
    if (this.foreign && !this.armed) this.arm();
  }

  arm() {
    if (!HAS_WAIT_ASYNC) { this.pace(); return; }
    // Sleep on the word as the last poll saw it (this.last), not as it is
    // now: a completion between that poll and cy_waitset_arm bumped it
    // without a wake (nobody was armed yet), and waiting on the bumped value
    // would sleep through it. A moved word returns at once ('not-equal').
    C.cy_waitset_arm(this.ws);
    const i32 = heap().i32;
    const res = Atomics.waitAsync(i32, this.sig, this.last | 0);
    if (!res.async) {
      queueMicrotask(() => { if (!this.freed) this.poll(); });
      return;
    }
    this.armed = true;
    res.value.then(() => {
      this.armed = false;
      if (!this.freed) this.poll();
    });
  }

  /*
   * Without Atomics.waitAsync (Firefox; Safari before 16.4) a completion on a
   * C thread cannot wake this thread, so those futures cannot notify: as for
   * any such future, the wait looks on a timer paced by a polling strategy,
   * of the wait's polling name or else the config's default.
   */
  pace() {
    const strategy = this.pacer ??= PollingStrategy.create(this.pollingName ?? config.defaults.defaultPolling);
    const seen = heap().u32[this.sig];
    this.armed = true;
    this.paceTimer = setTimeout(() => {
      this.paceTimer = null;
      this.armed = false;
      if (this.freed) return;
      if (heap().u32[this.sig] !== seen) strategy.recordCompletion();
      else strategy.recordNoCompletion();
      this.poll();
    }, Math.max(0, strategy.nextInterval()));
  }

  isActive() { return this.weak ? weakActive.has(this.ref) : active.has(this); }

  /** Holds this waiter weakly (true) or strongly (false) while it is active. */
  setWeak(weak) {
    if (this.weak === weak) return;
    const was = !this.freed && this.isActive();
    if (was) this.deactivate();
    this.weak = weak;
    if (weak) this.ref ??= new WeakRef(this);
    if (this.timer !== null) unrefTimer(this.timer, weak);
    if (was) {
      if (weak) weakActive.add(this.ref);
      else active.add(this);
    }
  }

  /** Stops listening (timers, wakeups) but keeps the waitset (items may remain to take). */
  stop() {
    this.deactivate();
    this.unlist();
    if (this.timer !== null) { clearTimeout(this.timer); this.timer = null; }
    if (this.paceTimer !== null) { clearTimeout(this.paceTimer); this.paceTimer = null; this.armed = false; }
    if (this.holding) { keepAlive(false); this.holding = false; }
  }

  /**
   * The final progress report, before the wait settles. A progress callback
   * that throws on it ends the wait with that error, as a throw on an earlier
   * report does: the handler's onAbort gets it and the waiter is freed.
   * Returns false then (the caller must not settle the wait itself), true
   * otherwise.
   * @returns {boolean}
   */
  finish() {
    if (this.freed || !this.progressCb) return true;
    C.cy_waitset_finish(this.ws);
    if (this.progressError === undefined) return true;
    const e = this.progressError;
    this.handler.onAbort(e, this);
    this.free();
    return false;
  }

  deactivate() {
    if (this.weak) weakActive.delete(this.ref);
    else active.delete(this);
  }

  /**
   * Stops listening; frees the waitset. Idempotent; never throws, so that no
   * caller is left with a promise it did not settle: if the signal's
   * removeEventListener throws, everything else is released and the error is
   * kept in `cleanupError` (wait() rejects with it).
   */
  free() {
    if (this.freed) return;
    this.freed = true;
    this.deactivate();
    this.unlist();
    if (this.timer !== null) { clearTimeout(this.timer); this.timer = null; }
    if (this.paceTimer !== null) { clearTimeout(this.paceTimer); this.paceTimer = null; }
    if (this.progressId) progressWaiters.delete(this.progressId);
    if (this.holding) { keepAlive(false); this.holding = false; }
    if (this.armed) {
      // Release our pending Atomics.waitAsync before the memory is reused.
      Atomics.notify(heap().i32, this.sig);
    }
    C.cy_waitset_free(this.ws);
    this.ws = 0;
    const listener = this.abortListener;
    if (listener) {
      this.abortListener = null;
      try {
        this.signal.removeEventListener('abort', listener);
      } catch (e) {
        this.cleanupError = e;
      }
    }
    // A WeakRef made during this microtask checkpoint keeps its target until
    // the checkpoint ends, which a loop of awaits on settled promises
    // postpones indefinitely: a freed waiter holds nothing of its owner then.
    this.handler = FREED;
    this.watch = null;
    this.signal = null;
    this.pacer = null;
    this.progressCb = null;
    this.progressStart = null;
  }

  /**
   * Ends the wait with `reason` (the signal aborted, or a progress callback
   * threw). An abort by the signal still gets the final progress report first
   * (DESIGN.md: delivered before the wait settles); a throwing progress
   * callback is not called again, and if the final report throws, the wait
   * ends with that error instead.
   * @param {unknown} reason
   */
  abort(reason) {
    if (this.freed) return;
    if (this.progressError === undefined && !this.finish()) return;
    this.handler.onAbort(reason, this);
    this.free();
  }

  /**
   * What finalizing this waiter's owner must release if it was never freed:
   * holds no reference back to the waiter (or its owner), so a
   * FinalizationRegistry can hold it.
   * @returns {{ ws: number, progressId: number, watch: number|Uint32Array|null, ref: WeakRef<Waiter>|null,
   *   signal: AbortSignal|null, listener: Function|null }}
   */
  leftovers() {
    // A weakable waiter (an iterator's) is active and listed as its WeakRef.
    if (this.weakable) this.ref ??= new WeakRef(this);
    // Kept: start() adds the abort listener to it (a weak one, holding no waiter).
    this.left = {
      ws: this.ws, progressId: this.progressId, watch: this.weakable ? this.watch : null, ref: this.ref,
      signal: null, listener: null,
    };
    if (this.abortListener) { this.left.signal = this.signal; this.left.listener = this.abortListener; }
    return this.left;
  }

  doneCount() { return this.freed ? 0 : C.cy_waitset_done_count(this.ws); }

  /* ---- slots and outcomes: the owner's door into the waitset ------------- */

  /**
   * The dense settle: states[i] (CY_STATE_*) for every entry; a pending slot
   * whose state is SUCCEEDED, FAILED or CANCELLED is completed, any other
   * value (and every future entry, or a slot already done) is left as it is.
   * Slots completed together are in index order in the completion order.
   * @param {Uint8Array} states n entries
   */
  settleSlots(states) {
    if (this.freed || this.n === 0) return;
    const p = scratchA.get(this.n);
    heap().u8.set(states, p);
    C.cy_waitset_settle_slots(this.ws, p);
  }

  /**
   * Completes the slots indices[0..k), in that order, each with the state
   * states[index] (CY_STATE_SUCCEEDED, _FAILED or _CANCELLED; anything else
   * counts as succeeded). Slots already done are skipped by the core.
   * @param {number[]} indices
   * @param {Uint8Array} states indexed by entry
   */
  completeSlots(indices, states) {
    const k = indices.length;
    if (this.freed || k === 0) return;
    const base = scratchA.get(k * 8);
    const v = heap();
    const u32 = v.u32;
    const i32 = v.i32;
    const p = base >> 2;
    u32.set(indices, p);
    for (let j = 0; j < k; j++) {
      const s = states[indices[j]];
      i32[p + k + j] = s === STATE_FAILED ? 1 : s === STATE_CANCELLED ? CY_ECANCELED : 0;
    }
    C.cy_waitset_complete_slots(this.ws, base, base + k * 4, k);
  }

  /** @returns {Uint8Array} the CY_STATE_* of every entry (a future's or a slot's) */
  states() {
    const n = this.n;
    if (this.freed || n === 0) return new Uint8Array(n);
    const p = scratchA.get(n);
    C.cy_waitset_states(this.ws, p);
    return heap().u8.slice(p, p + n);
  }

  /** @returns {number} entries done with a failure or cancelled */
  failedCount() { return this.freed ? 0 : C.cy_waitset_failed_count(this.ws); }

  /** @returns {Uint8Array} 1 for every entry that is done, 0 for the others */
  doneFlags() {
    const n = this.n;
    if (this.freed || n === 0) return new Uint8Array(n);
    const p = scratchA.get(n);
    C.cy_waitset_done_flags(this.ws, p);
    return heap().u8.slice(p, p + n);
  }

  /**
   * Takes up to `max` entries from the completion order: their indices, in
   * the order they completed (empty when none is waiting), or null once every
   * entry has been taken.
   * @param {number} max
   * @returns {Uint32Array|null}
   */
  take(max) {
    if (this.freed) return null;
    const p = scratchA.get(max * 4);
    const k = waitsetTake(this.ws, p, max);
    if (k === CY_EOF) return null;
    if (k <= 0) return new Uint32Array(0);
    return heap().u32.slice(p >> 2, (p >> 2) + k);
  }
}

/**
 * A waitset driven by a thread that blocks on it (waitSync, gatherSync): no
 * events, timers or progress trampoline; the caller asks, sleeps on the
 * signal word between checks (Atomics.wait), and frees it. The door into the
 * core for the blocking forms, as Waiter is for the async ones.
 */
export class BlockingWaiter {
  /**
   * @param {number} fs pointer to n cy_future pointers (copied by the core)
   * @param {number} n
   * @param {{ returnWhen: number, timeout: number, polling: string|null, strategy: number }} o
   */
  constructor(fs, n, o) {
    this.n = n;
    this.ws = waitsetCreate(fs, n, {
      returnWhen: o.returnWhen, timeout: o.timeout, polling: o.polling, strategy: o.strategy,
      progressFn: 0, progressArg: 0, miniters: 0,
    });
    /** Index of the signal word in heap().i32: it moves after every completion. */
    this.sig = C.cy_waitset_signal(this.ws) >> 2;
  }

  /** @returns {number} 0 (the condition holds), CY_ETIMEDOUT or CY_EAGAIN */
  poll() { return C.cy_waitset_poll(this.ws); }

  /**
   * Announces that the caller is about to sleep on the signal word; returns
   * the ms until the core wants to be asked again (< 0: only a completion).
   */
  prepareSleep() {
    const wake = C.cy_waitset_next_wakeup_ms(this.ws);
    C.cy_waitset_arm(this.ws);
    return wake;
  }

  doneCount() { return C.cy_waitset_done_count(this.ws); }

  failedCount() { return C.cy_waitset_failed_count(this.ws); }

  /** @returns {Uint8Array} 1 for every entry that is done, 0 for the others */
  doneFlags() {
    const n = this.n;
    if (n === 0) return new Uint8Array(0);
    const p = scratchA.get(n);
    C.cy_waitset_done_flags(this.ws, p);
    return heap().u8.slice(p, p + n);
  }

  free() {
    if (this.ws === 0) return;
    C.cy_waitset_free(this.ws);
    this.ws = 0;
  }
}

/**
 * A weak waiter's timer does not keep a Node process alive (nothing can wait
 * on the timeout of an iterator nobody calls next() on); a strong one does.
 * Browsers' timer ids are numbers, with nothing to do.
 */
function unrefTimer(t, unref) {
  if (typeof t !== 'object' || t === null) return;
  if (unref) { if (typeof t.unref === 'function') t.unref(); } else if (typeof t.ref === 'function') t.ref();
}

/**
 * Releases what `leftovers()` named, for a waiter that was garbage-collected
 * without free() (nothing can poll it any more).
 * @param {{ ws: number, progressId: number }} l
 */
export function freeLeftovers(l) {
  if (l.progressId) progressWaiters.delete(l.progressId);
  if (l.listener) {
    // A long-lived signal would otherwise keep one listener per dropped iterator.
    try { l.signal.removeEventListener('abort', l.listener); } catch { /* the signal's own failure: nothing to free */ }
  }
  // A collected weak waiter may still be active and listed, as its dead WeakRef.
  if (l.ref !== null) weakActive.delete(l.ref);
  if (l.watch !== null && l.ref !== null) {
    if (typeof l.watch === 'number') removeWatcher(l.watch, l.ref);
    else for (let i = 0; i < l.watch.length; i++) removeWatcher(l.watch[i], l.ref);
  }
  C.cy_waitset_free(l.ws);
}

/**
 * The core's verdict on n slots (entries without a C future) whose states are
 * all known at once, as a waitset of those slots with no deadline, settled
 * densely with `states` and polled once, would give: for a wait deferred
 * until its promises settled (no deadline, progress or signal). The core
 * decides (cy_slots_condition) without a waitset: nothing is allocated and
 * no clock is read.
 * Returns 0 (the condition holds) or CY_EAGAIN (it does not).
 * @param {number} n
 * @param {ArrayLike<number>} states n entries, CY_STATE_* (as Waiter.settleSlots takes them)
 * @param {number} returnWhen the core's return condition
 * @returns {number}
 */
export function decideSettled(n, states, returnWhen) {
  let p = 0;
  if (n !== 0) {
    p = scratchA.get(n);
    heap().u8.set(states, p);
  }
  const rc = C.cy_slots_condition(returnWhen, p, n);
  if (rc !== 0 && rc !== CY_EAGAIN) throw coreFailure('cy_slots_condition', rc);
  return rc;
}

/**
 * decideSettled for one settled slot: the core's verdict on a wait over one
 * entry in `state` (CY_STATE_*), for a wait over one promise that had
 * nothing to listen to before it settled. Returns 0 or CY_EAGAIN.
 * @param {number} state
 * @param {number} returnWhen
 * @returns {number}
 */
export function decideOne(state, returnWhen) {
  const p = scratchA.get(1);
  heapTo(p + 1).u8[p] = state;
  const rc = C.cy_slots_condition(returnWhen, p, 1);
  if (rc !== 0 && rc !== CY_EAGAIN) throw coreFailure('cy_slots_condition', rc);
  return rc;
}

function addWatcher(ptr, entry) {
  if (ptr === 0 || ptr === DONE_FUTURE[0] || ptr === DONE_FUTURE[1] || ptr === DONE_FUTURE[2]) return;
  const e = watchers.get(ptr);
  if (e === undefined) watchers.set(ptr, entry);
  else if (e instanceof Set) e.add(entry);
  else if (e !== entry) watchers.set(ptr, new Set([e, entry]));
}

function removeWatcher(ptr, entry) {
  const e = watchers.get(ptr);
  if (e === undefined) return;
  if (e === entry) watchers.delete(ptr);
  else if (e instanceof Set) {
    e.delete(entry);
    if (e.size === 0) watchers.delete(ptr);
  }
}

function markDirty(entry) {
  const w = entry instanceof WeakRef ? entry.deref() : entry;
  if (w === undefined || w.dirty || w.freed) return;
  w.dirty = true;
  dirty.push(w);
}

/**
 * Says that the future `ptr` completed on this thread (after the core was
 * told): the waiters over it are polled at the next notify(). A future
 * completes once, so its list is dropped.
 * @param {number} ptr a cy_future*
 */
export function futureDone(ptr) {
  const e = watchers.get(ptr);
  if (e === undefined) return;
  watchers.delete(ptr);
  if (e instanceof Set) for (const x of e) markDirty(x);
  else markDirty(e);
}

/** True when some waiter is listed under a future (futureDone has work). */
export function hasWatchers() { return watchers.size !== 0; }

/*
 * Made outside the class: a closure created in a method shares that method's
 * context, and any arrow there that uses `this` would put the waiter in it.
 */
function weakAbortListener(ref, signal) {
  return () => ref.deref()?.abort(signal.reason);
}

/*
 * A probe round run by this timer may complete a probe future that other
 * waits hold too; they see it at their own next round (each wait over a
 * probe future has its own probe timer), not by a scan of every waiter.
 */
function onTimer(w) {
  w.timer = null;
  w.poll();
}

/**
 * Polls the waiters named by futureDone() since the last call whose signal
 * word moved (called after JS-side completions were pushed into the core).
 */
export function notify() {
  while (dirty.length !== 0) {
    const d = dirty;
    dirty = [];
    stats.notified += d.length;
    for (let i = 0; i < d.length; i++) {
      const w = d[i];
      w.dirty = false;
      if (!w.freed && heap().u32[w.sig] !== w.last) w.poll();
    }
  }
}

/** Number of active waiters (tests, diagnostics). */
export function activeCount() { return active.size + weakActive.size; }

/** For tests: the Module. */
export { Module as _module };
