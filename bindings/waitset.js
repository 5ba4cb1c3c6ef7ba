/**
 * The JS driver of the core's cy_waitset: every wait(), gather(), iterator and
 * future.result() is one Waiter. The core decides (cy_waitset_poll: the
 * return condition, the deadline, probe rounds, progress cadence); this file
 * only decides *when to ask*, event-driven:
 *   - JS completions (PromiseFuture settle reactions) end in `notifyAll()`,
 *     which polls the waiters whose signal word changed;
 *   - a timer runs only when the core names a wakeup (cy_waitset_next_wakeup_ms
 *     >= 0: the wait's deadline or a probe round for probe-only futures);
 *   - futures completed on C threads wake us through Atomics.waitAsync on the
 *     waitset's signal word (armed only when such futures are pending).
 * @module concurry-wasm/waitset
 */
import {
  C, Module, heap, waitsetCreate, keepAlive, addFunction, PROGRESS,
  CY_ETIMEDOUT, CY_EAGAIN,
} from './core.js';
import { readReport } from './progress.js';
import { PollingStrategy } from './polling.js';
import { config } from './config.js';

/* Atomics.waitAsync is in V8 (Node, Chromium) but not in every engine. */
const HAS_WAIT_ASYNC = typeof Atomics.waitAsync === 'function';

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
  try {
    w.progressCb(report);
  } catch (e) {
    // Never unwind through the core: remember it and reject the wait with it.
    if (w.progressError === undefined) w.progressError = e;
  }
}, 'vii');

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
 * a progress callback threw.
 */
export class Waiter {
  /**
   * @param {number} fs  pointer to n cy_future pointers (copied by the core)
   * @param {number} n
   * @param {WaiterOptions} o
   * @param {{ onPoll: (rc: number, w: Waiter) => void, onAbort: (reason: unknown, w: Waiter) => void }} handler
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
    this.wantsEveryPoll = false;
    this.signal = o.signal;
    this.pollingName = o.polling;  // for pace()
    this.pacer = null;
    this.paceTimer = null;
    this.abortListener = null;
    this.weak = false;  // held weakly while active (setWeak)
    this.weakable = false; // an iterator's: its abort listener must not hold it
    this.ref = null;
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

  /** Starts listening (after a first poll said CY_EAGAIN). */
  start() {
    if (this.freed) return;
    if (this.weak) {
      this.ref ??= new WeakRef(this);
      weakActive.add(this.ref);
    } else {
      active.add(this);
    }
    if (this.signal) {
      const signal = this.signal;
      if (this.weakable) {
        this.ref ??= new WeakRef(this);
        this.abortListener = weakAbortListener(this.ref, signal);
      } else {
        this.abortListener = () => this.abort(signal.reason);
      }
      signal.addEventListener('abort', this.abortListener, { once: true });
    }
    if (this.foreign) { keepAlive(true); this.holding = true; }
    this.schedule();
  }

  /**
   * Asks the core. Returns its answer (0, CY_ETIMEDOUT, CY_EAGAIN); reports
   * it to the handler as described on the class.
   */
  poll() {
    if (this.freed) return CY_EAGAIN;
    if (prePoll !== null) prePoll();
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
    }
    if (this.foreign && !this.armed) this.arm();
  }

  arm() {
    if (!HAS_WAIT_ASYNC) { this.pace(); return; }
    const value = C.cy_waitset_arm(this.ws);
    const i32 = heap().i32;
    const res = Atomics.waitAsync(i32, this.sig, value | 0);
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
    if (was) {
      if (weak) weakActive.add(this.ref);
      else active.add(this);
    }
  }

  /** Stops listening (timers, wakeups) but keeps the waitset (items may remain to take). */
  stop() {
    this.deactivate();
    if (this.timer !== null) { clearTimeout(this.timer); this.timer = null; }
    if (this.paceTimer !== null) { clearTimeout(this.paceTimer); this.paceTimer = null; this.armed = false; }
    if (this.holding) { keepAlive(false); this.holding = false; }
  }

  /** The final progress report (before settling). */
  finish() {
    if (!this.freed && this.progressCb) C.cy_waitset_finish(this.ws);
  }

  deactivate() {
    if (this.weak) weakActive.delete(this.ref);
    else active.delete(this);
  }

  /** Stops listening; frees the waitset. Idempotent. */
  free() {
    if (this.freed) return;
    this.freed = true;
    this.deactivate();
    if (this.timer !== null) { clearTimeout(this.timer); this.timer = null; }
    if (this.paceTimer !== null) { clearTimeout(this.paceTimer); this.paceTimer = null; }
    if (this.abortListener) {
      this.signal.removeEventListener('abort', this.abortListener);
      this.abortListener = null;
    }
    if (this.progressId) progressWaiters.delete(this.progressId);
    if (this.holding) { keepAlive(false); this.holding = false; }
    if (this.armed) {
      // Release our pending Atomics.waitAsync before the memory is reused.
      Atomics.notify(heap().i32, this.sig);
    }
    C.cy_waitset_free(this.ws);
    this.ws = 0;
  }

  /**
   * Ends the wait with `reason` (the signal aborted, or a progress callback
   * threw). An abort by the signal still gets the final progress report first
   * (the contract: delivered before the wait settles); a throwing progress
   * callback is not called again.
   * @param {unknown} reason
   */
  abort(reason) {
    if (this.freed) return;
    if (this.progressError === undefined) this.finish();
    this.handler.onAbort(reason, this);
    this.free();
  }

  /**
   * What finalizing this waiter's owner must release if it was never freed:
   * holds no reference back to the waiter (or its owner), so a
   * FinalizationRegistry can hold it.
   * @returns {{ ws: number, progressId: number }}
   */
  leftovers() { return { ws: this.ws, progressId: this.progressId }; }

  doneCount() { return this.freed ? 0 : C.cy_waitset_done_count(this.ws); }
}

/**
 * Releases what `leftovers()` named, for a waiter that was garbage-collected
 * without free() (nothing can poll it any more).
 * @param {{ ws: number, progressId: number }} l
 */
export function freeLeftovers(l) {
  if (l.progressId) progressWaiters.delete(l.progressId);
  C.cy_waitset_free(l.ws);
}

/*
 * Made outside the class: a closure created in a method shares that method's
 * context, and any arrow there that uses `this` would put the waiter in it.
 */
function weakAbortListener(ref, signal) {
  return () => ref.deref()?.abort(signal.reason);
}

function onTimer(w) {
  w.timer = null;
  w.poll();
  // A probe round may have completed futures that other waits hold too.
  notifyAll();
}

/**
 * Polls every active waiter whose signal word moved (called after JS-side
 * completions were pushed into the core).
 */
export function notifyAll() {
  if (active.size === 0 && weakActive.size === 0) return;
  const u32 = heap().u32;
  for (const w of [...active]) {
    if (!w.freed && u32[w.sig] !== w.last) w.poll();
  }
  for (const ref of [...weakActive]) {
    const w = ref.deref();
    if (w === undefined) weakActive.delete(ref);
    else if (!w.freed && heap().u32[w.sig] !== w.last) w.poll();
  }
}

/** Number of active waiters (tests, diagnostics). */
export function activeCount() { return active.size + weakActive.size; }

/** For tests: the Module. */
export { Module as _module };
