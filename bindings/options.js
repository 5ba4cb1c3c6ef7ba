/**
 * Option validation for wait(), gather() and the futures' result()/exception().
 *
 * Unknown keys throw a TypeError naming the key; `timeout` follows the JS rule
 * (undefined, null or Infinity: none; otherwise a finite number >= 0, in ms);
 * `returnWhen` is case-insensitive; `polling` is a strategy name
 * (case-insensitive) or a strategy instance.
 * @module concurry-wasm/options
 */
import { progressToSpec } from './progress.js';

/** Return conditions of wait(); the values are the core's CY_* constants' names. */
export const ReturnWhen = Object.freeze({
  ALL_COMPLETED: 'ALL_COMPLETED',
  FIRST_COMPLETED: 'FIRST_COMPLETED',
  FIRST_EXCEPTION: 'FIRST_EXCEPTION',
});

/** The core's numeric codes for ReturnWhen (enum in concurry.h). */
export const RETURN_WHEN_CODE = Object.freeze({ ALL_COMPLETED: 0, FIRST_COMPLETED: 1, FIRST_EXCEPTION: 2 });

/** Names of the built-in polling algorithms (the core's registry). */
export const PollingAlgorithm = Object.freeze({
  Fixed: 'fixed',
  Adaptive: 'adaptive',
  Exponential: 'exponential',
  Progressive: 'progressive',
});

const POLLING_NAMES = new Set(Object.values(PollingAlgorithm));

/** Brand carried by polling strategy instances (see polling.js). */
export const kPollingStrategy = Symbol.for('concurry-wasm.pollingStrategy');

const WAIT_KEYS = ['timeout', 'returnWhen', 'polling', 'progress', 'recurse', 'signal', 'cancelPending'];
const GATHER_KEYS = ['returnExceptions', 'iter', 'timeout', 'polling', 'progress', 'recurse', 'signal', 'cancelPending'];
const RESULT_KEYS = ['timeout'];
const WAIT_SET = new Set(WAIT_KEYS);
const GATHER_SET = new Set(GATHER_KEYS);
const RESULT_SET = new Set(RESULT_KEYS);


/**
 * True for `{}`-style objects: prototype Object.prototype or null.
 * @param {unknown} x
 * @returns {x is Record<PropertyKey, unknown>}
 */
export function isPlainObject(x) {
  if (x === null || typeof x !== 'object') return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

function describe(x) {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'number' && Number.isNaN(x)) return 'NaN';
  if (typeof x === 'object') return `an object (${Object.prototype.toString.call(x).slice(8, -1)})`;
  if (typeof x === 'string') return `the string ${JSON.stringify(x.length > 40 ? x.slice(0, 40) + '…' : x)}`;
  if (typeof x === 'symbol') return 'a symbol';
  if (typeof x === 'function') return 'a function';
  return `${typeof x} ${String(x)}`;
}

/**
 * Validates a timeout in milliseconds. Returns the core's form: a number >= 0,
 * or -1 for "none" (never visible to users).
 * @param {unknown} t
 * @param {string} where  e.g. 'wait()'
 * @returns {number}
 */
export function timeoutToCore(t, where) {
  if (t === undefined || t === null || t === Infinity) return -1;
  if (typeof t !== 'number') {
    throw new TypeError(`${where}: option 'timeout' must be a number of milliseconds (>= 0), undefined, null or Infinity; got ${describe(t)}`);
  }
  if (!(t >= 0) || !Number.isFinite(t)) {
    throw new RangeError(`${where}: option 'timeout' must be a finite number of milliseconds >= 0 (or undefined/null/Infinity for none); got ${describe(t)}`);
  }
  return t;
}

/**
 * Throws a TypeError naming the first key of `opts` not in `allowed`: string
 * keys (own and inherited enumerable) and own Symbol keys, which no option
 * has.
 * @param {object} opts
 * @param {Set<string>} allowed
 * @param {string[]} allowedList
 * @param {string} where  e.g. 'wait()', or 'wait(): option \'progress\'' for sub-options
 * @param {string} [prefix]  put before the key in the message (e.g. 'progress.')
 */
export function checkKeys(opts, allowed, allowedList, where, prefix = '') {
  for (const key in opts) {
    if (!allowed.has(key)) {
      throw new TypeError(`${where}: unknown option '${prefix}${key}'; expected one of: ${allowedList.join(', ')}`);
    }
  }
  const symbols = Object.getOwnPropertySymbols(opts);
  if (symbols.length !== 0) {
    throw new TypeError(`${where}: unknown option ${prefix ? `'${prefix}' ` : ''}key ${String(symbols[0])} (option keys are strings); expected one of: ${allowedList.join(', ')}`);
  }
}

function checkBool(v, name, where) {
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw new TypeError(`${where}: option '${name}' must be a boolean; got ${describe(v)}`);
  return v;
}

/**
 * @param {unknown} v
 * @param {string} where
 * @returns {number} the core's return_when code
 */
export function returnWhenToCore(v, where) {
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'string') {
    throw new TypeError(`${where}: option 'returnWhen' must be one of 'ALL_COMPLETED', 'FIRST_COMPLETED', 'FIRST_EXCEPTION' (case-insensitive); got ${describe(v)}`);
  }
  const code = RETURN_WHEN_CODE[v.toUpperCase()];
  if (code === undefined) {
    throw new RangeError(`${where}: option 'returnWhen' must be one of 'ALL_COMPLETED', 'FIRST_COMPLETED', 'FIRST_EXCEPTION' (case-insensitive); got ${describe(v)}`);
  }
  return code;
}

/**
 * @param {unknown} v
 * @param {string} where
 * @returns {null | string | object} null (config default), a lower-case name, or a strategy instance
 */
export function pollingToCore(v, where) {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') {
    const name = v.toLowerCase();
    if (!POLLING_NAMES.has(name)) {
      throw new RangeError(`${where}: option 'polling' must be one of ${[...POLLING_NAMES].map((n) => `'${n}'`).join(', ')} (case-insensitive) or a polling strategy instance; got ${describe(v)}`);
    }
    return name;
  }
  if (typeof v === 'object' && v[kPollingStrategy] === true) return v;
  throw new TypeError(`${where}: option 'polling' must be a strategy name (${[...POLLING_NAMES].join(', ')}) or a polling strategy instance (PollingStrategy); got ${describe(v)}`);
}

/*
 * An AbortSignal, or an object with what a wait uses of one: `aborted`,
 * `reason` (read when aborted), addEventListener and removeEventListener (a
 * wait that could add its listener but not remove it would leak it, or
 * never settle).
 */
export function signalToCore(v, where) {
  if (v === undefined || v === null) return null;
  if (typeof AbortSignal === 'function' && v instanceof AbortSignal) return v;
  if (typeof v !== 'object') {
    throw new TypeError(`${where}: option 'signal' must be an AbortSignal; got ${describe(v)}`);
  }
  const missing = [];
  if (typeof v.aborted !== 'boolean') missing.push("a boolean 'aborted'");
  if (!('reason' in v)) missing.push("a 'reason'");
  if (typeof v.addEventListener !== 'function') missing.push('addEventListener()');
  if (typeof v.removeEventListener !== 'function') missing.push('removeEventListener()');
  if (missing.length !== 0) {
    throw new TypeError(`${where}: option 'signal' must be an AbortSignal (or have ${missing.join(', ')}); got ${describe(v)} without ${missing.join(', ')}`);
  }
  return v;
}

/**
 * Normalized options of wait().
 * @typedef {{ timeout: number, returnWhen: number, polling: null|string|object,
 *   progress: ProgressSpec|null, recurse: boolean, signal: AbortSignal|null, cancelPending: boolean }} WaitOptions
 */

/*
 * The options of a call without any: one frozen object each, shared (a
 * pending wait holds its options; N concurrent ones hold this one).
 */
const WAIT_DEFAULTS = Object.freeze({ timeout: -1, returnWhen: 0, polling: null, progress: null, recurse: false, signal: null, cancelPending: false });
const GATHER_DEFAULTS = Object.freeze({ timeout: -1, returnExceptions: false, iter: false, polling: null, progress: null, recurse: false, signal: null, cancelPending: false });

/**
 * @param {unknown} opts
 * @returns {WaitOptions}
 */
export function parseWaitOptions(opts) {
  const where = 'wait()';
  if (opts === undefined) return WAIT_DEFAULTS;
  if (!isPlainObject(opts)) throw new TypeError(`${where}: options must be a plain object; got ${describe(opts)}`);
  checkKeys(opts, WAIT_SET, WAIT_KEYS, where);
  return {
    timeout: timeoutToCore(opts.timeout, where),
    returnWhen: returnWhenToCore(opts.returnWhen, where),
    polling: pollingToCore(opts.polling, where),
    progress: progressToSpec(opts.progress, where),
    recurse: checkBool(opts.recurse, 'recurse', where),
    signal: signalToCore(opts.signal, where),
    cancelPending: checkBool(opts.cancelPending, 'cancelPending', where),
  };
}

/**
 * Normalized options of gather().
 * @typedef {{ timeout: number, returnExceptions: boolean, iter: boolean, polling: null|string|object,
 *   progress: ProgressSpec|null, recurse: boolean, signal: AbortSignal|null, cancelPending: boolean }} GatherOptions
 */

/**
 * @param {unknown} opts
 * @returns {GatherOptions}
 */
export function parseGatherOptions(opts) {
  const where = 'gather()';
  if (opts === undefined) return GATHER_DEFAULTS;
  if (!isPlainObject(opts)) throw new TypeError(`${where}: options must be a plain object; got ${describe(opts)}`);
  checkKeys(opts, GATHER_SET, GATHER_KEYS, where);
  return {
    timeout: timeoutToCore(opts.timeout, where),
    returnExceptions: checkBool(opts.returnExceptions, 'returnExceptions', where),
    iter: checkBool(opts.iter, 'iter', where),
    polling: pollingToCore(opts.polling, where),
    progress: progressToSpec(opts.progress, where),
    recurse: checkBool(opts.recurse, 'recurse', where),
    signal: signalToCore(opts.signal, where),
    cancelPending: checkBool(opts.cancelPending, 'cancelPending', where),
  };
}

/**
 * Options of a future's result()/exception(): `{ timeout }`.
 * @param {unknown} opts
 * @param {string} where
 * @returns {number} the core's timeout (-1: none)
 */
export function parseResultOptions(opts, where) {
  if (opts === undefined || opts === null) return -1;
  if (!isPlainObject(opts)) throw new TypeError(`${where}: options must be a plain object like { timeout: 100 }; got ${describe(opts)}`);
  checkKeys(opts, RESULT_SET, RESULT_KEYS, where);
  return timeoutToCore(opts.timeout, where);
}

export { describe as describeValue };
