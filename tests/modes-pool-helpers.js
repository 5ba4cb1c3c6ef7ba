// Shared by tests/modes-pool*.test.js (not a test file): pools over the
// fixture module, stopped after each test.
import { createWorker } from '../bindings/index.js';

export const TASKS = new URL('./fixtures/workers/pool-tasks.mjs', import.meta.url);
export const LOAD_FAILS = new URL('./fixtures/workers/throws-at-load.mjs', import.meta.url);

const open = [];

/** A pool in `mode` over the fixture (1 worker unless options say otherwise), stopped by closeAll(). */
export async function make(mode, options = {}) {
  const w = await createWorker(TASKS, { mode, maxWorkers: 1, ...options });
  open.push(w);
  return w;
}

/** Stops (forcibly) every pool make() made since the last call. */
export async function closeAll() {
  const ws = open.splice(0);
  await Promise.all(ws.map((w) => w.stop({ force: true }).catch(() => {})));
}

/** Rejection of a future (or promise), or a failure if it fulfils. */
export async function rejection(p) {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}
