/**
 * Polling strategies, backed by the core's cy_polling: the four built-ins of
 * the seed (Fixed, Adaptive, Exponential, Progressive; parameters from
 * `config.defaults` at construction) and custom ones (subclass
 * PollingStrategy and override the four methods: the core calls them through
 * a cy_polling vtable). Strategies pace only probe-only futures; a wait on
 * futures that notify never polls.
 * @module concurry-wasm/polling
 */
import { C, Module, heap, cstr, addFunction, coreFailure, CY_ENOENT } from './core.js';
import { PollingAlgorithm, kPollingStrategy } from './options.js';

// cy_polling on wasm32 (concurry.h): int kind @0, double interval @8, min @16,
// max @24, initial @32, speedup @40, slowdown @48, multiplier @56,
// unsigned empty_threshold @64, checks_per_level @68, nlevels @72,
// double levels[16] @80, current @208, unsigned consecutive_empty @216,
// checks_at_level @220, level @224, vt @228, user @232; 240 bytes.
const SIZEOF = 240;
const OFF = {
  kind: 0, interval: 8, min: 16, max: 24, initial: 32, speedup: 40, slowdown: 48, multiplier: 56,
  emptyThreshold: 64, checksPerLevel: 68, nlevels: 72, levels: 80, current: 208, user: 232,
};

const registry = new FinalizationRegistry(({ ptr, id }) => {
  if (id) customs.delete(id);
  C.free(ptr);
});

/* ---- custom strategies: a vtable of trampolines into JS ------------------ */

const customs = new Map(); // user id -> WeakRef<PollingStrategy>
let nextCustomId = 1;
function customOf(p) {
  const ref = customs.get(heap().u32[(p + OFF.user) >> 2]);
  return ref && ref.deref();
}
function safe(fn, fallback) {
  try { return fn(); } catch (e) {
    // eslint-disable-next-line no-console
    console.error('concurry-wasm: exception in a custom polling strategy:', e);
    return fallback;
  }
}
let vtable = 0;
function customVtable() {
  if (vtable) return vtable;
  const next = addFunction((p) => {
    const s = customOf(p);
    if (!s) return 10;
    const v = safe(() => Number(s.nextInterval()), 10);
    return Number.isFinite(v) && v >= 0 ? v : 10;
  }, 'di');
  const done = addFunction((p) => { const s = customOf(p); if (s) safe(() => s.recordCompletion()); }, 'vi');
  const empty = addFunction((p) => { const s = customOf(p); if (s) safe(() => s.recordNoCompletion()); }, 'vi');
  const reset = addFunction((p) => { const s = customOf(p); if (s) safe(() => s.reset()); }, 'vi');
  vtable = C.malloc(16);
  const u32 = heap().u32;
  u32[vtable >> 2] = next;
  u32[(vtable >> 2) + 1] = done;
  u32[(vtable >> 2) + 2] = empty;
  u32[(vtable >> 2) + 3] = reset;
  return vtable;
}

/**
 * A polling strategy (the seed's BasePollingStrategy). Intervals are ms.
 * Construct a built-in by name with `PollingStrategy.create(name)` or its
 * class; subclass it (overriding all four methods) for a custom strategy.
 */
export class PollingStrategy {
  /**
   * @param {string} [name] a built-in's name (subclasses pass it); omitted: a custom strategy
   */
  constructor(name) {
    /** @private */ this._p = C.malloc(SIZEOF);
    if (!this._p) throw coreFailure('malloc', -2);
    let id = 0;
    if (name === undefined) {
      if (new.target === PollingStrategy) {
        throw new TypeError('PollingStrategy: pass a strategy name (PollingStrategy.create(name)) or subclass it with nextInterval/recordCompletion/recordNoCompletion/reset');
      }
      id = nextCustomId++;
      customs.set(id, new WeakRef(this));
      const rc = C.cy_polling_init_custom(this._p, customVtable(), id);
      if (rc) { C.free(this._p); throw coreFailure('cy_polling_init_custom', rc); }
    } else {
      const rc = C.cy_polling_init(this._p, cstr(String(name)));
      if (rc) {
        C.free(this._p);
        if (rc === CY_ENOENT) throw new RangeError(`PollingStrategy: unknown strategy '${name}'; expected one of: ${Object.values(PollingAlgorithm).join(', ')}`);
        throw coreFailure('cy_polling_init', rc);
      }
    }
    registry.register(this, { ptr: this._p, id });
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
    const kind = heap().i32[this._p >> 2];
    const p = C.cy_polling_name(kind);
    return p ? Module.UTF8ToString(p) : 'custom';
  }

  /** The next sleep interval in ms. @returns {number} */
  nextInterval() { return C.cy_polling_next_interval(this._p); }
  /** Futures completed since the last check. */
  recordCompletion() { C.cy_polling_record_completion(this._p); }
  /** No future completed since the last check. */
  recordNoCompletion() { C.cy_polling_record_no_completion(this._p); }
  /** Back to the initial state. */
  reset() { C.cy_polling_reset(this._p); }

  /** The cy_polling* (for the core's waitsets). @returns {number} @internal */
  get _ptr() { return this._p; }

  /** @protected */
  _setParams(params, allowed) {
    if (params === undefined) return;
    if (params === null || typeof params !== 'object') throw new TypeError(`${this.constructor.name}: parameters must be an object; got ${params === null ? 'null' : typeof params}`);
    for (const key of Object.keys(params)) {
      const spec = allowed[key];
      if (!spec) throw new TypeError(`${this.constructor.name}: unknown parameter '${key}'; expected one of: ${Object.keys(allowed).join(', ')}`);
      const v = params[key];
      if (typeof v !== 'number' || !Number.isFinite(v) || !spec.ok(v)) {
        throw new RangeError(`${this.constructor.name}: parameter '${key}' must be ${spec.what}; got ${String(v)}`);
      }
    }
    const v = heap();
    for (const key of Object.keys(params)) {
      const { off, int } = allowed[key];
      if (int) v.u32[(this._p + off) >> 2] = params[key];
      else v.f64[(this._p + off) >> 3] = params[key];
    }
    C.cy_polling_reset(this._p);
  }
}
Object.defineProperty(PollingStrategy.prototype, kPollingStrategy, { value: true });

const ms = { ok: (v) => v > 0, what: 'a number of ms > 0' };

/** Constant interval (`config.defaults.pollingFixedInterval`, 10 ms). */
export class FixedPollingStrategy extends PollingStrategy {
  /** @param {{ interval?: number }} [params] */
  constructor(params) {
    super('fixed');
    this._setParams(params, { interval: { off: OFF.interval, ...ms } });
  }
}

/** Speeds up (×0.7) on completions, slows down (×1.3) after 3 empty checks; 1..100 ms from 10 ms. */
export class AdaptivePollingStrategy extends PollingStrategy {
  /** @param {{ minInterval?: number, maxInterval?: number, initialInterval?: number, speedup?: number, slowdown?: number, emptyChecks?: number }} [params] */
  constructor(params) {
    super('adaptive');
    this._setParams(params, {
      minInterval: { off: OFF.min, ...ms },
      maxInterval: { off: OFF.max, ...ms },
      initialInterval: { off: OFF.initial, ...ms },
      speedup: { off: OFF.speedup, ok: (v) => v > 0 && v <= 1, what: 'a factor in (0, 1]' },
      slowdown: { off: OFF.slowdown, ok: (v) => v >= 1, what: 'a factor >= 1' },
      emptyChecks: { off: OFF.emptyThreshold, int: true, ok: (v) => Number.isInteger(v) && v >= 1, what: 'an integer >= 1' },
    });
  }
}

/** Doubles on every empty check up to 1000 ms, back to 1 ms on a completion. */
export class ExponentialPollingStrategy extends PollingStrategy {
  /** @param {{ initialInterval?: number, maxInterval?: number, multiplier?: number }} [params] */
  constructor(params) {
    super('exponential');
    this._setParams(params, {
      initialInterval: { off: OFF.initial, ...ms },
      maxInterval: { off: OFF.max, ...ms },
      multiplier: { off: OFF.multiplier, ok: (v) => v >= 1, what: 'a factor >= 1' },
    });
  }
}

/** Steps through 1, 5, 10, 50, 100 ms, 5 checks per level; back to the first on a completion. */
export class ProgressivePollingStrategy extends PollingStrategy {
  /** @param {{ checksPerLevel?: number }} [params] */
  constructor(params) {
    super('progressive');
    this._setParams(params, {
      checksPerLevel: { off: OFF.checksPerLevel, int: true, ok: (v) => Number.isInteger(v) && v >= 1, what: 'an integer >= 1' },
    });
  }
}

export { PollingAlgorithm };
