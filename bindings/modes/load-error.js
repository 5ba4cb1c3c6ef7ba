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
  if (!(err instanceof Error) && !looksLikeError(err)) return new Error(text, { cause: e });
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
  // A DOMException rebuilt by name from another thread or process
  // (boundary.js: a class named DOMException extending Error) becomes a real
  // one too, so that `instanceof DOMException` and `.code` hold in every mode.
  const isDom = typeof ctor === 'function' && ctor.name === 'DOMException';
  const fit = out !== undefined && usable(out);
  if (out !== undefined && (!fit || isDom)) {
    out = undefined;
    // Unusable: the platform's own class (this realm's or the module's).
    const Dom = fit ? /** @type {any} */ (globalThis).DOMException : ctor;
    if (isDom && typeof Dom === 'function') {
      try {
        const dom = new Dom(text, name);
        Object.defineProperty(dom, 'cause', { value: e, writable: true, configurable: true });
        if (usable(dom)) out = dom;
      } catch { /* a plain Error below */ }
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
  return out;
}

/**
 * An Error from another realm (a vm context, as under Jest) fails instanceof:
 * its tag says Error, or (a DOMException, whose tag is its own) some class on
 * its prototype chain is named Error.
 */
function looksLikeError(v) {
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
