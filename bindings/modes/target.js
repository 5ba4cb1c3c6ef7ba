/**
 * What a worker runs: a module (URL or path) exporting functions, or, for the
 * modes that run on the caller's thread, an object of functions
 * (DESIGN.md, "Workers").
 *
 * Module targets become a URL string every runtime can `import()`: a URL
 * object or a string with a scheme (`file:`, `https:`, `data:`, ...) as is; in
 * Node a path (absolute, or relative to the current directory) becomes a
 * `file:` URL and a bare specifier (`my-pkg/tasks`) is resolved like an
 * import; in browsers a relative string is resolved against the document.
 * @module concurry-wasm/modes/target
 */
import { describeValue as describe } from '../options.js';
import { isNodeNow as isNode } from '../env.js';

const SCHEME = /^[a-zA-Z][a-zA-Z\d+.-]*:/;
const WIN_DRIVE = /^[a-zA-Z]:[\\/]/;


/**
 * The URL of a module target.
 * @param {string|URL} target
 * @param {string} [mode] for messages
 * @returns {Promise<string>}
 */
export async function moduleURL(target, mode = undefined) {
  if (target instanceof URL) return target.href;
  if (typeof target !== 'string') {
    throw new TypeError(`createWorker(): 'target' must be a module URL or path${mode ? ` for mode '${mode}'` : ''}; got ${describe(target)}`);
  }
  const s = target;
  if (s.length === 0) throw new TypeError("createWorker(): 'target' must be a module URL or path; got an empty string");
  if (isNode()) {
    if (WIN_DRIVE.test(s) || !SCHEME.test(s)) {
      const looksLikePath = s.startsWith('.') || s.startsWith('/') || s.startsWith('\\') || WIN_DRIVE.test(s) ||
        /\.[cm]?js$/.test(s);
      const { pathToFileURL } = await import('node:url');
      const path = await import('node:path');
      if (looksLikePath) return pathToFileURL(path.resolve(s)).href;
      try {
        return import.meta.resolve(s);
      } catch (e) {
        throw new TypeError(`createWorker(): cannot resolve the module ${JSON.stringify(s)} (neither a path, which starts with './', '../' or '/', nor an installed package)`, { cause: e });
      }
    }
    return s;
  }
  if (SCHEME.test(s)) return s;
  const base = typeof location === 'object' && location ? location.href : undefined;
  return new URL(s, base).href;
}

/**
 * The default pool size: cores − 1, at least 1.
 * @returns {Promise<number>}
 */
export async function defaultMaxWorkers() {
  let cores = 0;
  if (isNode()) {
    const os = await import('node:os');
    cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  } else if (typeof navigator === 'object' && navigator && navigator.hardwareConcurrency) {
    cores = navigator.hardwareConcurrency;
  }
  return Math.max(1, (cores | 0) - 1);
}

/**
 * Checks a target for a mode: a module URL/path (string or URL) for every
 * mode; an object of functions for sync and asyncio.
 * @param {unknown} target
 * @param {string} mode
 * @returns {'module' | 'object'}
 */
export function targetKind(target, mode) {
  if (typeof target === 'string' || target instanceof URL) return 'module';
  const local = mode === 'sync' || mode === 'asyncio';
  if (target !== null && (typeof target === 'object' || typeof target === 'function') && local) return 'object';
  if (local) {
    throw new TypeError(`createWorker(): 'target' must be a module URL or path, or an object of functions; got ${describe(target)}`);
  }
  if (target !== null && typeof target === 'object') {
    throw new TypeError(`createWorker(): mode '${mode}' needs a module URL or path as 'target' (functions cannot be sent to another ` +
      `thread or process); an object of functions works in modes 'sync' and 'asyncio'`);
  }
  throw new TypeError(`createWorker(): 'target' must be a module URL or path; got ${describe(target)}`);
}

/**
 * The functions of a loaded module, by name: its named exports, the members
 * of an `export default` object (named exports win on a clash), and an
 * exported default function as 'default'. `thisOf[name]` is the object a
 * member of the default object is called on.
 * @param {Record<string, unknown>} ns
 * @returns {{ fns: Record<string, unknown>, thisOf: Record<string, unknown> }}
 */
export function moduleTable(ns) {
  const fns = Object.create(null);
  const thisOf = Object.create(null);
  const def = ns.default;
  if (def !== null && typeof def === 'object') {
    for (const k of Object.keys(def)) {
      fns[k] = def[k];
      thisOf[k] = def;
    }
  }
  for (const k of Object.keys(ns)) {
    if (k === 'default') continue;
    fns[k] = ns[k];
    thisOf[k] = undefined;
  }
  if (typeof def === 'function' && fns.default === undefined) fns.default = def;
  return { fns, thisOf };
}

/**
 * Looks up `method` on an object target: own and inherited members, but not
 * those of Object.prototype or Function.prototype (`toString` is not a task).
 * @param {object} obj
 * @param {string} method
 * @returns {unknown} the member, or undefined
 */
export function objectMember(obj, method) {
  const v = /** @type {any} */ (obj)[method];
  // A member found only on Object.prototype or Function.prototype is theirs, not the target's.
  if (v !== undefined && (method in Object.prototype || method in Function.prototype)) {
    let o = obj;
    while (o !== null && o !== Object.prototype && o !== Function.prototype) {
      if (Object.prototype.hasOwnProperty.call(o, method)) return v;
      o = Object.getPrototypeOf(o);
    }
    return undefined;
  }
  return v;
}

/**
 * The error for a method the target does not have (or has as a non-function).
 * @param {string} method
 * @param {string} where "the module 'file:///…/tasks.js'" or 'the target object'
 * @param {unknown} found what is there under that name
 * @returns {TypeError}
 */
export function missingMethodError(method, where, found) {
  return new TypeError(`${where[0].toUpperCase()}${where.slice(1)} has no function '${method}'` +
    (found === undefined ? '' : ` ('${method}' is ${describe(found)})`));
}
