/**
 * The backend of the modes that run on the caller's thread: `sync` (a call
 * runs at call time: a return or throw gives a done SyncFuture, a returned
 * Promise a PromiseFuture) and `asyncio` (a call runs on the event loop, in a
 * microtask after the call; always a PromiseFuture). See DESIGN.md,
 * "Workers" and "cancel() and timeouts".
 *
 * Every task runs inside runWithTask(), so `currentTask()` answers with its
 * signal, progress and attempt (always 1: nothing here can crash and be
 * retried). Progress reaches `onProgress` synchronously, so in order and
 * before the result; reports after the task settled are dropped.
 *
 * Cancel and timeout: a call not started yet (asyncio before its microtask,
 * any call still waiting for argument futures) is removed; a running one has
 * its signal fired and its future is cancelled (or failed with TimeoutError)
 * at once. JavaScript cannot stop a running function, so a task that ignores
 * its signal goes on in the background; its outcome is dropped and it no
 * longer counts as running. A synchronous task (sync mode) has finished by the
 * time call() returns, so neither applies to it.
 *
 * Stats: `completed` counts successes; `failed` counts errors, timeouts and
 * cancellations; `crashed` is always 0.
 * @module concurry-wasm/modes/local
 */
import { SyncFuture } from '../futures/sync.js';
import { PromiseFuture } from '../futures/promise.js';
import { CancelledError, TimeoutError, QueueFullError } from '../errors.js';
import { TaskContext, runWithTask, takeTransfer } from '../task-context.js';
import { unwrapArgs } from './unwrap.js';
import { moduleTable, objectMember, missingMethodError } from './target.js';

function isThenable(x) {
  if (x === null || (typeof x !== 'object' && typeof x !== 'function')) return false;
  if (x instanceof Promise) return true;
  try {
    return typeof /** @type {any} */ (x).then === 'function';
  } catch {
    return false;
  }
}

/** A cancelled future of the PromiseFuture kind (a call whose signal had already aborted). */
function cancelledFuture() {
  const f = new PromiseFuture(new Promise(() => {}));
  f.cancel();
  return f;
}

/**
 * A task that has not settled: its record in the backend.
 * @typedef {{ f: PromiseFuture<any>|null, ac: AbortController, ctx: TaskContext, started: boolean,
 *   done: boolean, timer: any, unlisten: (() => void)|null, settle: ((ok: boolean, v: unknown) => void)|null }} Task
 */

export class LocalBackend {
  /**
   * @param {'sync'|'asyncio'} mode
   * @param {{ fns: Record<string, unknown>, thisOf: Record<string, unknown> } | null} table module targets
   * @param {object|null} object an object target
   * @param {string} name "the module '…'" or 'the target object', for messages
   * @param {{ maxQueued: number, unwrapFutures: boolean }} opts normalized worker options
   */
  constructor(mode, table, object, name, opts) {
    this.mode = mode;
    this.table = table;
    this.object = object;
    this.name = name;
    this.opts = opts;
    this.queued = 0;
    this.running = 0;
    this.completed = 0;
    this.failed = 0;
    this.stopped = false;
    /** @type {Set<Task>} */
    this.live = new Set();
    /** @type {(() => void)[]} */
    this.idleWaiters = [];
    /** @type {(() => void)[]} */
    this.availWaiters = [];
  }

  /** The function for `method` and its `this`, or a TypeError naming both. */
  lookup(method) {
    let fn;
    let self;
    if (this.table) {
      fn = this.table.fns[method];
      self = this.table.thisOf[method];
    } else {
      fn = objectMember(/** @type {object} */ (this.object), method);
      self = this.object;
    }
    if (typeof fn !== 'function') return { error: missingMethodError(method, this.name, fn) };
    return { fn, self };
  }

  /**
   * Runs (or queues) one call.
   * @param {string} method
   * @param {unknown[]} args
   * @param {{ signal: AbortSignal|null, timeout: number, onProgress: Function|null }} co
   * @returns {import('../futures/base.js').BaseFuture<any>}
   */
  call(method, args, co) {
    const pendingArgs = this.opts.unwrapFutures ? unwrapArgs(args) : null;
    const startsNow = this.mode === 'sync' && pendingArgs === null;
    if (!startsNow && this.queued >= this.opts.maxQueued) {
      if (pendingArgs) pendingArgs.catch(() => {}); // its failure belongs to no call
      throw new QueueFullError(`call('${method}'): the worker's queue is full (maxQueued ${this.opts.maxQueued}); ` +
        'await worker.whenAvailable() before calling', { maxQueued: this.opts.maxQueued, queued: this.queued });
    }
    if (co.signal && co.signal.aborted) {
      if (pendingArgs) pendingArgs.catch(() => {});
      this.failed++;
      return cancelledFuture();
    }
    const found = this.lookup(method);
    if (found.error) {
      if (pendingArgs) pendingArgs.catch(() => {});
      this.failed++;
      return this.mode === 'sync' ? SyncFuture.failed(found.error) : new PromiseFuture(Promise.reject(found.error));
    }
    const ac = new AbortController();
    const ctx = new TaskContext({ signal: ac.signal, attempt: 1, onProgress: co.onProgress, method });

    if (startsNow) {
      // Synchronous part at call time; a thenable result becomes a task like asyncio's.
      this.running++;
      let r;
      try {
        r = runWithTask(ctx, found.fn, found.self, args);
      } catch (e) {
        ctx.close();
        this.running--;
        this.failed++;
        this.changed();
        return SyncFuture.failed(e);
      }
      if (!isThenable(r)) {
        ctx.close();
        this.running--;
        this.completed++;
        this.changed();
        return new SyncFuture(takeTransfer(r).value);
      }
      const t = this.task(method, ac, ctx, co);
      t.started = true;
      this.adopt(t, r);
      return /** @type {PromiseFuture<any>} */ (t.f);
    }

    const t = this.task(method, ac, ctx, co);
    this.queued++;
    const begin = (a) => {
      if (t.done) return;
      this.queued--;
      t.started = true;
      this.running++;
      let r;
      try {
        r = runWithTask(ctx, found.fn, found.self, a);
      } catch (e) {
        /** @type {any} */ (t.settle)(false, e);
        return;
      }
      if (isThenable(r)) this.adopt(t, r);
      else /** @type {any} */ (t.settle)(true, r);
    };
    if (pendingArgs) {
      pendingArgs.then(begin, (e) => {
        if (t.done) return;
        this.queued--;
        t.started = true;
        this.running++;
        /** @type {any} */ (t.settle)(false, e);
      });
    } else {
      queueMicrotask(() => begin(args));
    }
    this.changed();
    return /** @type {PromiseFuture<any>} */ (t.f);
  }

  /**
   * Makes the record and future of a task that settles later: the timeout
   * timer, the caller's signal and cancel() all end it at once.
   * @returns {Task}
   */
  task(method, ac, ctx, co) {
    /** @type {Task} */
    const t = { f: null, ac, ctx, started: false, done: false, timer: null, unlisten: null, settle: null };
    let resolve;
    let reject;
    const p = new Promise((res, rej) => { resolve = res; reject = rej; });
    const end = () => {
      t.done = true;
      ctx.close();
      if (t.timer !== null) clearTimeout(t.timer);
      if (t.unlisten) t.unlisten();
      this.live.delete(t);
      if (t.started) this.running--;
      else this.queued--;
    };
    t.settle = (ok, v) => {
      if (t.done) return;
      end();
      if (ok) {
        this.completed++;
        resolve(takeTransfer(v).value);
      } else {
        this.failed++;
        reject(v);
      }
      this.changed();
    };
    const f = new PromiseFuture(p);
    t.f = f;
    this.live.add(t);
    f.addDoneCallback(() => {
      // Only cancel() ends a task from here; its own outcome went through settle.
      if (t.done || !f.cancelled()) return;
      end();
      this.failed++;
      ac.abort(new CancelledError(`The call '${method}' was cancelled`));
      this.changed();
    });
    if (co.timeout >= 0) {
      t.timer = setTimeout(() => {
        t.timer = null;
        if (t.done) return;
        const e = new TimeoutError(`The call '${method}' did not complete within ${co.timeout} ms`, { timeout: co.timeout });
        t.settle(false, e);
        ac.abort(e);
      }, co.timeout);
    }
    if (co.signal) {
      const sig = co.signal;
      const onAbort = () => { f.cancel(); };
      sig.addEventListener('abort', onAbort, { once: true });
      t.unlisten = () => sig.removeEventListener('abort', onAbort);
    }
    return t;
  }

  /** Settles task t from the thenable its function returned. */
  adopt(t, r) {
    Promise.resolve(r).then((v) => /** @type {any} */ (t.settle)(true, v), (e) => /** @type {any} */ (t.settle)(false, e));
  }

  /** Wakes whenIdle()/whenAvailable() waiters whose condition now holds. */
  changed() {
    if (this.queued < this.opts.maxQueued && this.availWaiters.length) {
      const w = this.availWaiters;
      this.availWaiters = [];
      for (const fn of w) fn();
    }
    if (this.queued === 0 && this.running === 0 && this.idleWaiters.length) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const fn of w) fn();
    }
  }

  /** @returns {Promise<void>} resolves when nothing is queued or running */
  whenIdle() {
    if (this.queued === 0 && this.running === 0) return Promise.resolve();
    return new Promise((resolve) => { this.idleWaiters.push(() => resolve()); });
  }

  /** @returns {Promise<void>} resolves when a call would be accepted under maxQueued */
  whenAvailable() {
    if (this.queued < this.opts.maxQueued) return Promise.resolve();
    return new Promise((resolve) => { this.availWaiters.push(() => resolve()); });
  }

  /**
   * Drains (the calls accepted finish), or with `force` cancels every call
   * not done.
   * @param {{ force: boolean }} how
   * @returns {Promise<void>}
   */
  stop({ force }) {
    this.stopped = true;
    if (force) {
      for (const t of [...this.live]) /** @type {PromiseFuture<any>} */ (t.f).cancel();
    }
    return this.whenIdle();
  }

  /** @returns {{ workers: number, idle: number, running: number, queued: number, completed: number, failed: number, crashed: number }} */
  stats() {
    const busy = this.queued + this.running > 0;
    const workers = this.stopped && !busy ? 0 : 1;
    return {
      workers,
      idle: workers === 1 && !busy ? 1 : 0,
      running: this.running,
      queued: this.queued,
      completed: this.completed,
      failed: this.failed,
      crashed: 0,
    };
  }
}

/**
 * Loads the target (a module URL, or an object of functions) and makes the
 * backend of mode `sync` or `asyncio`.
 * @param {'sync'|'asyncio'} mode
 * @param {string|object} target a module URL (resolved) or an object of functions
 * @param {{ maxQueued: number, unwrapFutures: boolean }} opts
 * @returns {Promise<LocalBackend>}
 */
export async function createLocalBackend(mode, target, opts) {
  if (typeof target === 'string') {
    let ns;
    try {
      ns = await import(target);
    } catch (e) {
      throw new Error(`createWorker(): cannot load the module '${target}': ${e && /** @type {any} */ (e).message}`, { cause: e });
    }
    return new LocalBackend(mode, moduleTable(ns), null, `the module '${target}'`, opts);
  }
  return new LocalBackend(mode, null, target, 'the target object', opts);
}
