/**
 * createWorker(target, options): one handle over every execution mode
 * (DESIGN.md, "Workers").
 *
 *   const w = await createWorker('./tasks.js', { mode: 'thread', maxWorkers: 2 });
 *   const f = w.fib(30);                      // a BaseFuture (thread-future-…)
 *   const g = w.callWith({ timeout: 500 }, 'fib', 35);
 *   await w.stop();
 *
 * It validates eagerly (an unknown mode, a bad maxWorkers, an unknown option
 * key, an option that does not apply to the mode, a target the mode cannot
 * run, a module that cannot be loaded: all reject here, not at the first
 * call) and hands a backend of the mode normalized input only:
 *
 *   backend = await createBackend(target, opts)  // target: module URL string,
 *                                                // or (sync, asyncio) an object;
 *                                                // mode 'c': the target as given
 *   backend.call(method, args, callOpts) -> BaseFuture
 *   backend.stop({ force }) -> Promise<void>
 *   backend.stats() -> { workers, idle, running, queued, completed, failed, crashed }
 *   backend.whenIdle() / backend.whenAvailable() -> Promise<void>
 *
 * The handle is a Proxy: `w.fib(30)` is `w.call('fib', 30)` for any name the
 * handle does not have itself. It never forwards `then` (so the handle is not
 * thenable and `await createWorker()` gives the handle), nor a few names that
 * tools probe on any object (`toJSON`, `asymmetricMatch`, `$$typeof`,
 * `nodeType`); methods with those names, or with the handle's own names
 * (`call`, `stop`, `stats`, ...), are reached through `call(name, ...)`.
 * @module concurry-wasm/modes/create
 */
import { InvalidStateError, UndeliveredCancelError } from '../errors.js';
import { isPlainObject, checkKeys, describeValue as describe } from '../options.js';
import { normalizeWorkerOptions, normalizeCallOptions, defaultCallOptions, checkMethod } from './worker-options.js';
import { moduleURL, targetKind, defaultMaxWorkers } from './target.js';

/**
 * The module of each mode's backend, loaded on first use. The Node-only ones
 * by package.json `imports`: a bundle built for browsers gets
 * ./node-only.js instead (no child_process, bullmq, ioredis in it).
 */
const BACKENDS = {
  sync: () => import('./sync.js'),
  asyncio: () => import('./asyncio.js'),
  thread: () => import('./thread.js'),
  process: () => import('#concurry-mode/process'),
  c: () => import('./c.js'),
  remote: () => import('#concurry-mode/remote'),
};

/** Symbol.asyncDispose, or the registered symbol polyfills use where the engine has none. */
const kAsyncDispose = /** @type {symbol} */ (/** @type {any} */ (Symbol).asyncDispose || Symbol.for('Symbol.asyncDispose'));

/** Names the Proxy never turns into calls. */
const NOT_METHODS = new Set(['then', 'toJSON', 'asymmetricMatch', '$$typeof', 'nodeType']);

const STOP_KEYS = ['force'];
const STOP_SET = new Set(STOP_KEYS);

function parseStop(how) {
  if (how === undefined || how === null) return false;
  if (!isPlainObject(how)) throw new TypeError(`stop(): 'options' must be a plain object ({ force }); got ${describe(how)}`);
  checkKeys(how, STOP_SET, STOP_KEYS, 'stop()');
  const f = /** @type {any} */ (how).force;
  if (f === undefined || f === null) return false;
  if (typeof f !== 'boolean') throw new TypeError(`stop(): option 'force' must be a boolean; got ${describe(f)}`);
  return f;
}

/**
 * The handle over a backend.
 * @param {any} backend
 * @param {ReturnType<typeof normalizeWorkerOptions>} opts
 */
function makeHandle(backend, opts) {
  /** @type {Promise<void>|null} */
  let stopping = null;
  let forced = false;
  const defaults = defaultCallOptions(opts);
  Object.freeze(defaults.transfer);
  Object.freeze(defaults);

  const stopped = (where, method) => new InvalidStateError(
    `${where}('${method}'): the worker is stopped (stop() was called); create a new worker to run more calls`);
  const stoppedWait = (where) => new InvalidStateError(
    `${where}(): the worker is stopped (stop() was called); await stop() instead`);
  /** Rejects of whenAvailable() promises still waiting: stop() rejects them (no call is accepted again). */
  const availRejects = new Set();

  const handle = {
    /** The mode this worker runs in. */
    mode: opts.mode,
    /**
     * Runs `method(...args)` on the worker.
     * @param {string} method
     * @param {...unknown} args
     */
    call(method, ...args) {
      checkMethod(method, 'call()');
      if (stopping) throw stopped('call', method);
      return backend.call(method, args, defaults);
    },
    /**
     * Runs `method(...args)` with per-call options: `signal`, `timeout` (ms),
     * `transfer`, `onProgress`, `retries`.
     * @param {object} options
     * @param {string} method
     * @param {...unknown} args
     */
    callWith(options, method, ...args) {
      const co = normalizeCallOptions(options, opts);
      checkMethod(method, 'callWith()');
      if (stopping) throw stopped('callWith', method);
      return backend.call(method, args, co);
    },
    /**
     * Drains and ends the worker; `{ force: true }` cancels what is queued and
     * running. Later calls throw InvalidStateError. A forced stop after a
     * draining one escalates it.
     * @param {{ force?: boolean }} [how]
     * @returns {Promise<void>}
     */
    stop(how) {
      const force = parseStop(how);
      if (stopping && (forced || !force)) return stopping;
      forced = force;
      for (const reject of availRejects) reject(stoppedWait('whenAvailable'));
      availRejects.clear();
      const p = Promise.resolve(backend.stop({ force })).then(() => {});
      stopping = stopping ? Promise.all([stopping, p]).then(() => {}) : p;
      // A stop() that rejects (remote mode's UndeliveredCancelError) does so
      // for whoever awaits it: a fire-and-forget stop() must not make it an
      // unhandled rejection that ends the process, whatever the mode (marked
      // handled here; an await still sees it).
      stopping.catch(() => {});
      return stopping;
    },
    /** @returns {{ workers: number, idle: number, running: number, queued: number, completed: number, failed: number, crashed: number }} */
    stats() { return backend.stats(); },
    /**
     * Resolves when nothing is queued or running; after stop() was called it
     * rejects with InvalidStateError (await stop() instead).
     * @returns {Promise<void>}
     */
    whenIdle() {
      if (stopping) return Promise.reject(stoppedWait('whenIdle'));
      return backend.whenIdle();
    },
    /**
     * Resolves when a call would be accepted under maxQueued; after stop() was
     * called (also while waiting) it rejects with InvalidStateError: no call is
     * accepted again.
     * @returns {Promise<void>}
     */
    whenAvailable() {
      if (stopping) return Promise.reject(stoppedWait('whenAvailable'));
      return new Promise((resolve, reject) => {
        availRejects.add(reject);
        backend.whenAvailable().then(
          () => { availRejects.delete(reject); resolve(); },
          (e) => { availRejects.delete(reject); reject(e); });
      });
    },
    /**
     * `await using w = await createWorker(...)`: stop() at the end of the
     * scope. Remote mode's UndeliveredCancelError (everything was ended, but
     * some cancels did not reach Redis) becomes a process warning, not a
     * rejection: a disposal must not replace the scope's own outcome (or
     * wrap it in a SuppressedError) for it. Call stop() to get it thrown.
     */
    [kAsyncDispose]() {
      return handle.stop().catch((e) => {
        if (!(e instanceof UndeliveredCancelError)) throw e;
        if (typeof process === 'object' && process !== null && typeof process.emitWarning === 'function') process.emitWarning(e);
        // eslint-disable-next-line no-console
        else console.warn(e);
      });
    },
    [Symbol.toStringTag]: 'Worker',
  };

  const methods = new Map();
  return new Proxy(handle, {
    get(t, prop, recv) {
      if (typeof prop === 'symbol' || prop in t) return Reflect.get(t, prop, recv);
      if (NOT_METHODS.has(prop)) return undefined;
      let fn = methods.get(prop);
      if (fn === undefined) {
        fn = (...args) => handle.call(prop, ...args);
        Object.defineProperty(fn, 'name', { value: prop });
        methods.set(prop, fn);
      }
      return fn;
    },
  });
}

/**
 * Creates a worker running `target`'s functions in `options.mode` (default
 * 'sync'). Resolves once the target is loaded (for thread, process and c:
 * once one worker has loaded the module).
 * @param {string|URL|object} target a module URL or path (every mode), or an object of functions (sync, asyncio)
 * @param {object} [options] mode, maxWorkers, balance, maxQueued, idleTimeout, maxTasksPerWorker,
 *   resourceLimits, cancelGraceMs, retries, unwrapFutures
 * @returns {Promise<any>} the handle
 */
export async function createWorker(target, options = undefined) {
  // Remote mode's connectTimeout counts from here, loading its modules included.
  const startedAt = performance.now();
  const opts = normalizeWorkerOptions(options, await defaultMaxWorkers());
  let t = target;
  // Mode 'c' reads and checks its target itself ('builtin', a module declaring its kernels, { kernels }).
  if (opts.mode !== 'c' && targetKind(target, opts.mode) === 'module') {
    t = await moduleURL(/** @type {string|URL} */ (target), opts.mode);
  }
  let mod;
  try {
    mod = await BACKENDS[opts.mode]();
  } catch (e) {
    throw new Error(`createWorker(): mode '${opts.mode}' cannot run here: ${e && /** @type {any} */ (e).message}`, { cause: e });
  }
  const backend = await mod.createBackend(t, opts, startedAt);
  return makeHandle(backend, opts);
}
