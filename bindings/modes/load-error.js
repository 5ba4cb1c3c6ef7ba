/**
 * createWorker()'s rejection for a module that cannot be loaded, the same in
 * every mode that loads one (sync and asyncio here, thread and process in
 * their first worker, c in the page or its Web Worker): an error of the load
 * error's own class (a SyntaxError for a syntax error, a TypeError, the
 * module's own class for what its top level threw), whose message names the
 * module, with the original error as `cause` and its own enumerable
 * properties (`code: 'ERR_MODULE_NOT_FOUND'`, ...) copied. The class is
 * kept so that `catch (e) { if (e instanceof SyntaxError) ... }` works as it
 * would around `await import()`; the message says which module, which the
 * engine's own message does not always do.
 * @module concurry-wasm/modes/load-error
 */

import { makeDOMException, isErrorLike } from './boundary.js';

const PREFIX = 'createWorker()';

/**
 * @param {unknown} e what loading threw (an Error, possibly rebuilt from
 *   another thread or process by boundary.js, or any thrown value)
 * @param {string} url the module's URL (or path), for the message
 * @returns {Error}
 */
export function moduleLoadError(e, url) {
  const err = /** @type {any} */ (e);
  let msg;
  try { msg = err !== null && typeof err === 'object' ? err.message : undefined; } catch { msg = undefined; }
  if (typeof msg === 'string' && msg.startsWith(PREFIX)) return err; // worded already
  const text = `${PREFIX}: cannot load the module '${url}': ${typeof msg === 'string' ? msg : safeString(e)}`;
  if (!(err instanceof Error) && !isErrorLike(err)) return new Error(text, { cause: e });
  let name;
  try { name = typeof err.name === 'string' ? err.name : undefined; } catch { name = undefined; }
  // Reflect.construct with the original's constructor as newTarget: an
  // instance of its class (prototype chain, stack captured here) without
  // running that class's constructor, which may want other arguments.
  /** @type {any} */
  let out;
  let ctor;
  try { ctor = Object.getPrototypeOf(err).constructor; } catch { ctor = undefined; }
  try {
    out = Reflect.construct(Error, [text, { cause: e }], typeof ctor === 'function' ? ctor : Error);
  } catch {
    out = undefined;
  }
  // A class whose instances need internal slots or private fields that only
  // its constructor makes (DOMException: its name/message getters check for
  // them) gives an object that throws when printed. DOMException is made by
  // its own constructor, which takes (message, name); any other such class
  // gives way to a plain Error carrying the original's name.
  //
  // A DOMException from another thread or process is a real one already
  // (boundary.js); the one made here is too (makeDOMException), so that
  // `instanceof DOMException` and `.code` hold in every mode.
  const isDom = typeof ctor === 'function' && ctor.name === 'DOMException';
  const fit = out !== undefined && usable(out);
  if (out !== undefined && (!fit || isDom)) {
    out = undefined;
    // Unusable: the platform's own class (this realm's or the module's).
    const Dom = fit ? /** @type {any} */ (globalThis).DOMException : ctor;
    if (isDom) {
      const dom = makeDOMException(text, name, undefined, Dom);
      if (dom !== undefined) {
        Object.defineProperty(dom, 'cause', { value: e, writable: true, configurable: true });
        out = dom;
      }
    }
    if (out === undefined) {
      out = new Error(text, { cause: e });
      if (typeof name === 'string' && name) out.name = name;
    }
  }
  if (out === undefined) out = new Error(text, { cause: e });
  try {
    // A class rebuilt by name (boundary.js) or a class that sets this.name
    // carries an own name (a DOMException's is a getter: kept as made).
    if (!isDom && Object.prototype.hasOwnProperty.call(err, 'name') && typeof name === 'string') out.name = name;
  } catch { /* a read-only name: the class's own is kept */ }
  // After the name is final, as the stack's first line is written from it;
  // also, V8 leaves out every frame up to a call of newTarget, which never came.
  const capture = /** @type {any} */ (Error).captureStackTrace;
  try { if (typeof capture === 'function') capture(out, moduleLoadError); } catch { /* stack as captured */ }
  try {
    for (const k of Object.keys(err)) {
      if (k !== 'name' && k !== 'message' && k !== 'stack' && k !== 'cause') out[k] = err[k];
    }
  } catch { /* a throwing getter: the properties read so far are kept */ }
  // An AggregateError's `errors` (own, not enumerable): on the load error
  // too, as on a task's, not only on its cause.
  try {
    const d = Object.getOwnPropertyDescriptor(err, 'errors');
    if (d && !d.enumerable && Array.isArray(d.value) && !Object.prototype.hasOwnProperty.call(out, 'errors')) {
      Object.defineProperty(out, 'errors', { value: d.value, writable: true, configurable: true, enumerable: false });
    }
  } catch { /* not readable: left out */ }
  return out;
}

/** True when `v` can be printed: its name, message and stack read without throwing. */
function usable(v) {
  try {
    void v.name;
    void v.message;
    void v.stack;
    String(v);
    return true;
  } catch {
    return false;
  }
}

function safeString(v) {
  try { return String(v); } catch { return Object.prototype.toString.call(v); }
}
