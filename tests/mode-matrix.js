// The mode matrix (not a test file): every execution mode and a factory that
// makes a worker over the fixture module tests/fixtures/workers/basic.mjs in
// that mode. Suites run the same tests in each:
//
//   import { MODES, makeWorker } from './mode-matrix.js';
//   describe.each(MODES)('%s mode', (mode) => { ... await makeWorker(mode) ... });
//   afterAll(stopWorkers);
//
// Each mode adds itself here once its backend exists: sync and asyncio (on
// the caller's thread); thread, process and c are added by their backends.
import { createWorker } from '../bindings/index.js';

/** The fixture module every mode loads. */
export const FIXTURE = new URL('./fixtures/workers/basic.mjs', import.meta.url);

/**
 * Per mode: extra worker options (pools get 2 workers, to exercise more
 * than one) and what the mode's futures look like.
 */
export const MODE_INFO = {
  sync: { options: {}, uuidPrefix: /^(sync|promise)-future-/ },
  asyncio: { options: {}, uuidPrefix: /^promise-future-/ },
  thread: { options: { maxWorkers: 2 }, uuidPrefix: /^thread-future-/ },
  process: { options: { maxWorkers: 2 }, uuidPrefix: /^process-future-/ },
  // C kernels, not the fixture module: numbers in, a number out, and of the
  // fixture's vocabulary only add(a, b), sleepThen(ms, v) and fail(code) (a
  // code, not a message). Suites over the fixture use MODES (without it);
  // those written for numbers use ALL_MODES (see tests/matrix-modes.js).
  c: { options: { maxWorkers: 2 }, uuidPrefix: /^c-future-/, target: 'builtin' },
  // Jobs on a real redis-server (one per test file, started on first use,
  // stopped by stopWorkers) run by one local concurry-worker, 2 jobs at a time.
  remote: { options: { localWorkers: 1, maxWorkers: 2 }, uuidPrefix: /^remote-future-/, redis: true },
};

/** The modes that run the fixture module. */
export const MODES = Object.keys(MODE_INFO).filter((m) => MODE_INFO[m].target === undefined);
/** Every mode, 'c' included. */
export const ALL_MODES = Object.keys(MODE_INFO);

/**
 * A worker over `target` (default: the fixture module; for 'c', the built-in
 * kernels) in `mode`.
 * @param {string} mode
 * @param {object} [options] more worker options
 * @param {string|URL|object} [target]
 */
export async function makeWorker(mode, options = {}, target = MODE_INFO[mode].target ?? FIXTURE) {
  const extra = MODE_INFO[mode].redis ? { redis: (await matrixRedis()).url, queue: `matrix${process.pid}x${++queues}` } : {};
  const w = await createWorker(target, { mode, ...MODE_INFO[mode].options, ...extra, ...options });
  made.add(w);
  return w;
}

/** Workers makeWorker() made and stopWorkers() has not stopped yet. */
const made = new Set();

/**
 * Stops (force) every worker makeWorker() made: `afterAll(stopWorkers)` in
 * a suite, so no thread or child outlives it.
 * @returns {Promise<void>}
 */
export async function stopWorkers() {
  const ws = [...made];
  made.clear();
  await Promise.all(ws.map((w) => w.stop({ force: true })));
  if (redisServer !== null) {
    const r = redisServer;
    redisServer = null;
    await (await r).stop();
  }
}

/** The redis-server of remote mode in this test file (started on first use). */
let redisServer = null;
let queues = 0;
function matrixRedis() {
  redisServer ??= import('./redis-server.js').then((m) => m.startRedis());
  return redisServer;
}
