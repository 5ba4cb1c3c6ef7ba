// A batch job's calls start only once Redis has their start records
// (bindings/modes/remote-serve.js, the feeder; remote-report.js): a worker
// host that dies while Redis does not take its writes cannot have run a call
// whose start is not on Redis, so the next worker never runs a call with
// `retries: 0` twice, and runs every call that never started exactly once.
import { jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createWorker, gather, WorkerCrashedError } from '../bindings/index.js';
import { startRedis } from './redis-server.js';
import { startBin, killBins, queueName, sleep, until } from './remote-helpers.js';

jest.setTimeout(90000);

const TASKS = fileURLToPath(new URL('./fixtures/workers/remote-start-log-tasks.mjs', import.meta.url));
let redis;
let dir;
const handles = [];
beforeAll(async () => {
  redis = await startRedis();
  dir = mkdtempSync(join(tmpdir(), 'cy-starts-'));
});
afterAll(async () => {
  await killBins();
  await Promise.allSettled(handles.map((h) => h.stop({ force: true })));
  if (redis) await redis.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Call index -> how many runs started; `by`: only those of that worker command (pid). */
const runsOf = (file, by = null) => {
  const m = new Map();
  for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const [i, pid] = line.split(' ').map(Number);
    if (by === null || pid === by) m.set(i, (m.get(i) || 0) + 1);
  }
  return m;
};

test('the worker dies while Redis takes no writes: no call of a batch runs twice (retries 0), every call settles, those never started run once', async () => {
  const q = queueName('starts');
  const file = join(dir, 'log');
  writeFileSync(file, '');
  const h = await createWorker(TASKS, { mode: 'remote', redis: redis.url, queue: q, retries: 0 });
  handles.push(h);
  // 160 calls in one tick: 16 batch jobs of 10 calls; one worker slot runs a call at a time (300 ms each).
  const fs = [];
  for (let i = 0; i < 160; i++) fs.push(h.logged(i, 300, file));
  let bin = await startBin(redis, q, { concurrency: 1, module: TASKS });
  await until(() => readFileSync(file, 'utf8').length > 0, 'the first call to start');
  // Redis stops taking writes (as in a cut link): start records wait in the worker's connection.
  execFileSync('redis-cli', ['-p', String(redis.port), 'CLIENT', 'PAUSE', '3000', 'WRITE']);
  await sleep(2500);
  bin.child.kill('SIGKILL');
  await bin.exited;
  const atKill = runsOf(file);
  await sleep(600); // writes resume
  bin = await startBin(redis, q, { concurrency: 4, module: TASKS });
  const out = await gather(fs, { returnExceptions: true, timeout: 60000 });
  const runs = runsOf(file);
  // No call ran twice.
  expect([...runs].filter(([, n]) => n > 1)).toEqual([]);
  // Every call settled: a result, or WorkerCrashedError for one the dead worker had started or handed over.
  const crashed = [];
  for (let i = 0; i < 160; i++) {
    if (out[i] instanceof WorkerCrashedError) crashed.push(i);
    else expect(out[i]).toBe(i);
  }
  // Those that ran on the dead worker and did not finish there fail (retries 0), never re-run ...
  for (const i of atKill.keys()) if (out[i] instanceof Error) expect(runs.get(i)).toBe(1);
  // ... and the calls that never ran anywhere before the death ran once now, unless handed over
  // (at most 4 per slot, FEED) to the dead worker.
  const neverRan = crashed.filter((i) => !atKill.has(i));
  expect(neverRan.length).toBeLessThanOrEqual(4);
  for (let i = 0; i < 160; i++) if (!crashed.includes(i)) expect(runs.get(i)).toBe(1);
});

test('SIGTERM mid-batch: the calls already handed over finish, the rest of the batch goes back to the queue at once and runs elsewhere', async () => {
  const q = queueName('drain');
  const file = join(dir, 'drain');
  writeFileSync(file, '');
  const h = await createWorker(TASKS, { mode: 'remote', redis: redis.url, queue: q, retries: 0 });
  handles.push(h);
  // 320 calls in one tick: 16 batch jobs of 20 calls, 300 ms each.
  const fs = [];
  for (let i = 0; i < 320; i++) fs.push(h.logged(i, 300, file));
  const a = await startBin(redis, q, { concurrency: 1, module: TASKS });
  await until(() => readFileSync(file, 'utf8').length > 0, 'the first call to start');
  const t0 = Date.now();
  a.child.kill('SIGTERM'); // default --shutdown-timeout: 30 s
  expect(await a.exited).toEqual({ code: 0, signal: null });
  // It waited only for what it had handed to its sandbox (at most 4 per slot), not its whole batch of 20.
  expect(Date.now() - t0).toBeLessThan(3000);
  const onA = runsOf(file, a.pid);
  expect(onA.size).toBeLessThanOrEqual(4);
  const b = await startBin(redis, q, { concurrency: 4, module: TASKS });
  expect(await gather(fs, { timeout: 60000 })).toEqual(fs.map((_, i) => i));
  const runs = runsOf(file);
  for (let i = 0; i < 320; i++) expect([i, runs.get(i)]).toEqual([i, 1]);
  expect(runsOf(file, b.pid).size).toBe(320 - onA.size);
});
