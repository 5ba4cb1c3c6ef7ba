// The worker command (bin/concurry-worker.js) as a user on another machine
// runs it: a separate process against a real redis-server, jobs enqueued with
// a plain BullMQ Queue per the wire contract (bindings/modes/remote-wire.js).
// Command line, progress, error fidelity, sandbox crashes and retries, cancel
// and timeouts that reach the running task (DESIGN.md, "Workers", remote mode).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { serialize } from 'node:v8';
import { join } from 'node:path';
import { startRedis, freePort } from './redis-server.js';
import {
  runBin, startWorker, logLines, until, alive, cleanup, TASKS, producerEachTest, expectProgressInOrder,
} from './remote-worker-helpers.js';
import { CancelledError, TimeoutError, WorkerCrashedError, DataCloneError } from '../bindings/index.js';
import { jobData } from '../bindings/modes/remote-wire.js';

import { jest } from '@jest/globals';

jest.setTimeout(60000);

let redis;
let dir;
let n = 0;
const queueName = () => `rw${process.pid}x${++n}`;

beforeAll(async () => {
  redis = await startRedis();
  dir = mkdtempSync(join(tmpdir(), 'cy-rw-'));
});
afterEach(cleanup);
afterAll(async () => {
  await cleanup();
  if (redis) await redis.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('command line', () => {
  test('--help prints the usage and exits 0', async () => {
    const w = runBin(['--help']);
    const x = await w.exited;
    expect(x.code).toBe(0);
    expect(w.out()).toContain('Usage: concurry-worker --redis URL --queue NAME --module PATH');
    expect(w.out()).toContain('--concurrency N');
  });

  test.each([
    [['--queue', 'q', '--module', TASKS], /--redis is required/],
    [['--redis', 'redis://127.0.0.1:1', '--module', TASKS], /--queue is required/],
    [['--redis', 'redis://127.0.0.1:1', '--queue', 'q'], /--module is required/],
    [['--redis', 'not a url', '--queue', 'q', '--module', TASKS], /--redis expects a URL like redis:\/\/host:6379; got "not a url"/],
    [['--redis', 'http://x:1', '--queue', 'q', '--module', TASKS], /--redis expects a redis:\/\/ or rediss:\/\/ URL/],
    [['--redis', 'redis://127.0.0.1:1', '--queue', 'a:b', '--module', TASKS], /--queue expects a non-empty name without ':'/],
    [['--redis', 'redis://127.0.0.1:1', '--queue', 'q', '--module', '/nonexistent/tasks.js'], /--module: no such file: \/nonexistent\/tasks.js/],
    [['--redis', 'redis://127.0.0.1:1', '--queue', 'q', '--module', TASKS, '--concurrency', '0'], /--concurrency expects an integer >= 1; got "0"/],
    [['--redis', 'redis://127.0.0.1:1', '--queue', 'q', '--module', TASKS, '--concurrency', 'two'], /--concurrency expects an integer >= 1; got "two"/],
    [['--redis', 'redis://127.0.0.1:1', '--queue', 'q', '--module', TASKS, '--concurrency'], /--concurrency expects a value/],
    [['--redis', 'redis://127.0.0.1:1', '--queue', 'q', '--module', TASKS, '--bogus', '1'], /unknown option --bogus \(expected one of --redis, --queue/],
    [['--redis', 'redis://127.0.0.1:1', '--queue', 'q', '--module', TASKS, '--quiet', '--quiet'], /--quiet is given twice/],
    [['--redis', 'redis://127.0.0.1:1', '--queue', 'q', '--queue', 'r', '--module', TASKS], /--queue is given twice/],
    [['--redis', 'redis://127.0.0.1:1', 'q'], /unexpected argument "q"/],
  ])('bad command line %j: exit 2 naming the flag', async (args, re) => {
    const w = runBin(args);
    const x = await w.exited;
    expect(x.code).toBe(2);
    expect(w.err()).toMatch(re);
    expect(w.err()).toContain('Run concurry-worker --help for usage.');
  });

  test('Redis unreachable: exits 1 within a few seconds with a message naming the URL', async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    const w = runBin(['--redis', url, '--queue', 'q', '--module', TASKS]);
    const x = await w.exited;
    expect(x.code).toBe(1);
    // Refused at once: it gives up as soon as it has started (node and imports take what they take).
    expect(x.sinceStarting).toBeLessThan(1500);
    expect(x.ms).toBeLessThan(15000);
    expect(w.err()).toContain(`cannot reach Redis at ${url}`);
    expect(w.out()).not.toContain('ready');
  });

  test('Redis that does not answer (a listener that never speaks): exits 1 after --connect-timeout, naming the URL', async () => {
    const { createServer } = await import('node:net');
    const socks = [];
    const srv = createServer((s) => socks.push(s)); // accepts, never answers PING
    await new Promise((r) => srv.listen(0, '127.0.0.1', r));
    const url = `redis://127.0.0.1:${srv.address().port}`;
    try {
      const w = runBin(['--redis', url, '--queue', 'q', '--module', TASKS, '--connect-timeout', '800']);
      const x = await w.exited;
      expect(x.code).toBe(1);
      expect(x.sinceStarting).toBeGreaterThanOrEqual(700);
      expect(x.sinceStarting).toBeLessThan(800 + 1500);
      expect(x.ms).toBeLessThan(15000);
      expect(w.err()).toContain(`cannot reach Redis at ${url}`);
    } finally {
      for (const s of socks) s.destroy();
      srv.close();
    }
  });

  test('--quiet: no progress lines on stderr (starting, stopping), the ready line still on stdout', async () => {
    const w = await startWorker(redis, queueName(), { concurrency: 1, extra: ['--quiet'] });
    w.child.kill('SIGTERM');
    expect((await w.exited).code).toBe(0);
    expect(w.err()).toBe('');
    expect(w.out()).toMatch(/^concurry-worker: ready \S+ pid=\d+\n$/);
    const loud = await startWorker(redis, queueName(), { concurrency: 1 });
    loud.child.kill('SIGTERM');
    await loud.exited;
    expect(loud.err()).toContain('concurry-worker: starting: queue');
    expect(loud.err()).toContain('SIGTERM: stopping');
  });

  test('a module that throws at load: exits 1 naming the module, before serving', async () => {
    const bad = new URL('./fixtures/workers/throws-at-load.mjs', import.meta.url).pathname;
    const w = runBin(['--redis', redis.url, '--queue', queueName(), '--module', bad, '--concurrency', '1']);
    const x = await w.exited;
    expect(x.code).toBe(1);
    expect(w.err()).toContain('throws-at-load.mjs');
    expect(w.out()).not.toContain('ready');
  });
});

describe('jobs', () => {
  let p;
  let q;
  producerEachTest(() => redis, queueName, (np, nq) => { p = np; q = nq; });

  test('runs a job in a sandbox child process; progress reaches Redis in order, before the completion', async () => {
    const w = await startWorker(redis, q);
    const pidId = await p.add('pid', []);
    const pidOut = await p.outcome(pidId);
    expect(pidOut.ok).toBe(true);
    expect(pidOut.value).not.toBe(w.pid); // a sandbox, not the worker command itself
    await expectProgressInOrder(p, 5);
    // Structured values cross as in process mode.
    const v = { m: new Map([[1, 'a']]), s: new Set([2]), d: new Date(5), b: 10n, u8: new Uint8Array([1, 2]) };
    const echoed = await p.outcome(await p.add('echo', [v]));
    expect(echoed.ok).toBe(true);
    // v8.deserialize builds Node's own Map/Set/Date, not the test realm's: compared by encoding.
    expect(serialize(echoed.value).equals(serialize(v))).toBe(true);
  });

  test('--concurrency N: N jobs run at once, each in its own sandbox process; the N+1th waits', async () => {
    await startWorker(redis, q, { concurrency: 3 });
    const log = join(dir, `conc-${q}.log`);
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push(await p.add('marked', [log, 2000, `j${i}`]));
    await until(() => logLines(log).length >= 3, 'three jobs to start');
    await new Promise((r) => setTimeout(r, 300));
    // Three started together (none of them can have ended yet); the fourth waits for a free slot.
    const firstThree = logLines(log);
    expect(firstThree.length).toBe(3);
    expect(new Set(firstThree.map((l) => l.split(' ')[2])).size).toBe(3);
    for (let i = 0; i < 4; i++) expect(await p.outcome(ids[i])).toEqual({ ok: true, value: `j${i}` });
    expect(logLines(log).length).toBe(4);
  });

  test('errors keep class name, message, stack, cause and own properties; a returned error stays a value', async () => {
    await startWorker(redis, q);
    const o = await p.outcome(await p.add('failCustom', ['bad thing', 7]));
    expect(o.ok).toBe(false);
    const e = o.error;
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('CustomError');
    expect(e.constructor.name).toBe('CustomError');
    expect(e.message).toBe('bad thing');
    expect(e.stack).toContain('failCustom');
    expect(e.cause).toBeInstanceOf(TypeError);
    expect(e.cause.message).toBe('inner cause');
    expect(e.code).toBe(7);
    expect(Object.prototype.toString.call(e.details.when)).toBe('[object Date]');
    expect(e.details.when.getTime()).toBe(0);
    expect(Object.prototype.toString.call(e.details.tags)).toBe('[object Set]');
    expect([...e.details.tags]).toEqual(['a', 'b']);

    const r = await p.outcome(await p.add('returnsError', []));
    expect(r.ok).toBe(true);
    expect(r.value).toBeInstanceOf(RangeError);
    expect(r.value.extra).toBe(42);

    const m = await p.outcome(await p.add('noSuchMethod', []));
    expect(m.ok).toBe(false);
    expect(m.error.message).toContain('noSuchMethod');
    expect(m.error.message).toContain('remote-tasks.mjs');

    // Job data that is not ours ends with an error outcome, not a stuck or failed job.
    const raw = await p.q.add('x', { v: 99, method: 'add', args: '' });
    const bad = await p.outcome(raw.id);
    expect(bad.ok).toBe(false);
    expect(bad.error).toBeInstanceOf(TypeError);
    expect(bad.error.message).toContain('data.v is 99');
  });

  test('arguments that cannot be cloned fail at the caller with DataCloneError naming the path', () => {
    expect(() => jobData({ method: 'echo', args: [1, { config: { fn() {} } }] })).toThrow(DataCloneError);
    expect(() => jobData({ method: 'echo', args: [1, { config: { fn() {} } }] })).toThrow(/args\[1\]\.config\.fn: function/);
  });

  test('a task that kills its sandbox: re-run per retries, then WorkerCrashedError with attempts; the worker command lives on', async () => {
    const w = await startWorker(redis, q, { concurrency: 1 });
    const once = await p.outcome(await p.add('crash', [1], { retries: 1 }));
    expect(once).toEqual({ ok: true, value: 'survived attempt 2' });
    const always = await p.outcome(await p.add('crash', [], { retries: 2 }));
    expect(always.ok).toBe(false);
    expect(always.error).toBeInstanceOf(WorkerCrashedError);
    expect(always.error.attempts).toBe(3);
    expect(always.error.signal).toBe('SIGKILL');
    expect(always.error.method).toBe('crash');
    const none = await p.outcome(await p.add('crash', []));
    expect(none.error).toBeInstanceOf(WorkerCrashedError);
    expect(none.error.attempts).toBe(1);
    expect(alive(w.pid)).toBe(true);
    expect(await p.outcome(await p.add('add', [2, 3]))).toEqual({ ok: true, value: 5 });
  });

  test('cancel reaches a running cooperative task: its signal fires, the job ends with CancelledError', async () => {
    await startWorker(redis, q);
    const log = join(dir, `coop-${q}.log`);
    const id = await p.add('waitForAbort', [30000, log]);
    await until(() => logLines(log).length > 0, 'the task to start');
    await p.cancel(id);
    const o = await p.outcome(id);
    expect(o.ok).toBe(false);
    expect(o.error).toBeInstanceOf(CancelledError);
    await until(() => logLines(log).length > 1, 'the task to see its signal');
    expect(logLines(log)[1]).toMatch(/^aborted \d+ CancelledError$/);
  });

  test('cancel of a non-cooperative task: signal, then only its sandbox is killed after cancelGraceMs; a second job on the same worker is unharmed', async () => {
    await startWorker(redis, q, { concurrency: 2 });
    const log = join(dir, `stubborn-${q}.log`);
    const log2 = join(dir, `other-${q}.log`);
    const id = await p.add('ignoreAbort', [60000, log], { cancelGraceMs: 300 });
    const other = await p.add('marked', [log2, 2500, 'otherValue']);
    await p.active(id);
    await until(() => logLines(log).length > 0 && logLines(log2).length > 0, 'both tasks to start');
    const sandbox = Number(logLines(log)[0].split(' ')[1]);
    const otherSandbox = Number(logLines(log2)[0].split(' ')[2]);
    expect(sandbox).not.toBe(otherSandbox);
    const t0 = Date.now();
    await p.cancel(id);
    const o = await p.outcome(id);
    expect(o.error).toBeInstanceOf(CancelledError);
    await until(() => !alive(sandbox), 'the stuck sandbox to be killed', 5000);
    const killedAfter = Date.now() - t0;
    expect(killedAfter).toBeGreaterThanOrEqual(250);
    expect(logLines(log)).toContain(`signal ${sandbox} CancelledError`);
    expect(logLines(log)).not.toContain(`finished ${sandbox}`);
    expect(alive(otherSandbox)).toBe(true);
    expect(await p.outcome(other)).toEqual({ ok: true, value: 'otherValue' });
    // And the worker takes the next jobs (on a replacement sandbox).
    expect(await p.outcome(await p.add('add', [1, 1]))).toEqual({ ok: true, value: 2 });
  });

  test('timeoutMs is enforced by the worker (counted from the call): signal, kill after grace, TimeoutError', async () => {
    await startWorker(redis, q, { concurrency: 1 });
    const log = join(dir, `timeout-${q}.log`);
    const t0 = Date.now();
    const id = await p.add('ignoreAbort', [60000, log], { timeoutMs: 600, cancelGraceMs: 200 });
    const o = await p.outcome(id);
    const took = Date.now() - t0;
    expect(o.ok).toBe(false);
    expect(o.error).toBeInstanceOf(TimeoutError);
    expect(took).toBeGreaterThanOrEqual(550);
    await until(() => logLines(log).some((l) => l.startsWith('signal ')), 'the signal');
    const sandbox = Number(logLines(log)[0].split(' ')[1]);
    expect(logLines(log)).toContain(`signal ${sandbox} TimeoutError`);
    await until(() => !alive(sandbox), 'the sandbox to be killed', 5000);
    expect(await p.outcome(await p.add('add', [4, 4]))).toEqual({ ok: true, value: 8 });
  });

  test('a job picked up after its deadline ends with TimeoutError without running', async () => {
    const log = join(dir, `late-${q}.log`);
    const id = await p.add('marked', [log, 0, 'late'], { timeoutMs: 200 });
    await new Promise((r) => setTimeout(r, 400));
    await startWorker(redis, q, { concurrency: 1 });
    const o = await p.outcome(id);
    expect(o.error).toBeInstanceOf(TimeoutError);
    expect(logLines(log)).toEqual([]);
  });

  test("a cancel message with reason 'timeout' ends a running job with TimeoutError", async () => {
    await startWorker(redis, q);
    const log = join(dir, `tmsg-${q}.log`);
    const id = await p.add('waitForAbort', [30000, log]);
    await until(() => logLines(log).length > 0, 'the task to start');
    await p.cancel(id, 'timeout');
    const o = await p.outcome(id);
    expect(o.error).toBeInstanceOf(TimeoutError);
    await until(() => logLines(log).length > 1, 'the task to see its signal');
    // The sandbox's signal fires (its reason is a CancelledError: the pool stops
    // the call as cancelled); the job's outcome says timeout.
    expect(logLines(log)[1]).toMatch(/^aborted \d+ (Timeout|Cancelled)Error$/);
  });

  test('a cancel that arrives before the worker registers the job (the hand-off race) still cancels it', async () => {
    await startWorker(redis, q, { concurrency: 1 });
    const log = join(dir, `early-${q}.log`);
    const jobId = `early-${q}`;
    await p.cancel(jobId);
    await new Promise((r) => setTimeout(r, 100)); // the message is in before the job exists
    await p.add('marked', [log, 0, 'ran'], { jobId });
    const o = await p.outcome(jobId);
    expect(o.error).toBeInstanceOf(CancelledError);
    expect(logLines(log)).toEqual([]);
  });
});
