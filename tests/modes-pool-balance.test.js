// A burst of calls of uneven cost after tiny ones, on a 2-worker pool: the
// workers' pipelines (pool.js) were sized from the tiny calls, so the burst
// was split up front (round-robin, up to 64 calls each) and one worker ran
// every heavy call while the other sat idle. An idle worker now takes the
// calls another has not started (claim cells in thread mode, a 'reclaim'
// message in process mode and for threads without SharedArrayBuffer).
// Asserted by behaviour, from where and when each call ran:
// - the heavy calls are split: each worker ran at least 30% of them
//   (before: 0% on one of them);
// - (claim cells) no worker was idle while the other still had calls to
//   start: once a worker finished its last call, the other started at most
//   a few more (the time the pool takes to hear that it is idle; 19 before).
import { jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { burst } from './fixtures/pool-balance-run.mjs';

const script = fileURLToPath(new URL('./fixtures/pool-balance-run.mjs', import.meta.url));

/** Heavy calls per worker, and per worker the calls the others started after its last call ended. */
function summarize({ records, heavy }) {
  const heavySet = new Set(heavy);
  const per = new Map();
  for (const [i, who, start, end] of records) {
    let p = per.get(who);
    if (!p) per.set(who, p = { heavy: 0, calls: 0, lastEnd: 0, starts: [] });
    p.calls++;
    if (heavySet.has(i)) p.heavy++;
    p.lastEnd = Math.max(p.lastEnd, end);
    p.starts.push(start);
  }
  const ws = [...per.values()];
  const startedAfterIdle = ws.map((p) => ws.filter((q) => q !== p)
    .reduce((n, q) => n + q.starts.filter((s) => s > p.lastEnd).length, 0));
  return { heavy: ws.map((p) => p.heavy), calls: ws.map((p) => p.calls), startedAfterIdle, workers: ws.length };
}

function expectSplit(s, nHeavy) {
  expect(s.workers).toBe(2);
  for (const h of s.heavy) expect(h).toBeGreaterThanOrEqual(Math.ceil(nHeavy * 0.3));
}

jest.setTimeout(60000);

test('thread mode: an idle worker takes the calls another was handed and has not started', async () => {
  const r = await burst('thread');
  const s = summarize(r);
  expectSplit(s, r.heavy.length);
  for (const n of s.startedAfterIdle) expect(n).toBeLessThanOrEqual(3);
});

test('process mode: calls not started are given back to an idle worker', async () => {
  const r = await burst('process');
  expectSplit(summarize(r), r.heavy.length);
});

test('thread mode without SharedArrayBuffer: calls not started are given back to an idle worker', () => {
  const { CONCURRY_WASM_CORE, ...env } = process.env;
  void CONCURRY_WASM_CORE;
  const out = execFileSync(process.execPath, ['--no-harmony-sharedarraybuffer', script, 'thread'], { env, encoding: 'utf8', timeout: 50000 });
  const r = JSON.parse(out.trim().split('\n').pop());
  expectSplit(summarize(r), r.heavy.length);
});
