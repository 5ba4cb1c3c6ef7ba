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
  // Reflect.construct with the original's constructor as newTarget: an
  // instance of its class (prototype chain, stack captured here) without
  // running that class's constructor, which may want other arguments.
  let out;
  try {
    const ctor = Object.getPrototypeOf(err).constructor;
    out = Reflect.construct(Error, [text, { cause: e }], typeof ctor === 'function' ? ctor : Error);
    // V8 leaves out every frame up to a call of newTarget, which never came.
    const capture = /** @type {any} */ (Error).captureStackTrace;
    if (typeof capture === 'function') capture(out, moduleLoadError);
  } catch {
    out = new Error(text, { cause: e });
  }
  try {
    // A class rebuilt by name (boundary.js) or a class that sets this.name
    // carries an own name; the stack's first line was written before it.
    if (Object.prototype.hasOwnProperty.call(err, 'name') && typeof err.name === 'string') out.name = err.name;
    for (const k of Object.keys(err)) {
      if (k !== 'name' && k !== 'message' && k !== 'stack' && k !== 'cause') out[k] = err[k];
    }
  } catch { /* a throwing getter: the properties read so far are kept */ }
  return out;
}

/** An Error from another realm (a vm context, as under Jest) fails instanceof. */
function looksLikeError(v) {
  return v !== null && typeof v === 'object' && Object.prototype.toString.call(v) === '[object Error]';
}

function safeString(v) {
  try { return String(v); } catch { return Object.prototype.toString.call(v); }
}
