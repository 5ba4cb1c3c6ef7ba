/**
 * Values across the boundary of a worker (thread, process, remote): errors
 * that keep what they are, and the path to a value that cannot be cloned.
 *
 * Structured clone keeps an Error's message (and, in Node, its stack) but
 * loses the class of any error it does not know, `cause` on older engines and
 * every own property, so errors travel as plain records (serializeError) and
 * are rebuilt on the other side (deserializeError): same class name (a class
 * of that name is made when it is not one of ours or a built-in), message,
 * stack, `cause` (recursively) and own enumerable properties.
 *
 * No dependency on the wasm core: a worker that only runs tasks loads this
 * without loading the core.
 * @module concurry-wasm/modes/boundary
 */
import {
  CancelledError, TimeoutError, InvalidStateError, WorkerCrashedError,
  QueueFullError, DataCloneError, CoreError,
} from '../errors.js';

/** Marks a serialized error record (a plain object that structured clone keeps). */
const TAG = '__concurryError';

/** Error classes rebuilt as themselves. */
const KNOWN = new Map([
  ['Error', Error], ['TypeError', TypeError], ['RangeError', RangeError],
  ['SyntaxError', SyntaxError], ['ReferenceError', ReferenceError],
  ['EvalError', EvalError], ['URIError', URIError],
  ['CancelledError', CancelledError], ['TimeoutError', TimeoutError],
  ['InvalidStateError', InvalidStateError], ['WorkerCrashedError', WorkerCrashedError],
  ['QueueFullError', QueueFullError], ['DataCloneError', DataCloneError],
  ['CoreError', CoreError],
  ...(typeof AggregateError === 'function' ? [['AggregateError', AggregateError]] : []),
]);

/** The platform's DOMException, where there is one (Node 17+, browsers). */
function domClass() {
  const D = /** @type {any} */ (globalThis).DOMException;
  return typeof D === 'function' ? D : undefined;
}

/** Names of the engine's error classes, recognized as bases when native. */
const BUILTIN = new Set(['Error', 'TypeError', 'RangeError', 'SyntaxError', 'ReferenceError',
  'EvalError', 'URIError', 'AggregateError']);

/**
 * The class a foreign error is rebuilt from: one of ours or a built-in as
 * itself; a user class (which the other side cannot import) as a stand-in
 * of the same name extending the nearest class of ours or built-in it
 * extended (`class E extends TypeError` comes back `instanceof TypeError`).
 * One stand-in per (name, base), so `instanceof` is stable between errors.
 */
const made = new Map();

function classNamed(name, base) {
  const known = KNOWN.get(name);
  if (known) return known;
  if (name === 'DOMException' && domClass()) return domClass();
  const parent = (base && KNOWN.get(base)) || (base === 'DOMException' && domClass()) || Error;
  const key = parent === Error ? name : `${name}\u0000${base}`;
  let cls = made.get(key);
  if (!cls) {
    // A computed key names the class: `err.constructor.name === name`.
    cls = { [name]: class extends parent {} }[name];
    made.set(key, cls);
  }
  return cls;
}

/**
 * The nearest class of `e`'s prototype chain that the other side has too
 * (ours, a native built-in error, DOMException), by name; 'Error' when none.
 */
function baseOf(e) {
  try {
    const Dom = domClass();
    for (let p = Object.getPrototypeOf(e), n = 0; p !== null && n < 32; p = Object.getPrototypeOf(p), n++) {
      const d = Object.getOwnPropertyDescriptor(p, 'constructor');
      const c = d && d.value;
      if (typeof c !== 'function') continue;
      const nm = c.name;
      // DOMException by name: another realm's (a vm context) is another
      // class, and Node's is not native code.
      if (KNOWN.get(nm) === c || (Dom !== undefined && c === Dom) || nm === 'DOMException') return nm;
      // Another realm's built-in (a vm context): native code of that name.
      if (BUILTIN.has(nm) && /\{\s*\[native code\]\s*\}\s*$/.test(Function.prototype.toString.call(c))) return nm;
    }
  } catch { /* a proxy that throws: a plain Error */ }
  return 'Error';
}

/**
 * A real DOMException of `name` with `message` (internal slots and all, so
 * that `.code`, `.name` and printing work), an instance of `cls` when that
 * is a stand-in extending DOMException; undefined where there is no
 * DOMException or it cannot be made. Shared by deserializeError and
 * load-error.js.
 * @param {string} message
 * @param {string} name
 * @param {Function} [cls] a class extending DOMException (default: DOMException)
 * @param {Function} [Dom] the DOMException to use (default: this realm's)
 * @returns {Error | undefined}
 */
export function makeDOMException(message, name, cls, Dom = domClass()) {
  if (typeof Dom !== 'function') return undefined;
  try {
    const d = cls && cls !== Dom ? Reflect.construct(Dom, [message, name], cls) : new Dom(message, name);
    // Printable: a class that is not really DOMException's would throw here.
    void d.name; void d.message; String(d);
    return d;
  } catch {
    return undefined;
  }
}

/** Depth limit for causes and nested properties (a cycle or a very deep chain stops there). */
const MAX_DEPTH = 8;

/**
 * Whether structured clone takes `v` (one trial clone for an object).
 * @param {unknown} v
 * @returns {boolean}
 */
export function cloneable(v) {
  if (v === null || (typeof v !== 'object' && typeof v !== 'function' && typeof v !== 'symbol')) return true;
  if (typeof v === 'function' || typeof v === 'symbol') return false;
  try {
    structuredClone(v);
    return true;
  } catch {
    return false;
  }
}

function serializeValue(v, depth) {
  if (v instanceof Error || isErrorRecordLike(v)) return serializeError(v, depth + 1);
  if (cloneable(v)) return v;
  // Kept as a description rather than dropped: the receiver sees that there was a value.
  return `[not cloneable: ${describeUncloneable(v)}]`;
}

function isErrorRecordLike(v) {
  return v !== null && typeof v === 'object' && isErrorLike(v);
}

/**
 * An Error from another realm (a vm context, as under Jest) fails
 * instanceof: its tag says Error, or (a DOMException, whose tag is its own)
 * some class on its prototype chain is named Error.
 * @param {unknown} v
 * @returns {boolean}
 */
export function isErrorLike(v) {
  if (v === null || typeof v !== 'object') return false;
  if (Object.prototype.toString.call(v) === '[object Error]') return true;
  try {
    for (let p = Object.getPrototypeOf(v), n = 0; p !== null && n < 32; p = Object.getPrototypeOf(p), n++) {
      const d = Object.getOwnPropertyDescriptor(p, 'constructor');
      if (d && typeof d.value === 'function' && d.value.name === 'Error' && d.value.prototype === p) return true;
    }
  } catch { /* a proxy that throws: not an error */ }
  return false;
}

/**
 * A plain, cloneable record of a thrown value. An Error keeps its class name,
 * message, stack, cause and own enumerable properties (values that cannot be
 * cloned are replaced by a description); any other thrown value travels as
 * itself when it can be cloned.
 * @param {unknown} err
 * @param {number} [depth]
 * @returns {object}
 */
export function serializeError(err, depth = 0) {
  if (!(err instanceof Error) && !isErrorRecordLike(err)) {
    return { [TAG]: 2, value: serializeValue(err, depth) };
  }
  const e = /** @type {any} */ (err);
  let name;
  try { name = typeof e.name === 'string' && e.name ? e.name : (e.constructor && e.constructor.name) || 'Error'; } catch { name = 'Error'; }
  let ctorName = name;
  try { if (e.constructor && typeof e.constructor.name === 'string' && e.constructor.name) ctorName = e.constructor.name; } catch { /* keep name */ }
  const rec = {
    [TAG]: 1,
    name,
    ctor: ctorName,
    message: safeString(() => e.message),
    stack: safeString(() => e.stack),
    props: /** @type {Record<string, unknown>} */ ({}),
  };
  // A user class extending a built-in (or one of ours, or DOMException):
  // the other side rebuilds it extending that one (classNamed).
  if (!KNOWN.has(ctorName)) {
    const base = baseOf(e);
    if (base !== 'Error') rec.base = base;
  }
  if (depth < MAX_DEPTH) {
    let hasCause = false;
    try { hasCause = 'cause' in e; } catch { /* no cause */ }
    if (hasCause) {
      try { rec.cause = serializeValue(e.cause, depth); } catch { rec.cause = '[cause could not be read]'; }
      rec.hasCause = true;
    }
    let keys = [];
    try { keys = Object.keys(e); } catch { /* none */ }
    for (const k of keys) {
      if (k === 'name' || k === 'message' || k === 'stack' || k === 'cause') continue;
      let v;
      try { v = e[k]; } catch { rec.props[k] = '[property could not be read]'; continue; }
      // A function (a method set in the constructor, a callback) is left
      // out, as a class's methods are: it cannot be sent, and a string in
      // its place would break `typeof e.fn === 'function'` checks silently.
      if (typeof v === 'function') continue;
      try { rec.props[k] = serializeValue(v, depth); } catch { rec.props[k] = '[property could not be read]'; }
    }
    // An AggregateError's `errors` is own but not enumerable: kept as it is.
    try {
      const d = Object.getOwnPropertyDescriptor(e, 'errors');
      if (d && !d.enumerable && Array.isArray(d.value)) rec.errors = d.value.map((x) => serializeValue(x, depth));
    } catch { /* not readable: left out */ }
  }
  return rec;
}

function safeString(get) {
  try {
    const v = get();
    return v === undefined ? undefined : String(v);
  } catch {
    return undefined;
  }
}

/**
 * True for a record serializeError made.
 * @param {unknown} x
 * @returns {boolean}
 */
export function isSerializedError(x) {
  return x !== null && typeof x === 'object' && (/** @type {any} */ (x)[TAG] === 1 || /** @type {any} */ (x)[TAG] === 2);
}

/**
 * Rebuilds the thrown value of a serializeError record: an instance of the
 * same class (ours and the built-ins as themselves, any other name as a
 * class of that name extending Error), with message, stack, cause and own
 * enumerable properties.
 * @param {any} rec
 * @returns {unknown}
 */
export function deserializeError(rec) {
  if (!isSerializedError(rec)) return rec;
  if (rec[TAG] === 2) return deserializeMaybe(rec.value);
  const ctor = rec.ctor || rec.name || 'Error';
  const cls = classNamed(ctor, rec.base);
  const message = rec.message === undefined ? '' : rec.message;
  const Dom = domClass();
  // A DOMException (or a subclass) needs its constructor's internal slots:
  // its name, message and code getters read them. Made by that constructor.
  const dom = Dom !== undefined && (cls === Dom || cls.prototype instanceof Dom)
    ? makeDOMException(message, rec.name, cls, Dom) : undefined;
  const err = dom !== undefined ? dom : Object.create(cls.prototype);
  // Own, non-enumerable like a constructed error's message and stack.
  if (dom === undefined) Object.defineProperty(err, 'message', { value: message, writable: true, configurable: true, enumerable: false });
  if (rec.stack !== undefined) Object.defineProperty(err, 'stack', { value: rec.stack, writable: true, configurable: true, enumerable: false });
  if (rec.hasCause) Object.defineProperty(err, 'cause', { value: deserializeMaybe(rec.cause), writable: true, configurable: true, enumerable: false });
  // Our classes (and user classes that set this.name) carry an own enumerable
  // name (a DOMException's is its constructor's, read through a getter).
  if (dom === undefined && rec.name !== cls.prototype.name) err.name = rec.name;
  if (Array.isArray(rec.errors)) Object.defineProperty(err, 'errors', { value: rec.errors.map(deserializeMaybe), writable: true, configurable: true, enumerable: false });
  for (const k of Object.keys(rec.props || {})) err[k] = deserializeMaybe(rec.props[k]);
  return err;
}

/**
 * The result of a call as it crosses: an Error returned as a value travels as
 * a thrown one does (serializeError: class, own properties, cause, errors),
 * since structured clone would drop its own properties; anything else as is.
 * Only the result itself is looked at, not errors nested inside it.
 * @param {unknown} v
 * @returns {unknown}
 */
export function encodeResult(v) {
  return v !== null && typeof v === 'object' && (v instanceof Error || isErrorRecordLike(v))
    ? { [TAG]: 3, error: serializeError(v) } : v;
}

/**
 * The result encodeResult made, rebuilt (an Error returned by the task comes
 * back as an Error with its own properties).
 * @param {unknown} v
 * @returns {unknown}
 */
export function decodeResult(v) {
  return v !== null && typeof v === 'object' && /** @type {any} */ (v)[TAG] === 3
    ? deserializeError(/** @type {any} */ (v).error) : v;
}

function deserializeMaybe(v) {
  return isSerializedError(v) ? deserializeError(v) : v;
}

/* ---- the path to what cannot be cloned ---------------------------------- */

function describeUncloneable(v) {
  if (typeof v === 'function') return 'function';
  if (typeof v === 'symbol') return 'symbol';
  if (v === null || typeof v !== 'object') return typeof v;
  let n;
  try { n = v.constructor && v.constructor.name; } catch { n = undefined; }
  return typeof n === 'string' && n ? n : Object.prototype.toString.call(v).slice(8, -1);
}

const IDENT = /^[A-Za-z_$][\w$]*$/;

function keyPath(path, k) {
  if (typeof k === 'symbol') return `${path}[${String(k)}]`;
  return IDENT.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`;
}

function mapKeyText(k) {
  if (typeof k === 'string') return JSON.stringify(k);
  if (typeof k === 'number' || typeof k === 'boolean' || k === null || k === undefined) return String(k);
  if (typeof k === 'bigint') return `${k}n`;
  return `<${describeUncloneable(k)}>`;
}

/** From a cloneWalk visitor: go on, but not into this value's members. */
export const SKIP = Symbol('skip');

/**
 * Walks `value` where structured clone looks, depth first, each object once:
 * array items, Map keys and values, Set members, and the own enumerable
 * string keys of other objects (not an Error's: a clone keeps only its name,
 * message, stack and cause). Each place is named as code would name it:
 * `args[1].config.fn`, `args[0].get("k")`, `args[0].keys()[1]`,
 * `args[2].values()[0]`. One walker for findUncloneable (below) and
 * unwrap.js's findFuture, so their paths agree.
 * @template H
 * @param {unknown} value
 * @param {string} root the name of the value ('args', 'result', ...)
 * @param {{
 *   enter(v: unknown, path: string): H | typeof SKIP | null | undefined,
 *   leave?(v: object, path: string): H | null,
 *   throwing?(path: string): H | null,
 * }} visit enter: each value (primitives too; an object once): a hit stops
 *   the walk with it, SKIP passes over the value's members, null or
 *   undefined goes into them. leave: an object none of whose members was a
 *   hit. throwing: a member whose getter threw.
 * @returns {H | null}
 */
export function cloneWalk(value, root, visit) {
  const seen = new Set();
  const walk = (v, path) => {
    const isObject = v !== null && typeof v === 'object';
    if (isObject) {
      if (seen.has(v)) return null;
      seen.add(v);
    }
    const r = visit.enter(v, path);
    if (r === SKIP) return null;
    if (r !== null && r !== undefined) return r;
    if (!isObject) return null;
    let hit = null;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length && hit === null; i++) hit = walk(v[i], `${path}[${i}]`);
    } else if (v instanceof Map) {
      let i = 0;
      for (const [k, x] of v) {
        hit = walk(k, `${path}.keys()[${i}]`) ?? walk(x, `${path}.get(${mapKeyText(k)})`);
        if (hit !== null) break;
        i++;
      }
    } else if (v instanceof Set) {
      let i = 0;
      for (const x of v) {
        hit = walk(x, `${path}.values()[${i}]`);
        if (hit !== null) break;
        i++;
      }
    } else if (!(v instanceof Error)) {
      let keys = [];
      try { keys = Object.keys(v); } catch { /* a proxy that throws: the object itself */ }
      for (const k of keys) {
        let x;
        try {
          x = v[k];
        } catch {
          hit = visit.throwing ? visit.throwing(keyPath(path, k)) : null;
          if (hit !== null) break;
          continue;
        }
        hit = walk(x, keyPath(path, k));
        if (hit !== null) break;
      }
    }
    if (hit !== null) return hit;
    return visit.leave ? visit.leave(v, path) : null;
  };
  return walk(value, root);
}

/* findUncloneable: functions and symbols are culprits; a value that clones
 * is passed over; an object that does not, with no culprit inside, is one
 * itself (WeakMap, Promise, ...). */
const UNCLONEABLE = {
  enter(v, path) {
    if (typeof v === 'function' || typeof v === 'symbol') return { path, what: describeUncloneable(v) };
    return cloneable(v) ? SKIP : null;
  },
  leave(v, path) { return { path, what: describeUncloneable(v) }; },
  throwing(path) { return { path, what: 'a getter that throws' }; },
};

/**
 * Where `value` holds something structured clone refuses, or null when it
 * clones. Paths read like code: `args[1].config.fn`, `args[0].get("k")`,
 * `args[2].values()[0]`.
 * @param {unknown} value
 * @param {string} [root] the name of the value ('args', 'result', ...)
 * @returns {{ path: string, what: string } | null}
 */
export function findUncloneable(value, root = 'value') {
  return cloneWalk(value, root, UNCLONEABLE);
}

/**
 * The DataCloneError for `value` that failed to clone with `cause` (the
 * engine's error): its message and `path` name the first value inside that
 * cannot be cloned (`args[1].config.fn: function`).
 * @param {unknown} value
 * @param {string} root the name of the value ('args', 'result')
 * @param {string} context what was being sent, e.g. "the arguments of 'fib'"
 * @param {unknown} [cause]
 * @returns {DataCloneError}
 */
export function dataCloneError(value, root, context, cause) {
  const hit = findUncloneable(value, root);
  const where = hit ? `${hit.path}: ${hit.what}` : `${root}: ${cause && /** @type {any} */ (cause).message ? /** @type {any} */ (cause).message : 'not cloneable'}`;
  return new DataCloneError(`Cannot send ${context}: ${where} cannot be cloned`, {
    path: hit ? hit.path : root,
    cause,
  });
}
