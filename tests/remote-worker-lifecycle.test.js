// concurry-worker's life: SIGTERM/SIGINT stop it gracefully (running jobs
// finish, or go back to the queue after --shutdown-timeout / a second signal;
// exit 0; nothing stays "active"), and a worker command killed mid-job
// (SIGKILL: no goodbye) has its job re-run by another worker command per
// `retries`, else ended with WorkerCrashedError.
import { jest } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis } from './redis-server.js';
import {
  startWorker, producer, logLines, until, alive, cleanup, runBin, TASKS,
} from './remote-worker-helpers.js';
import { WorkerCrashedError, CancelledError } from '../bindings/index.js';

jest.setTimeout(90000);

let redis;
let dir;
let n = 0;
let p;
let q;

beforeAll(async () => {
  redis = await startRedis();
  dir = mkdtempSync(join(tmpdir(), 'cy-rwl-'));
});
beforeEach(async () => {
  q = `rwl${process.pid}x${++n}`;
  p = await producer(redis, q);
});
afterEach(async () => {
  await cleanup();
  await p.close();
});
afterAll(async () => {
  if (redis) await redis.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Which worker command (by pid) ran the line of `marked` (its sandbox's parent). */
const ranBy = (line) => Number(line.split(' ')[3]);

test.each(['SIGTERM', 'SIGINT'])('%s with a job running: the job finishes, the command exits 0, nothing stays active', async (sig) => {
  const w = await startWorker(redis, q, { concurrency: 2 });
  const log = join(dir, `term-${q}.log`);
  const id = await p.add('marked', [log, 1500, 'done']);
  await until(() => logLines(log).length > 0, 'the job to start');
  w.child.kill(sig);
  const x = await w.exited;
  expect(x).toMatchObject({ code: 0, signal: null });
  expect(w.err()).toContain(`${sig}: stopping (1 running call may finish`);
  expect(await p.outcome(id)).toEqual({ ok: true, value: 'done' });
  expect(await p.q.getActiveCount()).toBe(0);
  // It took no job after the signal.
  const later = await p.add('add', [1, 2]);
  await new Promise((r) => setTimeout(r, 300));
  expect(await p.q.getJobState(later)).toBe('waiting');
});

test('SIGTERM with a job that outlasts --shutdown-timeout: it goes back to the queue (not active, not failed), and another worker runs it', async () => {
  const a = await startWorker(redis, q, { concurrency: 1, extra: ['--shutdown-timeout', '300'] });
  const log = join(dir, `handback-${q}.log`);
  const id = await p.add('marked', [log, 4000, 'eventually'], { cancelGraceMs: 200 });
  await until(() => logLines(log).length > 0, 'the job to start');
  const sandbox = Number(logLines(log)[0].split(' ')[2]);
  a.child.kill('SIGTERM');
  const x = await a.exited;
  expect(x).toMatchObject({ code: 0, signal: null });
  expect(x.ms).toBeLessThan(4000 + 2000); // did not wait for the job to end
  expect(alive(sandbox)).toBe(false);
  expect(await p.q.getJobState(id)).toBe('waiting');
  expect(await p.q.getActiveCount()).toBe(0);
  const b = await startWorker(redis, q, { concurrency: 1 });
  expect(await p.outcome(id)).toEqual({ ok: true, value: 'eventually' });
  const lines = logLines(log);
  expect(lines.length).toBe(2);
  expect(ranBy(lines[0])).toBe(a.pid);
  expect(ranBy(lines[1])).toBe(b.pid);
});

test('a second SIGTERM hands running jobs back at once', async () => {
  const a = await startWorker(redis, q, { concurrency: 1 });
  const log = join(dir, `twice-${q}.log`);
  const id = await p.add('marked', [log, 20000, 'x'], { cancelGraceMs: 100 });
  await until(() => logLines(log).length > 0, 'the job to start');
  a.child.kill('SIGTERM');
  await until(() => a.err().includes('stopping'), 'the first signal to be seen');
  a.child.kill('SIGTERM');
  const x = await a.exited;
  expect(x.code).toBe(0);
  expect(x.ms).toBeLessThan(20000);
  expect(a.err()).toContain('SIGTERM again: handing 1 running call back to the queue');
  expect(await p.q.getJobState(id)).toBe('waiting');
});

test('a worker command killed with SIGKILL mid-job: another worker command re-runs the job (retries: 1) within seconds', async () => {
  const a = await startWorker(redis, q, { concurrency: 1 });
  const log = join(dir, `kill-${q}.log`);
  const id = await p.add('slowFirst', [log, 30000, 100, 'rerun'], { retries: 1 });
  await until(() => logLines(log).length > 0, 'the job to start');
  expect(ranBy(logLines(log)[0])).toBe(a.pid);
  const sandbox = Number(logLines(log)[0].split(' ')[2]);
  const b = await startWorker(redis, q, { concurrency: 1 });
  expect(await p.q.getJobState(id)).toBe('active');
  const t0 = Date.now();
  a.child.kill('SIGKILL');
  await a.exited;
  // Its sandbox leaves with it (its IPC channel closed).
  await until(() => !alive(sandbox), 'the dead worker\'s sandbox to leave', 5000);
  expect(await p.outcome(id, 30000)).toEqual({ ok: true, value: 'rerun' });
  const back = Date.now() - t0;
  const lines = logLines(log);
  expect(lines.length).toBe(2);
  expect(ranBy(lines[1])).toBe(b.pid);
  // currentTask().attempt counts the run on the dead host: 1, then 2.
  expect(lines.map((l) => Number(l.split(' ')[4]))).toEqual([1, 2]);
  expect(back).toBeLessThan(15000);
  expect(await p.q.getActiveCount()).toBe(0);
});

test('killed mid-job with retries 0: the job ends with WorkerCrashedError (attempts 1), not run again', async () => {
  const a = await startWorker(redis, q, { concurrency: 1 });
  const log = join(dir, `kill0-${q}.log`);
  const id = await p.add('slowFirst', [log, 30000, 100, 'once']);
  await until(() => logLines(log).length > 0, 'the job to start');
  expect(ranBy(logLines(log)[0])).toBe(a.pid);
  await startWorker(redis, q, { concurrency: 1 });
  a.child.kill('SIGKILL');
  const o = await p.outcome(id, 30000);
  expect(o.ok).toBe(false);
  expect(o.error).toBeInstanceOf(WorkerCrashedError);
  expect(o.error.attempts).toBe(1);
  expect(o.error.method).toBe('slowFirst');
  expect(o.error.message).toContain('concurry-worker that stopped');
  expect(logLines(log).length).toBe(1);
});

test('after a Redis restart the worker command serves again and its cancel channel is subscribed again', async () => {
  const w = await startWorker(redis, q, { concurrency: 1 });
  expect(await p.outcome(await p.add('add', [1, 2]))).toEqual({ ok: true, value: 3 });
  await redis.restart();
  expect(await p.outcome(await p.add('add', [3, 4]), 30000)).toEqual({ ok: true, value: 7 });
  const log = join(dir, `restart-${q}.log`);
  const id = await p.add('waitForAbort', [30000, log]);
  await until(() => logLines(log).length > 0, 'the job to start');
  await p.cancel(id);
  const o = await p.outcome(id);
  expect(o.error).toBeInstanceOf(CancelledError);
  await until(() => logLines(log).length > 1, 'the task to see its signal');
  expect(alive(w.pid)).toBe(true);
});

test('a cancel published while the worker\'s subscriber is disconnected is applied once it is subscribed again (cancel key)', async () => {
  await startWorker(redis, q, { concurrency: 1 });
  const log = join(dir, `missed-${q}.log`);
  const id = await p.add('waitForAbort', [30000, log]);
  await until(() => logLines(log).length > 0, 'the job to start');
  // Drop every pub/sub connection, then cancel before the worker reconnects (it waits >= 100 ms):
  // nobody receives the message.
  let receivers = -1;
  for (let i = 0; i < 5 && receivers !== 0; i++) {
    await p.pub.client('KILL', 'TYPE', 'pubsub');
    receivers = await p.cancel(id);
  }
  expect(receivers).toBe(0);
  const o = await p.outcome(id);
  expect(o.error).toBeInstanceOf(CancelledError);
  await until(() => logLines(log).length > 1, 'the task to see its signal');
  expect(logLines(log)[1]).toMatch(/^aborted \d+ CancelledError$/);
});

test('SIGTERM during start-up: it starts serving, then stops gracefully (exit 0), not killed half-way', async () => {
  const w = runBin(['--redis', redis.url, '--queue', q, '--module', TASKS, '--concurrency', '1']);
  // Said once its signal handlers are in place, before it connects.
  await until(() => w.err().includes('concurry-worker: starting'), 'the starting line', 30000);
  expect(w.out()).not.toContain('ready');
  w.child.kill('SIGTERM');
  const x = await w.exited;
  expect(x).toMatchObject({ code: 0, signal: null });
  expect(w.out()).toContain(`concurry-worker: ready ${q}`);
  expect(w.err()).toContain('SIGTERM: stopping');
});

test('a job cancelled while its worker was frozen is not run again by the worker that picks it up after the stall (cancel key)', async () => {
  const a = await startWorker(redis, q, { concurrency: 1 });
  const log = join(dir, `frozen-${q}.log`);
  const id = await p.add('slowFirst', [log, 60000, 100, 'should not rerun'], { retries: 2 });
  await until(() => logLines(log).length > 0, 'the job to start');
  a.child.kill('SIGSTOP');
  try {
    // Nobody else listens yet: the message reaches no worker that could act on it.
    await p.cancel(id);
    const b = await startWorker(redis, q, { concurrency: 1 });
    const o = await p.outcome(id, 30000);
    expect(o.ok).toBe(false);
    expect(o.error).toBeInstanceOf(CancelledError);
    expect(logLines(log).length).toBe(1);
    expect(alive(b.pid)).toBe(true);
  } finally {
    a.child.kill('SIGKILL');
  }
});
