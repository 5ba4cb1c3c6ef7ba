// Remote mode: many cancels at once (DESIGN.md, "Workers": a queued call is
// removed and never runs; stop() drains, stop({ force: true }) cancels what is
// pending). Found by a new-user trial: 10000 cancels were removed one
// command per job, scanning the whole wait list each (BullMQ's removeJob
// LREMs from the head, where the newest jobs are), so stop() gave up after
// connectTimeout with thousands of jobs still queued on Redis, and workers
// started jobs seconds after their cancel() returned true.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jest } from '@jest/globals';
import { createWorker } from '../bindings/index.js';
import { startRedis } from './redis-server.js';
import {
  admin, commandStats, delta, startBin, killBins, queueName, until, sleep,
} from './remote-helpers.js';

jest.setTimeout(120000);

const STAMP = fileURLToPath(new URL('./fixtures/workers/remote-stamp-tasks.mjs', import.meta.url));

let redis;
let ad;
let dir;
const handles = [];
beforeAll(async () => {
  redis = await startRedis({ appendonly: false });
  ad = admin(redis);
  dir = mkdtempSync(join(tmpdir(), 'cy-rcb-'));
});
afterAll(async () => {
  await Promise.all(handles.map((h) => h.stop({ force: true }).catch(() => {})));
  await killBins();
  if (ad) ad.disconnect();
  if (redis) await redis.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function handle(options) {
  const h = await createWorker(STAMP, { mode: 'remote', redis: redis.url, ...options });
  handles.push(h);
  return h;
}

/** The keys of a queue's jobs and of its cancel records left on Redis. */
async function leftOver(q) {
  const jobs = (await ad.keys(`bull:${q}:cy*`)).length;
  const cancelKeys = (await ad.keys(`concurry:${q}:cancelled:*`)).length;
  return { wait: await ad.llen(`bull:${q}:wait`), jobs, cancelKeys };
}

const N = 10000;

test.each([1, 64])(`cancel() of ${N} queued calls (maxBatch %i), then stop(): every job is gone from Redis when stop() resolves; one script per 1000 stops`, async (maxBatch) => {
  const q = queueName('cbulk');
  // connectTimeout bounds how long Redis may stay silent, not how long N removes take.
  const h = await handle({ queue: q, connectTimeout: 1000, maxBatch });
  const fs = [];
  for (let i = 0; i < N; i++) fs.push(h.stamp('/dev/null', i, 1));
  const jobs = Math.ceil(N / Math.min(maxBatch, Math.floor(N / 16)));
  await until(async () => (await ad.llen(`bull:${q}:wait`)) === jobs, `${jobs} jobs waiting`, 60000);
  await sleep(200); // the adds' replies read
  const before = await commandStats(ad);
  for (const f of fs) expect(f.cancel()).toBe(true);
  await h.stop();
  const d = delta(before, await commandStats(ad));
  expect(await leftOver(q)).toEqual({ wait: 0, jobs: 0, cancelKeys: 0 });
  // One script (cancel keys + publishes) per chunk of 1000 calls, BullMQ's own remove per job (pipelined),
  // one DEL of the removed jobs' cancel keys per chunk. EVAL once per script, the first time it runs.
  expect(d.evalsha + (d.eval || 0)).toBe(jobs + N / 1000);
  expect(d.publish).toBe(N);
  expect(d.exec || 0).toBe(0);
});

test.each([1, 64])(`stop({ force: true }) right after ${N} calls (maxBatch %i; adds still on their way): resolves once every job is withdrawn`, async (maxBatch) => {
  const q = queueName('cforce');
  const h = await handle({ queue: q, connectTimeout: 1000, maxBatch });
  const fs = [];
  for (let i = 0; i < N; i++) fs.push(h.stamp('/dev/null', i, 1));
  await sleep(50);
  await h.stop({ force: true });
  expect(fs.every((f) => f.cancelled())).toBe(true);
  expect(await leftOver(q)).toEqual({ wait: 0, jobs: 0, cancelKeys: 0 });
});

test('stop({ force: true }) with a worker serving: no job starts after it resolves, none is left on Redis', async () => {
  const q = queueName('cserve');
  const log = join(dir, 'serve');
  await startBin(redis, q, { concurrency: 2, module: STAMP });
  const h = await handle({ queue: q, connectTimeout: 1000 });
  const fs = [];
  for (let i = 0; i < 5000; i++) fs.push(h.stamp(log, i, 5));
  await until(() => existsSync(log) && readFileSync(log, 'utf8').split('\n').length > 20, 'jobs to run', 60000);
  await h.stop({ force: true });
  const at = Date.now();
  await sleep(1500);
  const started = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => l.split(' ').map(Number));
  expect(started.filter(([t]) => t > at + 20)).toEqual([]);
  expect(await ad.llen(`bull:${q}:active`)).toBe(0);
  expect((await leftOver(q)).wait).toBe(0);
});

// 20000: more cancels than a worker remembers by message (10000), and removes
// that take longer than its old 2 s window of reading cancel keys (a re-trial
// saw 13-74 jobs start 3-7 s after their cancel).
test.each([3000, 20000])('cancel() of %i queued calls while a worker serves: none starts after its cancel is on Redis', async (n) => {
  const q = queueName('cstart');
  const log = join(dir, `start${n}`);
  await startBin(redis, q, { concurrency: 2, module: STAMP });
  const h = await handle({ queue: q });
  const fs = [];
  for (let i = 0; i < n; i++) fs.push(h.stamp(log, i, 20));
  await until(() => existsSync(log) && readFileSync(log, 'utf8').split('\n').length > 20, 'jobs to run', 60000);
  await sleep(1000);
  const cancelled = new Set();
  for (const [i, f] of fs.entries()) if (!f.done() && !f.running() && f.cancel()) cancelled.add(i);
  const at = Date.now();
  await h.whenIdle();
  await sleep(3000);
  const started = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => l.split(' ').map(Number));
  // A job the worker took before the cancels reached Redis may start; later ones never do.
  expect(started.filter(([t, i]) => cancelled.has(i) && t > at + 50)).toEqual([]);
  expect(cancelled.size).toBeGreaterThan(n - 500);
});
