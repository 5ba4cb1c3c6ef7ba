/**
 * Argument unwrapping (the original's `unwrap_futures`, on by default): the
 * futures and Promises among a call's arguments, also nested in arrays, plain
 * objects, Map values and Set members, are awaited before the call and
 * replaced by their results. A future that failed (or was cancelled) fails the
 * call with its error.
 *
 * Containers that hold nothing to await are passed as they are (same
 * reference); containers that do are copied (the caller's objects are never
 * changed), cycles included. Class instances are not looked into: they are
 * the task's business, as with structured clone they would lose their class.
 * @module concurry-wasm/modes/unwrap
 */
import { BaseFuture, kFutureOf } from '../futures/base.js';
import { wrapFuture } from '../wrap.js';
import { cloneWalk, SKIP } from './boundary.js';

function isPlain(x) {
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** A Promise for an awaitable value, or null when `v` is not one. */
function awaitable(v) {
  if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return null;
  if (v instanceof BaseFuture) return v.result();
  if (v instanceof Promise) return v;
  let then;
  try {
    if (/** @type {any} */ (v)[kFutureOf] !== undefined) return wrapFuture(v).result();
    then = /** @type {any} */ (v).then;
  } catch (e) {
    // A getter that throws: the argument is a failed one, as Promise.resolve(v) would reject.
    return Promise.reject(e);
  }
  return typeof then === 'function' ? Promise.resolve(v) : null;
}

function isContainer(v) {
  return v !== null && typeof v === 'object' &&
    (Array.isArray(v) || v instanceof Map || v instanceof Set || isPlain(v));
}

function ownKeys(o) {
  const out = [];
  for (const k of Reflect.ownKeys(o)) {
    const d = Object.getOwnPropertyDescriptor(o, k);
    if (d && d.enumerable) out.push(k);
  }
  return out;
}

const VISITING = 2;

/**
 * Whether container `v` holds an awaitable anywhere. Memoized; a container
 * met again while it is being visited (a cycle) counts as false for now, and
 * a false answer that relied on one is not kept (asked again later, it sees
 * the whole cycle).
 */
function needs(v, cache) {
  const c = cache.get(v);
  if (c === VISITING) { cache.cycle = true; return false; }
  if (c !== undefined) return c;
  cache.set(v, VISITING);
  const outerCycle = cache.cycle;
  cache.cycle = false;
  let r = false;
  const child = (x) => {
    if (x === null || (typeof x !== 'object' && typeof x !== 'function')) return;
    if (isAwaitableShape(x)) r = true;
    else if (isContainer(x)) r = needs(x, cache);
  };
  if (Array.isArray(v)) for (let i = 0; i < v.length && !r; i++) child(v[i]);
  else if (v instanceof Map) for (const x of v.values()) { child(x); if (r) break; }
  else if (v instanceof Set) for (const x of v) { child(x); if (r) break; }
  else for (const k of ownKeys(v)) { child(v[k]); if (r) break; }
  if (r || !cache.cycle) cache.set(v, r);
  else cache.delete(v);
  cache.cycle = outerCycle || cache.cycle;
  return r;
}

function isAwaitableShape(v) {
  if (v instanceof BaseFuture || v instanceof Promise) return true;
  try {
    return /** @type {any} */ (v)[kFutureOf] !== undefined || typeof /** @type {any} */ (v).then === 'function';
  } catch {
    return true; // a throwing getter: awaitable() turns it into a failed argument
  }
}

/**
 * Copies container `v` (which needs unwrapping), scheduling each awaitable
 * child into `pending`; `finish` gets the steps that must run once all have
 * resolved (filling Sets, whose members cannot be replaced in place).
 */
function copy(v, cache, memo, pending, finish) {
  const m = memo.get(v);
  if (m !== undefined) return m;
  const put = (x, assign) => {
    const p = awaitable(x);
    if (p !== null) pending.push(p.then(assign));
    else if (isContainer(x) && needs(x, cache)) assign(copy(x, cache, memo, pending, finish));
    else assign(x);
  };
  if (Array.isArray(v)) {
    const out = new Array(v.length);
    memo.set(v, out);
    for (let i = 0; i < v.length; i++) put(v[i], (x) => { out[i] = x; });
    return out;
  }
  if (v instanceof Map) {
    const out = new Map();
    memo.set(v, out);
    for (const [k, x] of v) {
      out.set(k, undefined); // keeps the key order
      put(x, (y) => { out.set(k, y); });
    }
    return out;
  }
  if (v instanceof Set) {
    const out = new Set();
    memo.set(v, out);
    const items = [];
    let i = 0;
    for (const x of v) {
      const j = i++;
      items.push(undefined);
      put(x, (y) => { items[j] = y; });
    }
    finish.push(() => { for (const y of items) out.add(y); });
    return out;
  }
  const out = Object.getPrototypeOf(v) === null ? Object.create(null) : {};
  memo.set(v, out);
  for (const k of ownKeys(v)) {
    out[k] = undefined; // keeps the key order
    put(v[k], (y) => { out[k] = y; });
  }
  return out;
}

/**
 * The call's arguments with every future and Promise among them (nested in
 * arrays, plain objects, Map values and Set members) replaced by its result.
 * Returns null when there is nothing to await (use `args` as they are), else a
 * Promise of the new arguments, which rejects with the error of the first
 * argument future that fails (CancelledError for a cancelled one).
 * @param {unknown[]} args
 * @returns {null | Promise<unknown[]>}
 */
export function unwrapArgs(args) {
  // The common call: primitives only, nothing to look into.
  let i = 0;
  for (; i < args.length; i++) {
    const x = args[i];
    if (x !== null && (typeof x === 'object' || typeof x === 'function')) break;
  }
  if (i === args.length) return null;
  const cache = /** @type {Map<object, any> & { cycle?: boolean }} */ (new Map());
  cache.cycle = false;
  if (!needs(args, cache)) return null;
  const pending = [];
  const finish = [];
  const out = copy(args, cache, new Map(), pending, finish);
  return Promise.all(pending).then(() => {
    for (const f of finish) f();
    return /** @type {unknown[]} */ (out);
  });
}

/* findFuture: a future (or an object a future was made for) is the hit;
 * binary data holds none; a proxy that throws is left to the clone to report. */
const FUTURE = {
  enter(v, path) {
    if (v === null || typeof v !== 'object') return SKIP;
    if (v instanceof BaseFuture) return path;
    try {
      if (/** @type {any} */ (v)[kFutureOf] !== undefined) return path;
    } catch { return SKIP; }
    if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer ||
      (typeof SharedArrayBuffer === 'function' && v instanceof SharedArrayBuffer)) return SKIP;
    return null;
  },
};

/**
 * Where `value` holds a future (a BaseFuture, or an object a future was made
 * for), as a path like `args[0].x[1]`, or null. For `unwrapFutures: false`:
 * structured clone would copy a future's internals as a plain object, so a
 * call with one fails instead (a future cannot cross to a worker). Looks where
 * structured clone does (boundary.js's cloneWalk, as findUncloneable).
 * @param {unknown} value
 * @param {string} root the name of the value ('args')
 * @returns {string|null}
 */
export function findFuture(value, root) {
  return cloneWalk(value, root, FUTURE);
}
