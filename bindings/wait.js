/**
 * wait(): resolves with `{ done, notDone }` (Sets of BaseFuture) once the
 * core says the return condition holds (ALL_COMPLETED, FIRST_COMPLETED,
 * FIRST_EXCEPTION); rejects with TimeoutError ("k of n completed") when the
 * timeout passes first, or with the signal's reason on abort. Every input
 * shape of shapes.js; futures stay usable afterwards.
 * @module concurry-wasm/wait
 */
import { splitArgs, flatten } from './shapes.js';
import { parseWaitOptions } from './options.js';
import { wrapFuture } from './wrap.js';
import { C, heap, CY_ETIMEDOUT, coreFailure } from './core.js';
import { Waiter } from './waitset.js';
import { TimeoutError } from './errors.js';

/**
 * Writes the C futures of `futs` into a fresh malloc'd array.
 * @param {import('./futures/base.js').BaseFuture[]} futs
 * @returns {{ fs: number, foreign: boolean }}
 */
export function futurePointers(futs) {
  const n = futs.length;
  if (n === 1) {
    // The common single wait: no staging array.
    const f = futs[0];
    const p = f._cptr();
    const foreign = f._foreign && !f.done();
    const fs = C.malloc(4);
    if (!fs) throw coreFailure('malloc', -2);
    heap().u32[fs >> 2] = p;
    return { fs, foreign };
  }
  const ptrs = new Uint32Array(n);
  let foreign = false;
  for (let i = 0; i < n; i++) {
    const f = futs[i];
    ptrs[i] = f._cptr();
    if (f._foreign && !foreign && !f.done()) foreign = true;
  }
  const fs = C.malloc(n > 0 ? n * 4 : 4);
  if (!fs) throw coreFailure('malloc', -2);
  heap().u32.set(ptrs, fs >> 2);
  return { fs, foreign };
}

/** The options a Waiter takes, from parsed wait/gather options. */
export function waiterOptions(o, returnWhen, returnExceptions, foreign) {
  const strategy = o.polling !== null && typeof o.polling === 'object' ? o.polling._ptr : 0;
  return {
    returnWhen,
    timeout: o.timeout,
    polling: typeof o.polling === 'string' ? o.polling : null,
    strategy,
    progress: o.progress,
    returnExceptions,
    foreign,
    signal: o.signal,
  };
}

/** A TimeoutError saying how many of how many completed. */
export function timeoutError(where, timeout, completed, total) {
  return new TimeoutError(`${where} timed out after ${timeout} ms: ${completed} of ${total} completed`, { completed, total, timeout });
}

/**
 * Waits for futures (or values: those are done at once).
 *
 * `wait(fs, options?)` with fs an array, Set, plain object, Map or a single
 * future/value; or `wait(f1, f2, ..., options?)`. Options: `timeout` (ms),
 * `returnWhen`, `polling`, `progress`, `recurse`, `signal`.
 * @param {...any} args
 * @returns {Promise<{ done: Set<import('./futures/base.js').BaseFuture>, notDone: Set<import('./futures/base.js').BaseFuture> }>}
 */
export function wait(...args) {
  const split = splitArgs(args, 'wait()');
  const o = parseWaitOptions(split.options);
  const shape = flatten(split.input, split.kind, o.recurse);
  const leaves = shape.leaves;
  const n = leaves.length;
  // Every input is wrapped (observed: a rejection is handled) before any way
  // out, an aborted signal included, as Promise.all observes its inputs.
  const futs = new Array(n);
  for (let i = 0; i < n; i++) futs[i] = wrapFuture(leaves[i]);
  if (o.signal && o.signal.aborted) return Promise.reject(o.signal.reason);
  const { fs, foreign } = futurePointers(futs);
  return new Promise((resolve, reject) => {
    // Frees the waiter, then settles; with what the signal's
    // removeEventListener threw while freeing, if it did (never left pending).
    const end = (waiter, value, isError) => {
      waiter.free();
      if (waiter.cleanupError !== undefined) reject(waiter.cleanupError);
      else if (isError) reject(value);
      else resolve(value);
    };
    let w;
    try {
      w = new Waiter(fs, n, waiterOptions(o, o.returnWhen, true, foreign), {
        onPoll(rc, waiter) {
          if (rc === CY_ETIMEDOUT) {
            const k = waiter.doneCount();
            if (waiter.finish()) end(waiter, timeoutError('wait()', o.timeout, k, n), true);
            return;
          }
          if (!waiter.finish()) return;
          const flags = C.malloc(n > 0 ? n : 1);
          C.cy_waitset_done_flags(waiter.ws, flags);
          const u8 = heap().u8;
          const done = new Set();
          const notDone = new Set();
          for (let i = 0; i < n; i++) (u8[flags + i] ? done : notDone).add(futs[i]);
          C.free(flags);
          // A future listed twice is in one set only: done wins.
          for (const f of done) notDone.delete(f);
          end(waiter, { done, notDone }, false);
        },
        onAbort(reason, waiter) { end(waiter, reason, true); },
      });
    } catch (e) {
      reject(e);
      return;
    } finally {
      C.free(fs);
    }
    w.begin();
  });
}
