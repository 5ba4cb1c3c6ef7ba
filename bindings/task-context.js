/**
 * The task's view of itself, in every mode (DESIGN.md, "Tasks inside
 * workers"): `currentTask()` → `{ signal, progress(value), attempt }`, and
 * `transfer(value, list)` to move buffers back with a result.
 *
 * Runtimes (the sync/asyncio modes on the caller's thread, the thread and
 * process runtimes in workers) run each task inside `runWithTask(ctx, fn)`.
 * In Node the context lives in an AsyncLocalStorage, so `currentTask()` keeps
 * answering after awaits. Where there is none (browsers), the context is a
 * slot set only while the task's synchronous part runs: `currentTask()` works
 * before the task's first await (capture it there), and after it throws
 * InvalidStateError rather than answering with another task's context.
 *
 * No dependency on the wasm core: a worker that only runs tasks loads this
 * without loading the core.
 * @module concurry-wasm/task-context
 */
import { InvalidStateError } from './errors.js';
import { isNodeNow } from './env.js';

/**
 * One store for every copy of this module in the realm (a package loaded
 * twice under two paths still agrees on the current task).
 */
const STORE = Symbol.for('concurry-wasm.task-context');

async function makeStore() {
  let als = null;
  if (isNodeNow()) {
    try {
      const m = await import('node:async_hooks');
      als = new m.AsyncLocalStorage();
    } catch { /* no AsyncLocalStorage: the synchronous slot */ }
  }
  return { als, slot: null, inFlight: 0, idleCheck: false };
}

/**
 * @type {{ als: any, slot: TaskContext|null, inFlight: number, idleCheck: boolean }}
 * inFlight: tasks whose function has not settled (their awaits still need
 * the context); idleCheck: a check that may disable the storage is queued.
 */
const store = /** @type {any} */ (globalThis)[STORE] || await makeStore();
if (!(/** @type {any} */ (globalThis)[STORE])) {
  Object.defineProperty(globalThis, STORE, { value: store, enumerable: false });
}

/*
 * In Node 20 an AsyncLocalStorage that has run() once keeps promise hooks on
 * for the whole process, making every await about 3x slower (measured: 2M
 * awaits 111 ms -> 357 ms). So the storage is enabled only while tasks are in
 * flight: once none is, a check queued behind the current macrotask (so a
 * burst of calls does not toggle it per call) disables it again.
 */
function released() {
  if (--store.inFlight > 0 || store.idleCheck) return;
  store.idleCheck = true;
  const t = setTimeout(idleCheck, 0);
  if (typeof t === 'object' && t !== null && typeof t.unref === 'function') t.unref();
}

function idleCheck() {
  store.idleCheck = false;
  if (store.inFlight === 0) store.als.disable();
}

/** True when x has a callable `then` (a getter that throws: false). */
export function isThenable(x) {
  if (x === null || (typeof x !== 'object' && typeof x !== 'function')) return false;
  if (x instanceof Promise) return true;
  try {
    return typeof /** @type {any} */ (x).then === 'function';
  } catch {
    return false;
  }
}

/**
 * What a running task sees through `currentTask()`.
 */
export class TaskContext {
  /**
   * @param {{ signal?: AbortSignal, attempt?: number, onProgress?: ((value: unknown) => void) | null, method?: string }} [init]
   */
  constructor(init = {}) {
    // The AbortController is made on first use of `signal` (most tasks never
    // look): making one per call cost more than the rest of a sync call.
    /** @private */ this._signal = init.signal || null;
    /** @private */ this._ac = null;
    /** @private */ this._aborted = false;
    /** @private */ this._reason = undefined;
    /** @private */ this._attempt = init.attempt === undefined ? 1 : init.attempt;
    /** @private */ this._onProgress = init.onProgress || null;
    /** @private */ this._closed = false;
    /** The method this task runs (for messages). */
    this.method = init.method === undefined ? null : init.method;
    /** @private progress, bound, made on first use */ this._progress = null;
  }

  /** An AbortSignal that aborts when the call is cancelled or its timeout passes. @returns {AbortSignal} */
  get signal() {
    if (this._signal === null) {
      const ac = new AbortController();
      if (this._aborted) ac.abort(this._reason);
      this._ac = ac;
      this._signal = ac.signal;
    }
    return this._signal;
  }

  /**
   * Aborts the task's signal with `reason` (cancel: a CancelledError; timeout:
   * a TimeoutError). For contexts made without an `init.signal`; the owner of
   * a given signal aborts it itself. Once only.
   * @param {unknown} reason
   */
  abort(reason) {
    if (this._aborted) return;
    this._aborted = true;
    this._reason = reason;
    if (this._ac !== null) this._ac.abort(reason);
  }

  /** 1 on the first run; counts the re-runs after crashes (`retries`). @returns {number} */
  get attempt() { return this._attempt; }

  /**
   * `progress(value)` reports progress to the caller's `onProgress`, in order,
   * always before the result. Reports made after the task settled are dropped
   * (the result went first). Bound, so `const { progress } = currentTask()`
   * works; made on first use (most tasks never report).
   * @returns {(value: unknown) => void}
   */
  get progress() {
    return this._progress ??= (value) => { if (!this._closed) this._deliver(value); };
  }

  /**
   * Delivers one progress report of a task not settled yet. Here: calls
   * `onProgress`; an error it throws is reported, never thrown into the task.
   * A runtime whose caller is elsewhere (runtime.js: another thread or
   * process) overrides it to send the report there.
   * @param {unknown} value
   * @protected
   */
  _deliver(value) {
    if (this._onProgress === null) return;
    try {
      this._onProgress(value);
    } catch (e) {
      // eslint-disable-next-line no-console
      console.error('concurry-wasm: exception in an onProgress callback:', e);
    }
  }

  /**
   * Ends the task's reporting: later progress() calls are dropped. Runtimes
   * call it when the task settles, before they deliver the outcome.
   */
  close() { this._closed = true; }
}

/**
 * Runs `fn(...args)` as the task `ctx`: `currentTask()` inside it (and, in
 * Node, after its awaits) returns `ctx`. Returns what fn returns (a thenable
 * that is not a Promise as a Promise adopting it), or throws what it throws.
 * @template R
 * @param {TaskContext} ctx
 * @param {(...args: any[]) => R} fn
 * @param {unknown} [thisArg]
 * @param {unknown[]} [args]
 * @returns {R}
 */
export function runWithTask(ctx, fn, thisArg = undefined, args = []) {
  if (store.als) {
    store.inFlight++;
    let r;
    try {
      // A thenable becomes a Promise inside the context, so its `then` runs
      // (once, as the runtime's own adoption would) where currentTask() answers.
      r = store.als.run(ctx, () => {
        const v = Reflect.apply(fn, thisArg, args);
        return isThenable(v) && !(v instanceof Promise) ? Promise.resolve(v) : v;
      });
    } catch (e) {
      released();
      throw e;
    }
    if (r instanceof Promise) r.then(released, released);
    else released();
    return r;
  }
  const prev = store.slot;
  store.slot = ctx;
  try {
    return Reflect.apply(fn, thisArg, args);
  } finally {
    store.slot = prev;
  }
}

/**
 * The running task's context: `{ signal, progress(value), attempt }`.
 * @returns {TaskContext}
 * @throws {InvalidStateError} when called outside a task run by a worker
 */
export function currentTask() {
  const ctx = store.als ? store.als.getStore() : store.slot;
  if (ctx instanceof TaskContext || (ctx && typeof ctx === 'object' && 'signal' in ctx)) return ctx;
  throw new InvalidStateError(store.als
    ? 'currentTask(): not inside a task (call it from a function that a worker made by createWorker() is running)'
    : 'currentTask(): not inside a task, or after the task\'s first await (this runtime has no AsyncLocalStorage: ' +
      'call currentTask() at the start of the task and keep the result)');
}

/** Brand of transfer() results, shared by every copy of this module. */
const kTransfer = Symbol.for('concurry-wasm.transfer');

/** A result that moves buffers instead of copying them (see transfer()). */
class Transfer {
  /** @param {unknown} value @param {Transferable[]} list */
  constructor(value, list) {
    this.value = value;
    this.list = list;
    this[kTransfer] = true;
  }
}

/**
 * Returns `value` so that the buffers in `list` move to the caller instead of
 * being copied (thread mode; process and remote modes copy them, sync and
 * asyncio modes hand the value over as it is). Return it from the task.
 * @template T
 * @param {T} value
 * @param {Transferable[]} list ArrayBuffers (and other transferables) inside `value`
 * @returns {T}
 */
export function transfer(value, list) {
  if (!Array.isArray(list)) {
    throw new TypeError(`transfer(): 'list' must be an array of ArrayBuffers (or other transferables); got ${list === null ? 'null' : typeof list}`);
  }
  for (let i = 0; i < list.length; i++) {
    const x = list[i];
    if (ArrayBuffer.isView(x)) {
      throw new TypeError(`transfer(): 'list[${i}]' is a ${x.constructor.name}, a view; transfer its buffer (list[${i}].buffer)`);
    }
    if (x === null || typeof x !== 'object') {
      throw new TypeError(`transfer(): 'list[${i}]' must be an ArrayBuffer (or another transferable object); got ${x === null ? 'null' : typeof x}`);
    }
  }
  return /** @type {any} */ (new Transfer(value, list));
}

/**
 * Splits a task's return value into the value and the list to transfer
 * (empty when the task did not call transfer()).
 * @param {unknown} result
 * @returns {{ value: unknown, list: Transferable[] }}
 */
export function takeTransfer(result) {
  if (result !== null && typeof result === 'object' && /** @type {any} */ (result)[kTransfer] === true) return { value: /** @type {any} */ (result).value, list: /** @type {any} */ (result).list };
  return { value: result, list: [] };
}
