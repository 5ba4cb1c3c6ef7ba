/**
 * Polling strategies, backed by the core's cy_polling: the four built-ins of
 * the original (Concurry's design: Fixed, Adaptive, Exponential, Progressive;
 * parameters from `config.defaults` at construction, overridden field by
 * field and checked as a whole by the core, with the same rules as
 * `config.defaults`) and custom ones (subclass PollingStrategy and override
 * the four methods: the core calls them through a cy_polling vtable).
 * Strategies pace only probe-only futures; a wait on futures that notify
 * never polls. The core allocates every cy_polling and answers every
 * question about it (kind, parameters, user id), so no struct layout is
 * known here.
 * @module concurry-wasm/polling
 */
import { C, Module, heap, cstr, withStack, addFunction, coreFailure, CY_ENOENT, CY_EINVAL, CY_ENOMEM } from './core.js';
import { PollingAlgorithm, kPollingStrategy } from './options.js';

const registry = new FinalizationRegistry(({ ptr, id }) => {
  if (id) customs.delete(id);
  C.cy_js_polling_free(ptr);
});

/**
 * Calls create(out), a core constructor that writes a cy_polling* at out and
 * returns its status: the pointer, or throws what `failure(rc)` gives.
 */
function createPolling(create, failure) {
  return withStack(4, (out) => {
    const rc = create(out);
    if (rc) throw failure(rc);
    return heap().u32[out >> 2];
  });
}

/** A C string from the core, or null for NULL. */
const str = (p) => (p ? Module.UTF8ToString(p) : null);

/* ---- custom strategies: a vtable of trampolines into JS ------------------ */

const METHODS = ['nextInterval', 'recordCompletion', 'recordNoCompletion', 'reset'];
const customs = new Map(); // user id -> WeakRef<PollingStrategy>
let nextCustomId = 1;
function customOf(p) {
  const ref = customs.get(C.cy_js_polling_user(p));
  return ref && ref.deref();
}
// Strategies whose exception was printed: a strategy that throws does so on
// every probe round, and one report says all there is (the wait goes on with
// the fallback). Weak, so a dropped strategy is not kept.
const reported = new WeakSet();
/** The strategy's class name, read without running user code (an own `constructor` could be a getter). */
function classOf(s) {
  const p = Object.getPrototypeOf(s);
  const d = p && Object.getOwnPropertyDescriptor(p, 'constructor');
  return d && typeof d.value === 'function' && d.value.name ? d.value.name : 'PollingStrategy subclass';
}
function safe(s, fn, fallback) {
  try { return fn(); } catch (e) {
    if (!reported.has(s)) {
      reported.add(s);
      // eslint-disable-next-line no-console
      console.error(`concurry-wasm: exception in a custom polling strategy (${classOf(s)}); ` +
        'the wait goes on (a throwing nextInterval() counts as 10 ms); further exceptions of this strategy are not printed:', e);
    }
    return fallback;
  }
}
let vtable = 0;
function customVtable() {
  if (vtable) return vtable;
  const next = addFunction((p) => {
    const s = customOf(p);
    if (!s) return 10;
    const v = safe(s, () => Number(s.nextInterval()), 10);
    return Number.isFinite(v) && v >= 0 ? v : 10;
  }, 'di');
  const done = addFunction((p) => { const s = customOf(p); if (s) safe(s, () => s.recordCompletion()); }, 'vi');
  const empty = addFunction((p) => { const s = customOf(p); if (s) safe(s, () => s.recordNoCompletion()); }, 'vi');
  const reset = addFunction((p) => { const s = customOf(p); if (s) safe(s, () => s.reset()); }, 'vi');
  // cy_polling_vtable: four function pointers, in the order concurry.h declares them.
  const vt = C.malloc(16);
  if (!vt) throw coreFailure('malloc', CY_ENOMEM);
  heap().u32.set([next, done, empty, reset], vt >> 2);
  vtable = vt;
  return vtable;
}

/** The methods of PollingStrategy a custom subclass leaves to the base class. */
function missingMethods(obj) {
  return METHODS.filter((m) => obj[m] === PollingStrategy.prototype[m]);
}

/**
 * A polling strategy (the original's BasePollingStrategy). Intervals are ms.
 * Construct a built-in by name with `PollingStrategy.create(name)` or its
 * class; subclass it (overriding all four methods) for a custom strategy.
 */
export class PollingStrategy {
  /**
   * @param {string} [name] a built-in's name (subclasses pass it); omitted: a custom strategy
   */
  constructor(name) {
    let id = 0;
    let ptr;
    if (name === undefined) {
      if (new.target === PollingStrategy) {
        throw new TypeError('PollingStrategy: pass a strategy name (PollingStrategy.create(name)) or subclass it with nextInterval/recordCompletion/recordNoCompletion/reset');
      }
      const missing = missingMethods(this);
      if (missing.length) {
        throw new TypeError(`${new.target.name || 'PollingStrategy subclass'}: a custom polling strategy must override ` +
          `all four methods of PollingStrategy, as methods of the class; missing: ${missing.join(', ')}`);
      }
      id = nextCustomId++;
      ptr = createPolling((out) => C.cy_js_polling_create_custom(out, customVtable(), id),
        (rc) => coreFailure('cy_js_polling_create_custom', rc));
      customs.set(id, new WeakRef(this));
    } else {
      ptr = createPolling((out) => C.cy_js_polling_create(out, cstr(String(name))), (rc) => (rc === CY_ENOENT
        ? new RangeError(`PollingStrategy: unknown strategy '${name}'; expected one of: ${Object.values(PollingAlgorithm).join(', ')}`)
        : coreFailure('cy_js_polling_create', rc)));
    }
    /** @private */ this._p = ptr;
    /** @private */ this._custom = id !== 0;
    registry.register(this, { ptr, id });
  }

  /**
   * A built-in strategy by name (case-insensitive), parameters from config.
   * @param {string} name
   * @returns {PollingStrategy}
   */
  static create(name) {
    if (typeof name !== 'string') throw new TypeError(`PollingStrategy.create(): 'name' must be a string; got ${typeof name}`);
    const kind = C.cy_polling_lookup(cstr(name));
    if (kind < 0) throw new RangeError(`PollingStrategy.create(): unknown strategy '${name}'; expected one of: ${Object.values(PollingAlgorithm).join(', ')}`);
    return new [FixedPollingStrategy, AdaptivePollingStrategy, ExponentialPollingStrategy, ProgressivePollingStrategy][kind]();
  }

  /** The canonical name ('fixed', 'adaptive', ... or 'custom'). @returns {string} */
  get name() {
    if (this._custom) return 'custom';
    return withStack(5 * 8, (out) => {
      C.cy_js_polling_state(this._p, out);
      return str(C.cy_polling_name(heap().f64[(out >> 3) + 1])) || 'custom';
    });
  }

  /** The next sleep interval in ms. @returns {number} */
  nextInterval() { this._builtin('nextInterval'); return C.cy_polling_next_interval(this._p); }
  /** Futures completed since the last check. */
  recordCompletion() { this._builtin('recordCompletion'); C.cy_polling_record_completion(this._p); }
  /** No future completed since the last check. */
  recordNoCompletion() { this._builtin('recordNoCompletion'); C.cy_polling_record_no_completion(this._p); }
  /** Back to the initial state. */
  reset() { this._builtin('reset'); C.cy_polling_reset(this._p); }

  /**
   * The core would call a custom strategy's base method back into JS (and
   * that again, until the stack overflows): say so instead.
   * @private
   */
  _builtin(method) {
    if (this._custom) {
      throw new TypeError(`${this.constructor.name}: a custom strategy must implement ${method}() itself; ` +
        'PollingStrategy.prototype.' + method + ' drives only the built-in strategies');
    }
  }

  /**
   * A built-in's parameters (those its constructor takes), as the core holds them.
   * @returns {Record<string, number>}
   */
  get params() {
    const names = /** @type {any} */ (this.constructor).PARAMS;
    if (this._custom || !names) return {};
    const o = {};
    for (const [js, c] of Object.entries(names)) o[js] = this._param(c);
    return o;
  }

  /** The cy_polling* (for the core's waitsets). @returns {number} @internal */
  get _ptr() { return this._p; }

  /** @private */
  _param(cname) {
    return withStack(8, (out) => {
      const rc = C.cy_js_polling_param(this._p, cstr(cname), out);
      if (rc) throw coreFailure(`cy_js_polling_param('${cname}')`, rc);
      return heap().f64[out >> 3];
    });
  }

  /**
   * Overrides parameters (JS name -> number), checked by the core as a whole
   * (cy_polling_params_check: the rules of config.defaults).
   * @protected
   */
  _setParams(params) {
    if (params === undefined) return;
    const cls = this.constructor.name;
    /** @type {Record<string, string>} */
    const names = /** @type {any} */ (this.constructor).PARAMS;
    if (params === null || typeof params !== 'object') throw new TypeError(`${cls}: parameters must be an object; got ${params === null ? 'null' : typeof params}`);
    const keys = Reflect.ownKeys(params).filter((k) => Object.prototype.propertyIsEnumerable.call(params, k));
    const jsOf = (c) => Object.keys(names).find((k) => names[k] === c) || c;
    for (const key of keys) {
      if (typeof key !== 'string' || !Object.hasOwn(names, key)) {
        throw new TypeError(`${cls}: unknown parameter '${String(key)}'; expected one of: ${Object.keys(names).join(', ')}`);
      }
      const v = params[key];
      if (typeof v !== 'number') throw new TypeError(`${cls}: parameter '${key}' must be a number; got ${v === null ? 'null' : typeof v}`);
    }
    const n = keys.length;
    if (n === 0) return;
    // One stack block: n doubles (at its 16-byte aligned start), n name pointers, 3 words of why.
    withStack(n * 12 + 12, (valueArr) => {
      const nameArr = valueArr + n * 8;
      const why = nameArr + n * 4;
      const h = heap();
      keys.forEach((k, i) => {
        h.u32[(nameArr >> 2) + i] = cstr(names[/** @type {string} */ (k)]);
        h.f64[(valueArr >> 3) + i] = params[k];
      });
      const rc = C.cy_js_polling_configure(this._p, nameArr, valueArr, n, why);
      if (rc === 0) return;
      const u = heap().u32;
      const [field, expected, other] = [str(u[why >> 2]), str(u[(why >> 2) + 1]), str(u[(why >> 2) + 2])];
      if (rc !== CY_EINVAL || !field) throw coreFailure('cy_js_polling_configure', rc);
      const got = Object.hasOwn(params, jsOf(field)) ? params[jsOf(field)] : this._param(field);
      if (other) {
        const otherValue = Object.hasOwn(params, jsOf(other)) ? params[jsOf(other)] : this._param(other);
        throw new RangeError(`${cls}: parameter '${jsOf(field)}' must be ${expected} ${jsOf(other)} (${otherValue}); got ${got}` +
          ' (parameters not given come from config.defaults)');
      }
      throw new RangeError(`${cls}: parameter '${jsOf(field)}' must be ${expected}; got ${got}`);
    });
  }
}
Object.defineProperty(PollingStrategy.prototype, kPollingStrategy, { value: true });

/** Constant interval (`config.defaults.pollingFixedInterval`, 10 ms). */
export class FixedPollingStrategy extends PollingStrategy {
  /** JS parameter name -> the core's (cy_polling_params). */
  static PARAMS = Object.freeze({ interval: 'interval' });
  /** @param {{ interval?: number }} [params] */
  constructor(params) {
    super('fixed');
    this._setParams(params);
  }
}

/** Speeds up (×0.7) on completions, slows down (×1.3) after 3 empty checks; 1..100 ms from 10 ms. */
export class AdaptivePollingStrategy extends PollingStrategy {
  static PARAMS = Object.freeze({
    minInterval: 'min_interval', maxInterval: 'max_interval', initialInterval: 'initial_interval',
    speedup: 'speedup', slowdown: 'slowdown', emptyChecks: 'empty_checks',
  });
  /** @param {{ minInterval?: number, maxInterval?: number, initialInterval?: number, speedup?: number, slowdown?: number, emptyChecks?: number }} [params] */
  constructor(params) {
    super('adaptive');
    this._setParams(params);
  }
}

/** Doubles on every empty check up to 1000 ms, back to 1 ms on a completion. */
export class ExponentialPollingStrategy extends PollingStrategy {
  static PARAMS = Object.freeze({ initialInterval: 'initial_interval', maxInterval: 'max_interval', multiplier: 'multiplier' });
  /** @param {{ initialInterval?: number, maxInterval?: number, multiplier?: number }} [params] */
  constructor(params) {
    super('exponential');
    this._setParams(params);
  }
}

/**
 * Steps through min × 1, 5, 10, 50, 100, ... up to max (1, 5, 10, 50, 100 ms
 * by default), checksPerLevel empty checks per level; back to the first on a
 * completion.
 */
export class ProgressivePollingStrategy extends PollingStrategy {
  static PARAMS = Object.freeze({ minInterval: 'min_interval', maxInterval: 'max_interval', checksPerLevel: 'checks_per_level' });
  /** @param {{ minInterval?: number, maxInterval?: number, checksPerLevel?: number }} [params] */
  constructor(params) {
    super('progressive');
    this._setParams(params);
  }
}

export { PollingAlgorithm };
