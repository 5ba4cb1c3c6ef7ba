/**
 * Global configuration: the core's defaults (cy_config), readable and
 * writable from JS. `config.defaults.pollingFixedInterval = 5` sets
 * polling_fixed_interval in the core (validated there as a whole: an invalid
 * value throws RangeError and changes nothing); `config.reset()` restores the
 * built-ins. All intervals are milliseconds.
 * @module concurry-wasm/config
 */
import { C, Module, heap, cstr, withStack, CY_ENOENT } from './core.js';

/** camelCase JS name -> the core's field name. */
const FIELDS = {
  pollingFixedInterval: 'polling_fixed_interval',
  pollingAdaptiveMinInterval: 'polling_adaptive_min_interval',
  pollingAdaptiveMaxInterval: 'polling_adaptive_max_interval',
  pollingAdaptiveInitialInterval: 'polling_adaptive_initial_interval',
  pollingAdaptiveSpeedup: 'polling_adaptive_speedup',
  pollingAdaptiveSlowdown: 'polling_adaptive_slowdown',
  pollingAdaptiveEmptyChecks: 'polling_adaptive_empty_checks',
  pollingExponentialInitialInterval: 'polling_exponential_initial_interval',
  pollingExponentialMaxInterval: 'polling_exponential_max_interval',
  pollingExponentialMultiplier: 'polling_exponential_multiplier',
  pollingProgressiveMinInterval: 'polling_progressive_min_interval',
  pollingProgressiveMaxInterval: 'polling_progressive_max_interval',
  pollingProgressiveChecksPerLevel: 'polling_progressive_checks_per_level',
  progressMiniters: 'progress_miniters',
};
const KEYS = [...Object.keys(FIELDS), 'defaultPolling'];

function getNumber(cname) {
  return withStack(8, (out) => {
    const rc = C.cy_config_get_number(cstr(cname), out);
    if (rc) throw new Error(`concurry-wasm: cy_config_get_number('${cname}') failed (${rc})`);
    return heap().f64[out >> 3];
  });
}

function setNumber(key, cname, value) {
  if (typeof value !== 'number') {
    throw new TypeError(`config.defaults.${key} must be a number; got ${value === null ? 'null' : typeof value}`);
  }
  const rc = C.cy_config_set_number(cstr(cname), value);
  if (rc === CY_ENOENT) throw new TypeError(`config.defaults: unknown key '${key}'`);
  if (rc) throw new RangeError(`${brokenRule(cname, value)}; nothing was changed`);
}

const KEY_OF = Object.fromEntries(Object.entries(FIELDS).map(([js, c]) => [c, js]));

/**
 * Why the core refuses cname = value: the rule it reports (the check
 * strategies made from parameters go through too), in config.defaults' names.
 */
function brokenRule(cname, value) {
  return withStack(12, (why) => {
    C.cy_config_check_number(cstr(cname), value, why);
    const u = heap().u32;
    const [field, expected, other] = [0, 1, 2].map((i) => (u[(why >> 2) + i] ? Module.UTF8ToString(u[(why >> 2) + i]) : null));
    const key = KEY_OF[field] || field || KEY_OF[cname];
    if (!field || !expected) return `config.defaults.${KEY_OF[cname]}: ${value} is out of range`;
    const got = field === cname ? value : getNumber(field);
    if (other) {
      const otherValue = other === cname ? value : getNumber(other);
      return `config.defaults.${key} must be ${expected} ${KEY_OF[other] || other} (${otherValue}); got ${got}`;
    }
    return `config.defaults.${key} must be ${expected}; got ${got}`;
  });
}

function getDefaultPolling() {
  return withStack(64, (out) => {
    const rc = C.cy_js_config_get_default_polling(out, 64);
    if (rc) throw new Error(`concurry-wasm: cy_js_config_get_default_polling failed (${rc})`);
    return Module.UTF8ToString(out);
  });
}

function setDefaultPolling(value) {
  if (typeof value !== 'string') throw new TypeError(`config.defaults.defaultPolling must be a strategy name (string); got ${value === null ? 'null' : typeof value}`);
  // A NUL would cut the name short on its way to C.
  if (value.includes('\0') || C.cy_polling_lookup(cstr(value)) < 0 || C.cy_js_config_set_default_polling(cstr(value)) !== 0) {
    throw new RangeError(`config.defaults.defaultPolling: unknown polling strategy '${value}'; expected fixed, adaptive, exponential or progressive (or an alias: constant, exp, backoff, stepped)`);
  }
}

const target = {};
for (const [key, cname] of Object.entries(FIELDS)) {
  Object.defineProperty(target, key, {
    enumerable: true,
    get: () => getNumber(cname),
    set: (v) => setNumber(key, cname, v),
  });
}
Object.defineProperty(target, 'defaultPolling', { enumerable: true, get: getDefaultPolling, set: setDefaultPolling });

/**
 * @typedef {object} ConfigDefaults
 * @property {number} pollingFixedInterval  ms (10)
 * @property {number} pollingAdaptiveMinInterval ms (1)
 * @property {number} pollingAdaptiveMaxInterval ms (100)
 * @property {number} pollingAdaptiveInitialInterval ms (10)
 * @property {number} pollingAdaptiveSpeedup factor on completion (0.7)
 * @property {number} pollingAdaptiveSlowdown factor after empty checks (1.3)
 * @property {number} pollingAdaptiveEmptyChecks empty checks before slowing down (3)
 * @property {number} pollingExponentialInitialInterval ms (1)
 * @property {number} pollingExponentialMaxInterval ms (1000)
 * @property {number} pollingExponentialMultiplier (2)
 * @property {number} pollingProgressiveMinInterval ms (1)
 * @property {number} pollingProgressiveMaxInterval ms (100)
 * @property {number} pollingProgressiveChecksPerLevel (5)
 * @property {number} progressMiniters (1)
 * @property {string} defaultPolling ('adaptive')
 */

/** @type {ConfigDefaults} */
const defaults = new Proxy(target, {
  set(t, key, value) {
    if (typeof key !== 'string' || !KEYS.includes(key)) {
      throw new TypeError(`config.defaults: unknown key '${String(key)}'; expected one of: ${KEYS.join(', ')}`);
    }
    t[key] = value;
    return true;
  },
  defineProperty(t, key) {
    throw new TypeError(`config.defaults: cannot define '${String(key)}'`);
  },
  deleteProperty(t, key) {
    throw new TypeError(`config.defaults: cannot delete '${String(key)}'`);
  },
});

/**
 * The global configuration.
 */
export const config = Object.freeze({
  /** The core's defaults, live (getters and setters). */
  defaults,
  /** Restores every default to its built-in value. */
  reset() { C.cy_config_reset(); },
  /**
   * A plain snapshot of the defaults.
   * @returns {ConfigDefaults}
   */
  snapshot() {
    const o = {};
    for (const k of KEYS) o[k] = defaults[k];
    return /** @type {ConfigDefaults} */ (o);
  },
});
