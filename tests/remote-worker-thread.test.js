// The worker command with --sandbox thread (bin/concurry-worker.js): jobs run
// in worker threads of the command's own process instead of child processes.
// The guarantees of the process sandbox hold per thread: progress in order,
// cancel and timeouts reach the running task, a task that ignores its signal
// (even a busy loop) has only its thread terminated after cancelGraceMs, a
// task that ends its thread (process.exit in a worker thread) is re-run per
// retries, then fails with WorkerCrashedError; SIGTERM lets running jobs finish.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRedis } from './redis-server.js';
import {
  runBin, startWorker, logLines, until, alive, cleanup, producerEachTest, expectProgressInOrder,
} from './remote-worker-helpers.js';
import { CancelledError, TimeoutError, WorkerCrashedError } from '../bindings/index.js';

import { jest } from '@jest/globals';

jest.setTimeout(60000);

const THREAD_TASKS = fileURLToPath(new URL('./fixtures/workers/remote-thread-tasks.mjs', import.meta.url));
let redis;
let dir;
let n = 0;
const queueName = () => `rwt${process.pid}x${++n}`;
const start = (q, o = {}) => startWorker(redis, q, { ...o, module: THREAD_TASKS, extra: ['--sandbox', 'thread', ...(o.extra || [])] });

beforeAll(async () => {
  redis = await startRedis();
  dir = mkdtempSync(join(tmpdir(), 'cy-rwt-'));
});
afterEach(cleanup);
afterAll(async () => {
  await cleanup();
  if (redis) await redis.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('--sandbox expects process or thread', async () => {
  const w = runBin(['--redis', redis.url, '--queue', 'x', '--module', THREAD_TASKS, '--sandbox', 'fiber']);
  const x = await w.exited;
  expect(x.code).toBe(2);
  expect(w.err()).toContain('--sandbox expects thread or process; got "fiber"');
});

describe('jobs in worker threads', () => {
  let p;
  let q;
  producerEachTest(() => redis, queueName, (np, nq) => { p = np; q = nq; });

  test('without --sandbox a job runs in a worker thread (the default)', async () => {
    const w = runBin(['--redis', redis.url, '--queue', q, '--module', THREAD_TASKS, '--concurrency', '1']);
    await until(() => /concurry-worker: ready/.test(w.out()), 'the ready line');
    expect(w.err()).toContain('sandbox thread');
    const o = await p.outcome(await p.add('where', []));
    expect(o.value.isMainThread).toBe(false);
    expect(o.value.pid).toBe(w.child.pid);
  });

  test('a job runs in a worker thread of the worker command; progress reaches Redis in order, before the completion', async () => {
    const w = await start(q);
    expect(w.err()).toContain('sandbox thread');
    const o = await p.outcome(await p.add('where', []));
    expect(o.ok).toBe(true);
    expect(o.value.pid).toBe(w.pid);
    expect(o.value.isMainThread).toBe(false);
    await expectProgressInOrder(p, 4);
    const e = await p.outcome(await p.add('failCustom', ['bad', 3]));
    expect(e.error.name).toBe('CustomError');
    expect(e.error.code).toBe(3);
    expect(e.error.cause.message).toBe('inner cause');
  });

  test('--concurrency N: N jobs run at once, each in its own thread', async () => {
    await start(q, { concurrency: 3 });
    const log = join(dir, `conc-${q}.log`);
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push(await p.add('marked', [log, 2000, `j${i}`]));
    await until(() => logLines(log).length >= 3, 'three jobs to start');
    await new Promise((r) => setTimeout(r, 300));
    const firstThree = logLines(log);
    expect(firstThree.length).toBe(3);
    expect(new Set(firstThree.map((l) => l.split(' ')[2])).size).toBe(3);
    for (let i = 0; i < 4; i++) expect(await p.outcome(ids[i])).toEqual({ ok: true, value: `j${i}` });
  });

  test('a busy loop that is cancelled: only its thread is terminated after cancelGraceMs; the other job and the command live on', async () => {
    const w = await start(q, { concurrency: 2 });
    const log = join(dir, `spin-${q}.log`);
    const log2 = join(dir, `other-${q}.log`);
    const id = await p.add('spin', [log], { cancelGraceMs: 300 });
    const other = await p.add('marked', [log2, 2000, 'otherValue']);
    await until(() => logLines(log).length > 0 && logLines(log2).length > 0, 'both tasks to start');
    const t0 = Date.now();
    await p.cancel(id);
    const o = await p.outcome(id);
    expect(o.error).toBeInstanceOf(CancelledError);
    expect(await p.outcome(other)).toEqual({ ok: true, value: 'otherValue' });
    expect(alive(w.pid)).toBe(true);
    // The slot is free again only once the spinning thread was terminated (after the grace).
    const t1 = Date.now();
    const seq = await Promise.all([p.add('add', [1, 1]), p.add('add', [2, 2])]);
    expect(await p.outcome(seq[0])).toEqual({ ok: true, value: 2 });
    expect(await p.outcome(seq[1])).toEqual({ ok: true, value: 4 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(Date.now() - t1).toBeLessThan(10000);
    // A second cancel of a busy loop is handled the same way (the replacement thread works).
    const id2 = await p.add('spin', [log], { cancelGraceMs: 100 });
    await until(() => logLines(log).length > 1, 'the second spin to start');
    await p.cancel(id2);
    expect((await p.outcome(id2)).error).toBeInstanceOf(CancelledError);
    expect(await p.outcome(await p.add('add', [3, 3]))).toEqual({ ok: true, value: 6 });
  });

  test('timeoutMs: signal, thread terminated after the grace, TimeoutError', async () => {
    await start(q, { concurrency: 1 });
    const log = join(dir, `timeout-${q}.log`);
    const t0 = Date.now();
    const id = await p.add('ignoreAbort', [60000, log], { timeoutMs: 500, cancelGraceMs: 200 });
    const o = await p.outcome(id);
    expect(o.error).toBeInstanceOf(TimeoutError);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(450);
    await until(() => logLines(log).some((l) => l.startsWith('signal ')), 'the signal');
    const th = logLines(log)[0].split(' ')[1];
    expect(logLines(log)).toContain(`signal ${th} TimeoutError`);
    // With concurrency 1, the next job runs only after the stuck thread was terminated; it never finished.
    expect(await p.outcome(await p.add('add', [4, 4]))).toEqual({ ok: true, value: 8 });
    expect(logLines(log)).not.toContain(`finished ${th}`);
  });

  test('a task that ends its thread: re-run per retries, then WorkerCrashedError with attempts and the exit code; the command lives on', async () => {
    const w = await start(q, { concurrency: 1 });
    expect(await p.outcome(await p.add('exitThread', [1], { retries: 1 }))).toEqual({ ok: true, value: 'survived attempt 2' });
    const always = await p.outcome(await p.add('exitThread', [], { retries: 2 }));
    expect(always.error).toBeInstanceOf(WorkerCrashedError);
    expect(always.error.attempts).toBe(3);
    expect(always.error.exitCode).toBe(7);
    expect(always.error.method).toBe('exitThread');
    expect(alive(w.pid)).toBe(true);
    expect(await p.outcome(await p.add('add', [2, 3]))).toEqual({ ok: true, value: 5 });
  });

  test('SIGTERM: the running job finishes, then the command exits 0', async () => {
    const w = await start(q, { concurrency: 1 });
    const log = join(dir, `term-${q}.log`);
    const id = await p.add('marked', [log, 800, 'done']);
    await until(() => logLines(log).length > 0, 'the job to start');
    w.child.kill('SIGTERM');
    const x = await w.exited;
    expect(x.code).toBe(0);
    expect(await p.outcome(id)).toEqual({ ok: true, value: 'done' });
  });
});
