/**
 * Validation of createWorker()'s options and of callWith()'s per-call options
 * (DESIGN.md, "Workers"). Every bad value is a TypeError or RangeError naming
 * the option and what was expected; unknown keys are a TypeError naming the key;
 * an option that does not apply to the chosen mode is refused, naming the
 * modes it applies to, rather than ignored.
 *
 * Normalized forms (what backends receive; they never see raw user input):
 *   WorkerOptions: { mode, maxWorkers, balance, maxQueued, idleTimeout,
 *     maxTasksPerWorker, resourceLimits, cancelGraceMs, retries, unwrapFutures }
 *     maxQueued, maxTasksPerWorker: Infinity when unbounded;
 *     idleTimeout: ms, -1 for none; resourceLimits: object or null.
 *   CallOptions: { signal: AbortSignal|null, timeout: ms (-1 none),
 *     transfer: Transferable[], onProgress: Function|null, retries: number }
 * @module concurry-wasm/modes/worker-options
 */
import { isNodeNow } from '../env.js';
import { isPlainObject, checkKeys, timeoutToCore, signalToCore, describeValue as describe } from '../options.js';

/** Every mode DESIGN.md names. */
export const MODES = Object.freeze(['sync', 'asyncio', 'thread', 'process', 'c', 'remote']);

const POOL_MODES = ['thread', 'process', 'c', 'remote'];
/** Options of the pools this process runs (remote workers are other processes, on other machines). */
const LOCAL_POOL_MODES = ['thread', 'process', 'c'];
const LOCAL_MODES = ['sync', 'asyncio'];

/** Each option and the modes it applies to. */
const APPLIES = {
  mode: MODES,
  maxWorkers: MODES, // local modes accept 1 only (checked below)
  balance: LOCAL_POOL_MODES,
  maxQueued: MODES,
  idleTimeout: LOCAL_POOL_MODES,
  maxTasksPerWorker: LOCAL_POOL_MODES,
  resourceLimits: ['thread'],
  cancelGraceMs: POOL_MODES,
  retries: MODES,
  unwrapFutures: MODES,
  redis: ['remote'],
  queue: ['remote'],
  localWorkers: ['remote'],
  connectTimeout: ['remote'],
  keepFinished: ['remote'],
  maxBatch: ['remote'],
};
const KEYS = Object.keys(APPLIES);
const KEY_SET = new Set(KEYS);

const RESOURCE_LIMIT_KEYS = ['maxOldGenerationSizeMb', 'maxYoungGenerationSizeMb', 'codeRangeSizeMb', 'stackSizeMb'];
const RESOURCE_LIMIT_SET = new Set(RESOURCE_LIMIT_KEYS);

const CALL_KEYS = ['signal', 'timeout', 'transfer', 'onProgress', 'retries'];
const CALL_SET = new Set(CALL_KEYS);

/**
 * An integer >= min (or Infinity when `infinite`), else TypeError/RangeError naming it.
 * @returns {number}
 */
function intOption(v, name, min, where, infinite = false) {
  if (typeof v !== 'number') {
    throw new TypeError(`${where}: option '${name}' must be an integer >= ${min}${infinite ? ' (or Infinity)' : ''}; got ${describe(v)}`);
  }
  if (infinite && v === Infinity) return v;
  if (!Number.isInteger(v) || v < min) {
    throw new RangeError(`${where}: option '${name}' must be an integer >= ${min}${infinite ? ' (or Infinity)' : ''}; got ${describe(v)}`);
  }
  return v;
}

/** A duration in ms: finite >= 0; `none` allows undefined/null/Infinity (returns -1). */
function msOption(v, name, where) {
  if (v === null || v === Infinity) return -1;
  if (typeof v !== 'number') {
    throw new TypeError(`${where}: option '${name}' must be a number of milliseconds >= 0 (or null/Infinity for none); got ${describe(v)}`);
  }
  if (!(v >= 0) || !Number.isFinite(v)) {
    throw new RangeError(`${where}: option '${name}' must be a finite number of milliseconds >= 0 (or null/Infinity for none); got ${describe(v)}`);
  }
  return v;
}

/**
 * Validates createWorker()'s options.
 * @param {unknown} options
 * @param {number} defaultWorkers the default of maxWorkers for pools
 * @returns {{ mode: string, maxWorkers: number, balance: 'round-robin'|'least-busy', maxQueued: number,
 *   idleTimeout: number, maxTasksPerWorker: number, resourceLimits: object|null, cancelGraceMs: number,
 *   retries: number, unwrapFutures: boolean, remote: object|null }}
 */
export function normalizeWorkerOptions(options, defaultWorkers) {
  const where = 'createWorker()';
  if (options === undefined || options === null) options = {};
  if (!isPlainObject(options)) {
    throw new TypeError(`${where}: 'options' must be a plain object; got ${describe(options)}`);
  }
  const o = /** @type {Record<string, any>} */ (options);
  checkKeys(o, KEY_SET, KEYS, where);

  let mode = 'sync';
  if (o.mode !== undefined) {
    if (typeof o.mode !== 'string') {
      throw new TypeError(`${where}: option 'mode' must be one of ${MODES.map((m) => `'${m}'`).join(', ')}; got ${describe(o.mode)}`);
    }
    mode = o.mode.toLowerCase();
    if (!MODES.includes(mode)) {
      throw new RangeError(`${where}: unknown mode ${describe(o.mode)}; expected one of ${MODES.map((m) => `'${m}'`).join(', ')}`);
    }
  }
  for (const k of KEYS) {
    if (o[k] !== undefined && !APPLIES[k].includes(mode)) {
      throw new TypeError(`${where}: option '${k}' applies to mode${APPLIES[k].length > 1 ? 's' : ''} ` +
        `${APPLIES[k].map((m) => `'${m}'`).join(', ')}, not to mode '${mode}'`);
    }
  }
  // Child processes and Redis clients (modes 'process', 'remote') and V8's
  // per-thread heap limits exist only in Node: refused here, before any
  // mode module is imported (a browser would fail to fetch node: modules).
  if (!isNodeNow()) {
    const here = typeof document === 'object' || typeof WorkerGlobalScope === 'function' ? 'a browser' : 'not Node';
    if (mode === 'process' || mode === 'remote') throw new Error(`${where}: mode '${mode}' runs only in Node (this is ${here})`);
    if (o.resourceLimits !== undefined) {
      throw new TypeError(`${where}: option 'resourceLimits' (heap limits of Node's worker_threads) applies only in Node (this is ${here})`);
    }
  }
  const local = LOCAL_MODES.includes(mode);

  let maxWorkers = local ? 1 : defaultWorkers;
  if (o.maxWorkers !== undefined) {
    maxWorkers = intOption(o.maxWorkers, 'maxWorkers', 1, where);
    if (local && maxWorkers !== 1) {
      throw new RangeError(`${where}: mode '${mode}' runs on the caller's thread, so option 'maxWorkers' can only be 1; got ${maxWorkers} (use mode 'thread' or 'process' for a pool)`);
    }
  }

  let balance = /** @type {'round-robin'|'least-busy'} */ ('round-robin');
  if (o.balance !== undefined) {
    if (o.balance !== 'round-robin' && o.balance !== 'least-busy') {
      const E = typeof o.balance === 'string' ? RangeError : TypeError;
      throw new E(`${where}: option 'balance' must be 'round-robin' or 'least-busy'; got ${describe(o.balance)}`);
    }
    balance = o.balance;
  }

  const maxQueued = o.maxQueued === undefined ? Infinity : intOption(o.maxQueued, 'maxQueued', 0, where, true);
  const idleTimeout = o.idleTimeout === undefined ? -1 : msOption(o.idleTimeout, 'idleTimeout', where);
  const maxTasksPerWorker = o.maxTasksPerWorker === undefined ? Infinity
    : intOption(o.maxTasksPerWorker, 'maxTasksPerWorker', 1, where, true);
  const cancelGraceMs = o.cancelGraceMs === undefined ? 1000 : msOption(o.cancelGraceMs, 'cancelGraceMs', where);
  if (cancelGraceMs === -1) {
    throw new RangeError(`${where}: option 'cancelGraceMs' must be a finite number of milliseconds >= 0; got ${describe(o.cancelGraceMs)}`);
  }
  const retries = o.retries === undefined ? 0 : intOption(o.retries, 'retries', 0, where);

  let unwrapFutures = true;
  if (o.unwrapFutures !== undefined) {
    if (typeof o.unwrapFutures !== 'boolean') {
      throw new TypeError(`${where}: option 'unwrapFutures' must be a boolean; got ${describe(o.unwrapFutures)}`);
    }
    unwrapFutures = o.unwrapFutures;
  }

  let resourceLimits = null;
  if (o.resourceLimits !== undefined) {
    if (!isPlainObject(o.resourceLimits)) {
      throw new TypeError(`${where}: option 'resourceLimits' must be a plain object with ${RESOURCE_LIMIT_KEYS.join(', ')}; got ${describe(o.resourceLimits)}`);
    }
    checkKeys(o.resourceLimits, RESOURCE_LIMIT_SET, RESOURCE_LIMIT_KEYS, where, 'resourceLimits.');
    resourceLimits = {};
    for (const k of RESOURCE_LIMIT_KEYS) {
      const v = o.resourceLimits[k];
      if (v === undefined) continue;
      if (typeof v !== 'number') throw new TypeError(`${where}: option 'resourceLimits.${k}' must be a number > 0; got ${describe(v)}`);
      if (!(v > 0) || !Number.isFinite(v)) throw new RangeError(`${where}: option 'resourceLimits.${k}' must be a finite number > 0; got ${describe(v)}`);
      resourceLimits[k] = v;
    }
  }

  let remote = null;
  if (mode === 'remote') {
    remote = { redis: o.redis, queue: o.queue, localWorkers: o.localWorkers, connectTimeout: o.connectTimeout, keepFinished: o.keepFinished, maxBatch: o.maxBatch };
  }

  return {
    mode, maxWorkers, balance, maxQueued, idleTimeout, maxTasksPerWorker, resourceLimits,
    cancelGraceMs, retries, unwrapFutures, remote,
  };
}

/** Transferable classes of this runtime besides ArrayBuffer (checked at the call: postMessage's own error names none). */
const TRANSFERABLES = ['MessagePort', 'ReadableStream', 'WritableStream', 'TransformStream', 'ImageBitmap',
  'OffscreenCanvas', 'VideoFrame', 'AudioData', 'RTCDataChannel', 'MediaSourceHandle']
  .map((n) => /** @type {any} */ (globalThis)[n]).filter((c) => typeof c === 'function');
const TRANSFERABLE_NAMES = TRANSFERABLES.map((c) => c.name).filter((n) => n !== 'MessagePort').join(', ') || 'none here';

function isTransferable(x) {
  if (x instanceof ArrayBuffer) return true;
  for (const c of TRANSFERABLES) if (x instanceof c) return true;
  return false;
}

/**
 * Validates callWith()'s options.
 * @param {unknown} options
 * @param {{ retries: number }} worker the worker's normalized options (per-call defaults)
 * @returns {{ signal: AbortSignal|null, timeout: number, transfer: Transferable[], onProgress: ((value: unknown) => void)|null, retries: number }}
 */
export function normalizeCallOptions(options, worker) {
  const where = 'callWith()';
  if (!isPlainObject(options)) {
    throw new TypeError(`${where}: 'options' (the first argument) must be a plain object with ${CALL_KEYS.join(', ')}; got ${describe(options)}`);
  }
  const o = /** @type {Record<string, any>} */ (options);
  checkKeys(o, CALL_SET, CALL_KEYS, where);
  const signal = signalToCore(o.signal, where);
  const timeout = timeoutToCore(o.timeout, where);
  let transfer = [];
  if (o.transfer !== undefined && o.transfer !== null) {
    if (!Array.isArray(o.transfer)) {
      throw new TypeError(`${where}: option 'transfer' must be an array of ArrayBuffers (or other transferables); got ${describe(o.transfer)}`);
    }
    const at = new Map();
    for (let i = 0; i < o.transfer.length; i++) {
      const x = o.transfer[i];
      if (ArrayBuffer.isView(x)) {
        throw new TypeError(`${where}: option 'transfer[${i}]' is a ${x.constructor.name}, a view; transfer its buffer ('.buffer')`);
      }
      if (typeof SharedArrayBuffer === 'function' && x instanceof SharedArrayBuffer) {
        throw new TypeError(`${where}: option 'transfer[${i}]' is a SharedArrayBuffer, which is shared, not moved: pass it as an argument and leave it out of 'transfer'`);
      }
      if (!isTransferable(x)) {
        throw new TypeError(`${where}: option 'transfer[${i}]' must be an ArrayBuffer or a MessagePort (or another transferable: ${TRANSFERABLE_NAMES}); got ${describe(x)}`);
      }
      if (isDetached(x)) {
        throw new TypeError(`${where}: option 'transfer[${i}]' is an ArrayBuffer that was already transferred (detached); it has nothing left to move`);
      }
      const j = at.get(x);
      if (j !== undefined) throw new TypeError(`${where}: option 'transfer[${i}]' is transfer[${j}] again; list each object once`);
      at.set(x, i);
    }
    transfer = o.transfer.slice();
  }
  let onProgress = null;
  if (o.onProgress !== undefined && o.onProgress !== null) {
    if (typeof o.onProgress !== 'function') {
      throw new TypeError(`${where}: option 'onProgress' must be a function; got ${describe(o.onProgress)}`);
    }
    onProgress = o.onProgress;
  }
  const retries = o.retries === undefined ? worker.retries : intOption(o.retries, 'retries', 0, where);
  return { signal, timeout, transfer, onProgress, retries };
}

/** The per-call options of call(): none set. @param {{ retries: number }} worker */
export function defaultCallOptions(worker) {
  return { signal: null, timeout: -1, transfer: [], onProgress: null, retries: worker.retries };
}

/**
 * Validates a method name.
 * @param {unknown} method
 * @param {string} where
 * @returns {string}
 */
export function checkMethod(method, where) {
  if (typeof method !== 'string' || method.length === 0) {
    throw new TypeError(`${where}: 'method' must be a non-empty string naming a function of the worker's target; got ${describe(method)}`);
  }
  return method;
}

/**
 * Whether x is a detached ArrayBuffer (transferred away): `detached` where
 * the engine has it, else a zero-length buffer no view can be made on.
 * @param {unknown} x
 * @returns {boolean}
 */
function isDetached(x) {
  if (!(x instanceof ArrayBuffer) || x.byteLength !== 0) return false;
  if (typeof (/** @type {any} */ (x)).detached === 'boolean') return /** @type {any} */ (x).detached;
  try {
    new Uint8Array(x); // eslint-disable-line no-new
    return false;
  } catch {
    return true;
  }
}
