/**
 * Why a worker crashed, in a few words, for WorkerCrashedError's message
 * ("crashed (exit code 1: <why>)"): what the worker's top level threw, or
 * what a promise nobody handled rejected with. Worded where the value is
 * (the dying thread or child, which has it as it was thrown, and in Node its
 * util.inspect), so a symbol, a null-prototype object or an Error with no
 * message still says something; the value itself is the error's `cause`.
 * @module concurry-wasm/modes/crash-text
 */
import { isErrorLike } from './boundary.js';

/** The most characters of a thrown value's text in a crash message. */
const MAX = 300;

/** Node's message for a rejection whose reason is not an Error (its code: ERR_UNHANDLED_REJECTION). */
const NODE_REJECTION = /The promise rejected with the reason "([\s\S]*)"\.$/;

/**
 * A short text for what ended a worker.
 * - An Error with a message: its message (first line, at most MAX characters);
 *   with none: "uncaught TypeError" ("unhandled rejection: TypeError").
 * - Node's wrapper for a rejection with a non-Error reason: "unhandled
 *   rejection: 42".
 * - Any other value: "uncaught value: { a: 1 }" ("unhandled rejection:
 *   Symbol(s)"), in util.inspect's one-line form where `inspect` is given.
 * @param {unknown} v what was thrown (or the rejection's reason)
 * @param {string} [origin] 'uncaughtException' (default) or 'unhandledRejection'
 * @param {(v: unknown, o: object) => string} [inspect] Node's util.inspect
 * @returns {string}
 */
export function crashText(v, origin, inspect) {
  const rejected = origin === 'unhandledRejection';
  if (v !== null && typeof v === 'object' && isErrorLike(v)) {
    const e = /** @type {any} */ (v);
    let msg;
    let code;
    let name;
    try { msg = typeof e.message === 'string' ? e.message : ''; } catch { msg = ''; }
    try { code = e.code; } catch { code = undefined; }
    try { name = typeof e.name === 'string' && e.name ? e.name : 'Error'; } catch { name = 'Error'; }
    if (code === 'ERR_UNHANDLED_REJECTION') {
      const m = NODE_REJECTION.exec(msg);
      if (m) return `unhandled rejection: ${short(m[1])}`;
    }
    if (msg !== '') return short(msg);
    return rejected ? `unhandled rejection: ${short(name)}` : `uncaught ${short(name)}`;
  }
  return `${rejected ? 'unhandled rejection' : 'uncaught value'}: ${short(describe(v, inspect))}`;
}

/** First line, at most MAX characters; an ellipsis says there was more. */
function short(s) {
  const nl = s.indexOf('\n');
  const line = nl >= 0 ? s.slice(0, nl) : s;
  if (line.length > MAX) return `${line.slice(0, MAX)}…`;
  return nl >= 0 ? `${line} …` : line;
}

/** A value as one line of text; never throws. */
function describe(v, inspect) {
  if (typeof inspect === 'function') {
    try {
      return inspect(v, { depth: 1, breakLength: Infinity, maxArrayLength: 10, maxStringLength: MAX, compact: true });
    } catch { /* a proxy or getter that throws: below */ }
  }
  switch (typeof v) {
    case 'string': return JSON.stringify(v);
    case 'bigint': return `${v}n`;
    case 'symbol': return v.toString();
    case 'function': return `[Function${v.name ? `: ${v.name}` : ' (anonymous)'}]`;
    case 'object': {
      if (v === null) return 'null';
      try {
        const j = JSON.stringify(v);
        if (typeof j === 'string') return j;
      } catch { /* a cycle, a BigInt, a getter that throws: the tag */ }
      return Object.prototype.toString.call(v);
    }
    default: return String(v);
  }
}
