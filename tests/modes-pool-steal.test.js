// The guarantees of the pools hold while idle workers take calls that busy
// ones were handed and have not started (pool.js _steal: claim cells in
// thread mode, 'reclaim' messages in process mode): every call runs exactly
// once (counted in a SharedArrayBuffer every thread shares) or not at all
// when cancelled; a cancelled call is cancelled at once; a worker that
// crashes mid-burst fails only the call it was running and its calls not
// started run elsewhere; a worker thread blocked in gatherSync drives the
// taking back (pumpSync). The bursts are built so that taking back happens:
// tiny calls first (pipelines), then calls of uneven cost.
import { jest } from '@jest/globals';
import { Worker } from 'node:worker_threads';
import { createWorker, gather, CancelledError, WorkerCrashedError } from '../bindings/index.js';
import { TASKS, warm } from './fixtures/pool-balance-run.mjs';

jest.setTimeout(120000);

const open = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((w) => w.stop({ force: true }).catch(() => {})));
});

async function pool(mode, options = {}) {
  const w = await createWorker(TASKS, { mode, maxWorkers: 2, ...options });
  open.push(w);
  await warm(w);
  return w;
}

/** A small deterministic generator in [0, 1). */
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe.each(['thread', 'process'])('%s mode', (mode) => {
  test('bursts of uneven calls with cancels: every call runs once (or, cancelled, at most once) and settles as it should', async () => {
    const w = await pool(mode);
    const ROUNDS = 8;
    const PER = 60;
    // Shared by every thread; a process gets a copy (counts checked in thread mode).
    const counts = new Int32Array(new SharedArrayBuffer(4 * ROUNDS * PER));
    const rnd = rng(7);
    let completed = 0;
    const workers = new Set();
    for (let r = 0; r < ROUNDS; r++) {
      const fs = [];
      for (let j = 0; j < PER; j++) {
        const ms = [0, 0, 0, 3, 10][Math.floor(rnd() * 5)];
        fs.push(w.counted(mode === 'thread' ? counts : null, r * PER + j, ms));
      }
      const cancelled = new Set();
      for (let j = 0; j < PER; j += 9) if (fs[j].cancel()) cancelled.add(j);
      await sleep(5 + r * 3);
      for (let j = 4; j < PER; j += 13) {
        if (fs[j].cancel()) {
          cancelled.add(j);
          // Cancelled at once, whether it was queued, handed or running.
          expect(fs[j].cancelled()).toBe(true);
        }
      }
      const out = await gather(fs, { returnExceptions: true });
      for (let j = 0; j < PER; j++) {
        const i = r * PER + j;
        if (cancelled.has(j)) {
          expect(out[j]).toBeInstanceOf(CancelledError);
          if (mode === 'thread') expect(counts[i]).toBeLessThanOrEqual(1);
        } else {
          expect(out[j][0]).toBe(i);
          workers.add(out[j][1]);
          completed++;
          if (mode === 'thread') expect(counts[i]).toBe(1);
        }
      }
    }
    await w.whenIdle();
    const s = w.stats();
    expect([s.queued, s.running, s.crashed]).toEqual([0, 0, 0]);
    expect(s.completed).toBeGreaterThanOrEqual(completed);
    expect(workers.size).toBe(2);
  });

  test('a worker that crashes mid-burst fails only the call it ran; its calls not started run on the other, once', async () => {
    const w = await pool(mode);
    const N = 30;
    const counts = new Int32Array(new SharedArrayBuffer(4 * N));
    const c = mode === 'thread' ? counts : null;
    const fs = [];
    // Heavy and light in turn (one worker gets the heavy ones up front); the
    // crash is among the heavy ones, behind calls not yet started.
    for (let i = 0; i < N; i++) fs.push(i === 12 ? w.crash(c, i) : w.counted(c, i, i % 2 === 0 ? 15 : 1));
    const out = await gather(fs, { returnExceptions: true });
    for (let i = 0; i < N; i++) {
      if (i === 12) {
        expect(out[i]).toBeInstanceOf(WorkerCrashedError);
        expect(out[i].method).toBe('crash');
        expect(out[i].attempts).toBe(1);
      } else {
        expect(out[i][0]).toBe(i);
      }
      if (mode === 'thread') expect(counts[i]).toBe(1);
    }
    expect(w.stats().crashed).toBe(1);
    // The pool goes on with its replacement.
    expect(await w.add(2, 3)).toBe(5);
  });
});

test('a worker thread blocked in gatherSync on an uneven burst: the pool it drives shares the heavy calls out', async () => {
  const bindings = new URL('../bindings/index.js', import.meta.url).href;
  const fixture = new URL('./fixtures/pool-balance-run.mjs', import.meta.url).href;
  const src = `
    import { parentPort } from 'node:worker_threads';
    const pkg = await import(${JSON.stringify(bindings)});
    const { TASKS, warm } = await import(${JSON.stringify(fixture)});
    const w = await pkg.createWorker(TASKS, { mode: 'thread', maxWorkers: 2 });
    try {
      await warm(w);
      const counts = new Int32Array(new SharedArrayBuffer(4 * 40));
      const fs = Array.from({ length: 40 }, (_, i) => w.counted(counts, i, i % 2 === 0 ? 20 : 1));
      const out = pkg.gatherSync(fs);
      const heavyBy = {};
      for (const [i, who] of out) if (i % 2 === 0) heavyBy[who] = (heavyBy[who] || 0) + 1;
      parentPort.postMessage({ ok: { heavy: Object.values(heavyBy), order: out.every((r, i) => r[0] === i), counts: [...counts] } });
    } catch (e) {
      parentPort.postMessage({ err: String(e && e.stack || e) });
    } finally {
      await w.stop({ force: true });
    }`;
  const out = await new Promise((resolve, reject) => {
    const t = new Worker(new URL(`data:text/javascript,${encodeURIComponent(src)}`));
    t.once('message', (m) => (m.err ? reject(new Error(m.err)) : resolve(m.ok)));
    t.once('error', reject);
    t.once('exit', (code) => reject(new Error(`worker exited (${code}) before answering`)));
  });
  expect(out.order).toBe(true);
  expect(out.counts.every((n) => n === 1)).toBe(true);
  expect(out.heavy.length).toBe(2);
  for (const h of out.heavy) expect(h).toBeGreaterThanOrEqual(6);
});
