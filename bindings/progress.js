/**
 * Progress reporting for wait() and gather(). The core decides the cadence
 * (a report at most every `miniters` completions and always a final one,
 * delivered before the wait settles); this file validates the `progress`
 * option and turns the core's cy_progress into the JS report
 * `{ completed, failed, total, elapsedMs, final }`.
 *
 * `progress` may be: a function (called with each report); `true` (a terminal
 * bar on stderr when it is a TTY, nothing otherwise); a plain object of bar
 * options (`desc`, `unit`, `miniters`, `mininterval`, `total`, `leave`,
 * `stream`, `plain` for sparse plain lines on a stream that is not a
 * terminal, ..., and `callback` for a function too); false/null/undefined
 * for none. A bar is a progress callback like any other (./progress/bar.js):
 * it draws the reports the core sends, at the core's cadence.
 * @module concurry-wasm/progress
 */

/**
 * A progress report; `final` is true on the last one of a wait (delivered
 * exactly once, before the wait settles, even when its counts repeat the
 * report before it).
 * @typedef {{ completed: number, failed: number, total: number, elapsedMs: number, final: boolean }} ProgressReport
 */

/**
 * Normalized progress option.
 * `start`, for a bar: shows it at once when the wait starts listening, before any report.
 * @typedef {{ callback: ((r: ProgressReport) => void)|null, bar: object|null, miniters: number,
 *   start?: ((r: ProgressReport) => void)|null }} ProgressSpec
 */

import { barCallback, barMode } from './progress/bar.js';

const PROGRESS_KEYS = ['desc', 'unit', 'miniters', 'mininterval', 'total', 'width', 'ncols', 'color', 'disable', 'leave', 'plain', 'stream', 'callback'];
const PROGRESS_SET = new Set(PROGRESS_KEYS);

function isPlain(x) {
  if (x === null || typeof x !== 'object') return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

function kind(x) {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  return typeof x;
}

/**
 * Validates the `progress` option.
 * @param {unknown} v
 * @param {string} where
 * @returns {ProgressSpec|null}
 */
export function progressToSpec(v, where) {
  if (v === undefined || v === null || v === false) return null;
  if (v === true) return barSpec({}, null, 0);
  if (typeof v === 'function') return { callback: /** @type {any} */ (v), bar: null, miniters: 0 };
  if (isPlain(v)) {
    const o = /** @type {Record<string, any>} */ (v);
    for (const key in o) {
      if (!PROGRESS_SET.has(key)) {
        throw new TypeError(`${where}: unknown option 'progress.${key}'; expected one of: ${PROGRESS_KEYS.join(', ')}`);
      }
    }
    const symbols = Object.getOwnPropertySymbols(o);
    if (symbols.length !== 0) {
      throw new TypeError(`${where}: unknown option 'progress' key ${String(symbols[0])} (option keys are strings); expected one of: ${PROGRESS_KEYS.join(', ')}`);
    }
    for (const k of ['desc', 'unit', 'color']) {
      if (o[k] !== undefined && typeof o[k] !== 'string') throw new TypeError(`${where}: option 'progress.${k}' must be a string; got ${kind(o[k])}`);
    }
    for (const k of ['disable', 'leave', 'plain']) {
      if (o[k] !== undefined && typeof o[k] !== 'boolean') throw new TypeError(`${where}: option 'progress.${k}' must be a boolean; got ${kind(o[k])}`);
    }
    for (const k of ['width', 'ncols']) {
      const x = o[k];
      if (x === undefined) continue;
      if (typeof x !== 'number') throw new TypeError(`${where}: option 'progress.${k}' must be a positive integer (columns); got ${kind(x)}`);
      if (!Number.isInteger(x) || x < 1) throw new RangeError(`${where}: option 'progress.${k}' must be a positive integer (columns); got ${String(x)}`);
    }
    if (o.total !== undefined) {
      if (typeof o.total !== 'number') throw new TypeError(`${where}: option 'progress.total' must be a finite number >= 0; got ${kind(o.total)}`);
      if (!Number.isFinite(o.total) || o.total < 0) throw new RangeError(`${where}: option 'progress.total' must be a finite number >= 0; got ${String(o.total)}`);
    }
    if (o.mininterval !== undefined) {
      if (typeof o.mininterval !== 'number') throw new TypeError(`${where}: option 'progress.mininterval' must be a finite number of ms >= 0; got ${kind(o.mininterval)}`);
      if (!Number.isFinite(o.mininterval) || o.mininterval < 0) throw new RangeError(`${where}: option 'progress.mininterval' must be a finite number of ms >= 0; got ${String(o.mininterval)}`);
    }
    if (o.stream !== undefined && (o.stream === null || typeof o.stream !== 'object' || typeof o.stream.write !== 'function')) {
      throw new TypeError(`${where}: option 'progress.stream' must be a writable stream (an object with write()); got ${kind(o.stream)}`);
    }
    let miniters = 0;
    if (o.miniters !== undefined) {
      if (typeof o.miniters !== 'number' || !Number.isInteger(o.miniters) || o.miniters < 1) {
        throw new RangeError(`${where}: option 'progress.miniters' must be an integer >= 1; got ${String(o.miniters)}`);
      }
      miniters = o.miniters;
    }
    if (o.callback !== undefined && typeof o.callback !== 'function') {
      throw new TypeError(`${where}: option 'progress.callback' must be a function; got ${kind(o.callback)}`);
    }
    if (o.disable === true) return o.callback ? { callback: o.callback, bar: null, miniters } : null;
    return barSpec(o, o.callback || null, miniters);
  }
  throw new TypeError(`${where}: option 'progress' must be a boolean, a function ({completed, failed, total, elapsedMs}) => void, or a plain object of bar options; got ${kind(v)}`);
}

/**
 * The spec of a bar: its callback draws each report (and calls the user's
 * callback), or is the user's callback alone when there is nothing to draw
 * on (`true` in a non-TTY: no bar, no cost).
 * @param {Record<string, any>} o  validated bar options
 * @param {Function|null} user
 * @param {number} miniters
 * @returns {ProgressSpec}
 */
function barSpec(o, user, miniters) {
  if (barMode(o) === null) return { callback: user, bar: o, miniters, start: null };
  const callback = barCallback(o, /** @type {any} */ (user));
  return { callback, bar: o, miniters, start: /** @type {any} */ (callback).start };
}

/**
 * Reads a cy_progress (at byte address p) into a report.
 * @param {{ u32: Uint32Array, f64: Float64Array }} v  memory views
 * @param {number} p
 * @param {{ completed: number, failed: number, total: number, elapsed: number, final: number }} layout byte offsets
 * @returns {ProgressReport}
 */
export function readReport(v, p, layout) {
  return {
    completed: v.u32[(p + layout.completed) >> 2],
    failed: v.u32[(p + layout.failed) >> 2],
    total: v.u32[(p + layout.total) >> 2],
    elapsedMs: v.f64[(p + layout.elapsed) >> 3],
    final: v.u32[(p + layout.final) >> 2] !== 0,
  };
}
