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
import { TaskContext, runWithTask, takeTransfer, isThenable } from '../task-context.js';
import { unwrapArgs } from './unwrap.js';
import { moduleTable, objectMember, missingMethodError } from './target.js';
import { moduleLoadError } from './load-error.js';
import { Waiters } from './waiters.js';
import { abortFanout } from './abort-fanout.js';

/** A cancelled future of the PromiseFuture kind (a call whose signal had already aborted). */
function cancelledFuture() {
  const f = new PromiseFuture(new Promise(() => {}));
  f.cancel();
  return f;
}

/**
 * The future of a call that settles later. cancel() also ends the task
 * (fires its signal, frees its place), with no done-callback per future.
 * @extends {PromiseFuture<any>}
 */
class LocalFuture extends PromiseFuture {
  /** @returns {boolean} */
  cancel() {
    const r = super.cancel();
    const t = /** @type {any} */ (this)._task;
    if (r && t) t.cancelled();
    return r;
  }
}

/**
 * A call that settles later (asyncio calls; sync calls that returned a
 * thenable or wait for argument futures). The timeout, the caller's signal
 * and cancel() all end it at once.
 */
class LocalTask {
  /**
   * @param {LocalBackend} b
   * @param {string} method
   * @param {Function} fn
   * @param {unknown} self
   * @param {TaskContext} ctx
   * @param {{ signal: AbortSignal|null, timeout: number }} co
   * @param {number} [elapsed] ms of the timeout already spent (a sync call's synchronous part)
   */
  constructor(b, method, fn, self, ctx, co, elapsed = 0) {
    this.b = b;
    this.method = method;
    this.fn = fn;
    this.self = self;
    this.ctx = ctx;
    this.started = false;
    this.done = false;
    this.timer = null;
    this.unlisten = null;
    this.resolve = null;
    this.reject = null;
    const f = new LocalFuture(new Promise((res, rej) => { this.resolve = res; this.reject = rej; }));
    /** @type {any} */ (f)._task = this;
    this.f = f;
    // Linked into the backend's list of live tasks (for stop({ force })):
    // O(1) without hashing, which a Set of many short tasks pays for.
    this.prev = null;
    this.next = b.head;
    if (b.head !== null) b.head.prev = this;
    b.head = this;
    if (co.timeout >= 0) {
      this.timer = setTimeout(() => this.timedOut(co.timeout), Math.max(0, co.timeout - elapsed));
    }
    if (co.signal) {
      const sig = co.signal;
      // One listener per signal however many calls share it (abort-fanout.js).
      const entry = abortFanout.add(sig, () => { f.cancel(); });
      this.unlisten = () => abortFanout.remove(entry);
    }
  }

  /** Runs the function with `args` (the task was queued). */
  start(args) {
    if (this.done) return;
    const b = this.b;
    b.queued--;
    b.running++;
    this.started = true;
    let r;
    try {
      r = runWithTask(this.ctx, this.fn, this.self, args);
    } catch (e) {
      this.settle(false, e);
      return;
    }
    if (isThenable(r)) this.adopt(r);
    else this.settle(true, r);
  }

  /** The arguments could not be had (an argument future failed): the call fails with that error. */
  argsFailed(e) {
    if (this.done) return;
    this.b.queued--;
    this.b.running++;
    this.started = true;
    this.settle(false, e);
  }

  /** Settles from the thenable the function returned. */
  adopt(r) {
    Promise.resolve(r).then((v) => this.settle(true, v), (e) => this.settle(false, e));
  }

  /** Leaves the backend's books (once). */
  end() {
    this.done = true;
    this.ctx.close();
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.unlisten) this.unlisten();
    const b = this.b;
    if (this.prev !== null) this.prev.next = this.next;
    else b.head = this.next;
    if (this.next !== null) this.next.prev = this.prev;
    this.prev = this.next = null;
    if (this.started) b.running--;
    else b.queued--;
  }

  settle(ok, v) {
    if (this.done) return;
    this.end();
    const b = this.b;
    if (ok) {
      b.completed++;
      /** @type {any} */ (this.resolve)(takeTransfer(v).value);
    } else {
      b.failed++;
      /** @type {any} */ (this.reject)(v);
    }
    b.changed();
  }

  /** The future was cancelled: the task's signal fires; its outcome will be dropped. */
  cancelled() {
    if (this.done) return;
    this.end();
    this.b.failed++;
    this.ctx.abort(new CancelledError(`The call '${this.method}' was cancelled`));
    this.b.changed();
  }

  timedOut(ms) {
    this.timer = null;
    if (this.done) return;
    const e = new TimeoutError(`The call '${this.method}' did not complete within ${ms} ms`, { timeout: ms });
    this.settle(false, e);
    this.ctx.abort(e);
  }
}

class LocalBackend {
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
    /** @type {LocalTask|null} the newest live task; the others follow through `next` */
    this.head = null;
    this.idleWaiters = new Waiters();
    this.availWaiters = new Waiters();
    /** Calls to start in the next microtask (asyncio): task, args, task, args, ... */
    this.startQ = [];
    this.startScheduled = false;
    this.drain = () => this.drainStarts();
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
    let pendingArgs = null;
    if (this.opts.unwrapFutures) {
      try {
        pendingArgs = unwrapArgs(args);
      } catch (e) {
        // A getter among the arguments threw while they were scanned: that
        // call fails (as it would had the function read it), no throw here.
        this.failed++;
        return this.mode === 'sync' ? SyncFuture.failed(e) : new PromiseFuture(Promise.reject(e));
      }
    }
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
    const ctx = new TaskContext({ attempt: 1, onProgress: co.onProgress, method });

    if (startsNow) {
      // Synchronous part at call time; a thenable result becomes a task like asyncio's.
      this.running++;
      const t0 = co.timeout >= 0 ? performance.now() : 0;
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
      // The timeout counts from the call: the synchronous part has used some of it.
      const t = new LocalTask(this, method, found.fn, found.self, ctx, co, co.timeout >= 0 ? performance.now() - t0 : 0);
      t.started = true;
      t.adopt(r);
      // timeout: 0 (README): the call must be done when callWith returns; a returned Promise is not.
      if (co.timeout === 0) t.timedOut(0);
      return t.f;
    }

    const t = new LocalTask(this, method, found.fn, found.self, ctx, co);
    this.queued++;
    if (co.timeout === 0) {
      // timeout: 0 (README): the call must be done when callWith returns; a queued one is not, and never runs.
      if (pendingArgs) pendingArgs.catch(() => {});
      t.timedOut(0);
      return t.f;
    }
    if (pendingArgs) {
      pendingArgs.then((a) => t.start(a), (e) => t.argsFailed(e));
    } else {
      // One microtask starts every call made since the last one.
      this.startQ.push(t, args);
      if (!this.startScheduled) {
        this.startScheduled = true;
        queueMicrotask(this.drain);
      }
    }
    return t.f;
  }

  /** Starts the queued calls (asyncio), in call order. */
  drainStarts() {
    const q = this.startQ;
    this.startQ = [];
    this.startScheduled = false;
    for (let i = 0; i < q.length; i += 2) q[i].start(q[i + 1]);
  }

  /** Wakes whenIdle()/whenAvailable() waiters whose condition now holds. */
  changed() {
    if (this.queued < this.opts.maxQueued) this.availWaiters.flush();
    if (this.queued === 0 && this.running === 0) this.idleWaiters.flush();
  }

  /** @returns {Promise<void>} resolves when nothing is queued or running */
  whenIdle() {
    if (this.queued === 0 && this.running === 0) return Promise.resolve();
    return this.idleWaiters.wait();
  }

  /** @returns {Promise<void>} resolves when a call would be accepted under maxQueued */
  whenAvailable() {
    if (this.queued < this.opts.maxQueued) return Promise.resolve();
    return this.availWaiters.wait();
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
      const live = [];
      for (let t = this.head; t !== null; t = t.next) live.push(t);
      for (const t of live) t.f.cancel();
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
      throw moduleLoadError(e, target);
    }
    return new LocalBackend(mode, moduleTable(ns), null, `the module '${target}'`, opts);
  }
  return new LocalBackend(mode, null, target, 'the target object', opts);
}
