// The wait/gather suites over every execution mode (not a test file): every
// mode of tests/mode-matrix.js (ALL_MODES: 'c' included, C kernels on the
// core's pthread pool), one worker per mode shared by a suite, and per mode the few
// operations the suites need, so that the same test runs everywhere:
//
//   ok(ms, v)   a future that succeeds with the number v after about ms
//   bad(ms, n)  a future that fails (after about ms; at once in mode 'c')
//   isBad(e, n) whether e is the error bad(_, n) fails with
//
// Values are numbers so that C kernels (numbers in, a number out) can take
// part. Workers are made once per suite (workerFor caches them) and stopped
// with stopMatrixWorkers in afterAll.
import { gather } from '../bindings/index.js';
import { ALL_MODES, makeWorker, stopWorkers } from './mode-matrix.js';

/** The modes the suites run in: all of the mode matrix's. */
export const MATRIX = ALL_MODES;

/** Modes whose work runs outside this thread (they can crash, be terminated). */
export const POOLED = MATRIX.filter((m) => m === 'thread' || m === 'process' || m === 'c');

const cache = new Map();

/**
 * The suite's worker for `mode` (made on first use, warmed so that both
 * pool workers have started: a test's timing never includes a start-up).
 * @param {string} mode
 */
export function workerFor(mode) {
  if (!cache.has(mode)) cache.set(mode, make(mode));
  return cache.get(mode);
}

async function make(mode) {
  const w = await makeWorker(mode);
  const o = ops(mode, w);
  await gather([o.ok(1, 1), o.add(1, 2)]);
  // createWorker resolves once one pool worker is up; wait for the others
  // (stats() counts a starting worker in workers, not in idle).
  const until = Date.now() + 15000;
  while (POOLED.includes(mode) && w.stats().idle < 2 && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 10));
  }
  return w;
}

/** Stops every worker workerFor made (afterAll). */
export async function stopMatrixWorkers() {
  cache.clear();
  await stopWorkers();
}

/**
 * The operations of the suites on worker `w` of `mode`.
 * @param {string} mode
 * @param {object} w
 */
export function ops(mode, w) {
  if (mode === 'c') {
    return {
      ok: (ms, v) => w.sleepThen(ms, v),
      add: (a, b) => w.add(a, b),
      // A kernel fails with its code at once: there is no 'fail after ms'.
      bad: (_ms, n) => w.fail(n),
      isBad: (e, n) => e instanceof Error && e.code === n && e.message.includes(`code ${n}`),
    };
  }
  return {
    ok: (ms, v) => w.sleepThen(ms, v),
    add: (a, b) => w.add(a, b),
    bad: (ms, n) => w.sleepFail(ms, `bad ${n}`),
    isBad: (e, n) => e instanceof Error && e.message === `bad ${n}`,
  };
}

/** The uuid prefix of `mode`'s futures for work that takes time. */
export const PREFIX = {
  sync: /^promise-future-/, // sleepThen returns a Promise: a PromiseFuture
  asyncio: /^promise-future-/,
  thread: /^thread-future-/,
  process: /^process-future-/,
  c: /^c-future-/,
  remote: /^remote-future-/,
};
