// Findings of a new-user trial of remote mode, each with its regression test:
// local workers end with their caller (however it ends) and do not hold its
// stdout/stderr; typed arrays in results own exactly their bytes; a database
// number Redis refuses fails createWorker; queue names starting with '-';
// a module that fails to load says why; timeout and outage wording.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jest } from '@jest/globals';
import { createWorker, gather, WorkerCrashedError } from '../bindings/index.js';
import { _setCallerTtlForTests } from '../bindings/modes/remote.js';
import { decodeOutcome } from '../bindings/modes/remote-wire.js';
import { startRedis, freePort } from './redis-server.js';
import {
  TASKS, admin, queueName, sleep, until, startBin, killBins, runToExit,
} from './remote-helpers.js';

jest.setTimeout(90000);

const RUN = fileURLToPath(new URL('./fixtures/remote-trial-run.mjs', import.meta.url));

let redis;
beforeAll(async () => { redis = await startRedis({ appendonly: false }); });
afterAll(async () => { if (redis) await redis.stop(); });

const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };

/** Runs the fixture; resolves { code, signal, out, err } once all of its stdio closed. */
function runCaller(how, onLine) {
  const child = spawn(process.execPath, [RUN, redis.url, queueName('trial'), how], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => { out += d; if (onLine && out.includes('\n')) { onLine(child, JSON.parse(out.split('\n')[0])); onLine = null; } });
  child.stderr.on('data', (d) => { err += d; });
  const closed = new Promise((r) => child.once('close', (code, signal) => r({ code, signal, out, err })));
  return { child, closed };
}

describe('local workers end with their caller', () => {
  for (const how of ['throw', 'exit', 'hang']) {
    test(`caller ends without stop() (${how === 'hang' ? 'SIGKILL' : how}): its worker exits, and the caller's pipes close`, async () => {
      let info = null;
      const { closed } = runCaller(how, (child, line) => {
        info = line;
        if (how === 'hang') child.kill('SIGKILL');
      });
      // 'close': every pipe of the caller closed, which a worker holding its stdout/stderr would prevent.
      let timer;
      const r = await Promise.race([closed, new Promise((res) => { timer = setTimeout(() => res(null), 20000); })]);
      clearTimeout(timer);
      expect(r).not.toBeNull();
      expect(info).not.toBeNull();
      expect(info.result).toBe(5);
      if (how === 'throw') expect(r.err).toContain('the caller crashed');
      await until(() => !alive(info.workerPid), `worker pid ${info.workerPid} to exit`, 8000);
    });
  }
});

test('typed arrays in results own exactly their bytes (no view of a shared pool)', async () => {
  const q = queueName('ta');
  const w = await createWorker(TASKS, { mode: 'remote', redis: redis.url, queue: q, localWorkers: 1, maxWorkers: 1 });
  try {
    const u = await w.echo(new Uint8Array([1, 2, 3]));
    expect(u).toBeInstanceOf(Uint8Array);
    expect(u.byteOffset).toBe(0);
    expect(u.buffer.byteLength).toBe(3);
    expect([...new Uint8Array(u.buffer)]).toEqual([1, 2, 3]);
    const o = await w.echo({ f: new Float64Array([1.5, -2]), b: Buffer.from('hi'), d: new DataView(new ArrayBuffer(5)) });
    for (const v of [o.f, o.b, o.d]) {
      expect(v.byteOffset).toBe(0);
      expect(v.buffer.byteLength).toBe(v.byteLength);
    }
    expect([...o.f]).toEqual([1.5, -2]);
    expect(Buffer.isBuffer(o.b)).toBe(true);
    expect(o.b.toString()).toBe('hi');
  } finally {
    await w.stop();
  }
});

test('a database number Redis refuses fails createWorker, naming the URL (password masked) and the reason', async () => {
  const url = `redis://:secret@${redis.host}:${redis.port}/99`;
  const p = createWorker(TASKS, { mode: 'remote', redis: url, queue: queueName('db') });
  await expect(p).rejects.toThrow(/redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/99.*database 99.*(DB index is out of range|invalid DB index)/);
  await p.catch((e) => expect(e.message).not.toContain('secret'));
});

test('a queue name starting with - works with local workers', async () => {
  const w = await createWorker(TASKS, { mode: 'remote', redis: redis.url, queue: `--help${process.pid}`, localWorkers: 1, maxWorkers: 1 });
  try {
    expect(await w.add(1, 2)).toBe(3);
  } finally {
    await w.stop();
  }
});

test('a module that fails to load: createWorker rejects with the worker\'s own message', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cy-trial-'));
  const bad = join(dir, 'broken.mjs');
  writeFileSync(bad, 'export function f() { return 1 +; }\n');
  const p = createWorker(bad, { mode: 'remote', redis: redis.url, queue: queueName('bad'), localWorkers: 1, maxWorkers: 1 });
  await expect(p).rejects.toThrow(/exited \(exit code 1\) before it was ready[\s\S]*Unexpected token/);
});

// A trial: with localWorkers 0 a module path that does not exist was accepted,
// and calls waited for a worker that could never load it. Local workers load
// it from this path, so with them it must name a file here.
test('a module path that names no file here: createWorker rejects when local workers would load it (ERR_MODULE_NOT_FOUND, as other modes)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cy-trial-'));
  for (const target of [join(dir, 'nope.mjs'), dir]) {
    const e = await createWorker(target, { mode: 'remote', redis: redis.url, queue: queueName('nomod'), localWorkers: 1 }).then(() => null, (x) => x);
    expect(e).toBeInstanceOf(Error);
    expect(e.code).toBe('ERR_MODULE_NOT_FOUND');
    expect(e.message).toContain(`cannot load the module 'file://${target}'`);
    expect(e.message).toContain(target === dir ? 'not a file' : 'no such file');
  }
});

// A review: that check refused a thin client (localWorkers 0) whose workers
// run elsewhere with their own --module, the file absent on the caller.
test('a thin client (localWorkers 0) needs no module file here: workers elsewhere load their own --module', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cy-thin-'));
  const q = queueName('thin');
  const w = await createWorker(join(dir, 'tasks-on-the-workers.mjs'), { mode: 'remote', redis: redis.url, queue: q });
  try {
    await startBin(redis, q, { concurrency: 1 });
    expect(await w.add(2, 3).result({ timeout: 15000 })).toBe(5);
  } finally {
    await w.stop();
    await killBins();
  }
});

test('a timeout says the caller\'s timeout and "remote worker", wherever it fired', async () => {
  const w = await createWorker(TASKS, { mode: 'remote', redis: redis.url, queue: queueName('to'), localWorkers: 1, maxWorkers: 1 });
  try {
    // Started on the worker (it runs at once): the worker's timer and the client's race.
    const e = await w.callWith({ timeout: 500 }, 'sleepThen', 5000, 'x').result().catch((x) => x);
    expect(e.name).toBe('TimeoutError');
    expect(e.message).toBe("The call 'sleepThen' did not complete within 500 ms (remote worker)");
  } finally {
    await w.stop({ force: true });
  }
});

test('the worker\'s own timeout reports the caller\'s timeout in remote mode\'s words (not the time left, not "process worker")', async () => {
  const { Queue, QueueEvents } = await import('bullmq');
  const { jobData, decodeOutcome } = await import('../bindings/modes/remote-wire.js');
  const { startBin, killBins } = await import('./remote-helpers.js');
  const q = queueName('wto');
  await startBin(redis, q, { concurrency: 1 });
  const queue = new Queue(q, { connection: { host: redis.host, port: redis.port } });
  const ev = new QueueEvents(q, { connection: { host: redis.host, port: redis.port } });
  try {
    await ev.waitUntilReady();
    // No client timer here: only the worker's can fire.
    const job = await queue.add('sleepThen', jobData({ method: 'sleepThen', args: [5000, 'x'], retries: 0, timeoutMs: 800, cancelGraceMs: 200 }));
    const rv = await job.waitUntilFinished(ev, 15000);
    const o = decodeOutcome(rv);
    expect(o.ok).toBe(false);
    expect(o.error.name).toBe('TimeoutError');
    expect(o.error.message).toBe("The call 'sleepThen' did not complete within 800 ms (remote worker)");
  } finally {
    await ev.close();
    await queue.close();
    await killBins();
  }
});

const OUTAGE = fileURLToPath(new URL('./fixtures/remote-outage-exit.mjs', import.meta.url));

// After an outage, BullMQ's QueueEvents.close() left the connection it had
// made for the subscription reconnecting forever (its start-up had failed, so
// close() threw before closing it): a ref'd ioredis retry timer, and the
// process never exited. The fixture owns its Redis, so nothing here waits on it.
describe('the process exits after a Redis outage', () => {
  for (const how of ['restart', 'down', 'idle']) {
    const what = { restart: 'Redis back, then stop({ force: true })', down: 'stop({ force: true }) while Redis is away', idle: 'never stopped, the handle idle' }[how];
    test(`${what}: the process exits by itself`, async () => {
      const r = await runToExit(OUTAGE, [how], 30000);
      expect({ out: r.out, err: r.err, exited: r.exited }).toEqual({ out: expect.stringContaining('was not sent'), err: '', exited: true });
      expect(r.out).toContain('done\n');
      expect(r.code).toBe(0);
      // Nothing left to do after 'done': the exit follows at once (a leak keeps it forever).
      expect(r.exitAt - r.markAt).toBeLessThan(3000);
    });
  }
});

const GONE = fileURLToPath(new URL('./fixtures/remote-gone-exit.mjs', import.meta.url));

// Redis gone for good and the handle never stopped: once every call failed
// ("unreachable"), nothing of the handle may keep the process alive (an
// ioredis retry timer of the command connection was left ref'd).
describe('the process exits when Redis is gone for good', () => {
  for (const how of ['pending', 'idle']) {
    const what = { pending: 'calls pending when Redis went', idle: 'an idle handle, one call made during the outage' }[how];
    test(`${what}, never stopped: the process exits by itself`, async () => {
      const r = await runToExit(GONE, [how], 30000);
      expect({ err: r.err, exited: r.exited }).toEqual({ err: '', exited: true });
      expect(r.out.match(/^failed .*unreachable/gm)).toHaveLength(how === 'pending' ? 3 : 1);
      expect(r.out).toContain('done\n');
      expect(r.code).toBe(0);
      expect(r.exitAt - r.markAt).toBeLessThan(3000);
    });
  }
});

const CONNECT = fileURLToPath(new URL('./fixtures/remote-connect-time.mjs', import.meta.url));

// The first createWorker of a process loads bullmq and ioredis (~0.3-0.8 s):
// connectTimeout counted from after that, so an unreachable Redis was
// reported 1.9-2.5 s after a call with connectTimeout 1500.
test('Redis unreachable: the first createWorker of a process rejects within connectTimeout of the call (loading the modules included)', async () => {
  const port = await freePort();
  for (const lw of [0, 2]) {
    const r = await runToExit(CONNECT, [`redis://127.0.0.1:${port}`, '1500', String(lw)], 30000);
    const { ms, message } = JSON.parse(r.out);
    expect(message).toContain(`cannot reach Redis at redis://127.0.0.1:${port} within 1500 ms (connectTimeout)`);
    expect(ms).toBeGreaterThanOrEqual(1450);
    expect(ms).toBeLessThan(1750);
  }
});

const ORPHAN = fileURLToPath(new URL('./fixtures/remote-orphan-caller.mjs', import.meta.url));

// A trial: jobs of a caller that died (or ended without stop()) stayed on
// Redis with no TTL and any later worker ran them for nobody. A handle keeps
// a liveness key while it has jobs (refreshed; it expires after max(120 s,
// 3 x connectTimeout + 5 s), shortened here by the tests' knob); a worker
// drops a job whose caller's key is gone.
describe('jobs of a caller that is gone', () => {
  afterEach(() => _setCallerTtlForTests(null));

  test('the default lifetime is generous and not shortened by a short connectTimeout', async () => {
    const ad = admin(redis);
    for (const [ct, ttl] of [[100, 120000], [5000, 120000], [60000, 185000]]) {
      const q = queueName('ttl');
      const w = await createWorker(TASKS, { mode: 'remote', redis: redis.url, queue: q, connectTimeout: ct });
      try {
        const f = w.add(1, 2);
        await until(async () => (await ad.llen(`bull:${q}:wait`)) === 1, 'the job on Redis');
        const [key] = await ad.keys(`concurry:${q}:caller:*`);
        const left = await ad.pttl(key);
        expect(left).toBeGreaterThan(ttl - 5000);
        expect(left).toBeLessThanOrEqual(ttl);
        f.cancel();
      } finally {
        await w.stop();
      }
    }
    ad.disconnect();
  });

  test('the caller SIGKILLed with jobs queued: a worker that comes later drops them unrun', async () => {
    const q = queueName('orphan');
    const dir = mkdtempSync(join(tmpdir(), 'cy-orphan-'));
    const log = join(dir, 'log');
    const ad = admin(redis);
    try {
      const child = spawn(process.execPath, [ORPHAN, redis.url, q, log], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise((r) => { child.stdout.on('data', (d) => { if (String(d).includes('queued')) r(); }); });
      expect(await ad.llen(`bull:${q}:wait`)).toBe(3);
      expect(await ad.keys(`concurry:${q}:caller:*`)).toHaveLength(1);
      child.kill('SIGKILL');
      await until(async () => (await ad.keys(`concurry:${q}:caller:*`)).length === 0, 'the liveness key to expire', 15000);
      await startBin(redis, q, { concurrency: 1 });
      await until(async () => (await ad.zcard(`bull:${q}:completed`)) === 3, 'the jobs dropped', 15000);
      const ids = await ad.zrange(`bull:${q}:completed`, 0, -1);
      for (const id of ids) {
        const o = decodeOutcome(await ad.hget(`bull:${q}:${id}`, 'returnvalue'));
        expect(o.ok).toBe(false);
        expect(o.error.name).toBe('WorkerCrashedError');
        expect(o.error.code).toBe('ERR_CALLER_UNRESPONSIVE');
      }
      expect(existsSync(log)).toBe(false);
    } finally {
      ad.disconnect();
      await killBins();
    }
  });

  test('a live caller keeps its key: its jobs run however long they waited', async () => {
    _setCallerTtlForTests(2000);
    const q = queueName('alive');
    const w = await createWorker(TASKS, { mode: 'remote', redis: redis.url, queue: q, connectTimeout: 1000 });
    try {
      const fs = [w.add(1, 2), w.add(3, 4)];
      await sleep(4500); // longer than the key's lifetime (2 s): refreshed meanwhile
      await startBin(redis, q, { concurrency: 1 });
      expect(await gather(fs, { timeout: 15000 })).toEqual([3, 7]);
    } finally {
      await w.stop();
      await killBins();
    }
  });

  // A review: with connectTimeout 100 the key lived 5.3 s, and a caller
  // whose event loop was blocked that long had its queued jobs finished by
  // the workers with a CancelledError it never asked for (cancelled() false).
  test('a caller blocked longer than the lifetime: its dropped calls fail with WorkerCrashedError saying why (never run), not CancelledError', async () => {
    _setCallerTtlForTests(1500);
    const q = queueName('blocked');
    const dir = mkdtempSync(join(tmpdir(), 'cy-blocked-'));
    const log = join(dir, 'log');
    const w = await createWorker(TASKS, { mode: 'remote', redis: redis.url, queue: q, connectTimeout: 100 });
    const ad = admin(redis);
    try {
      await startBin(redis, q, { concurrency: 1 });
      // The worker's one slot is busy 3.5 s; two calls wait behind it.
      const first = w.sleepThen(3500, 'first');
      await until(() => first.running(), 'the first call to run');
      const fs = [w.marked(log, 10, 'a'), w.marked(log, 10, 'b')];
      await until(async () => (await ad.llen(`bull:${q}:wait`)) === 2, 'the calls on Redis');
      // Blocked 5 s (heavy synchronous work): the key (1.5 s) expires, and
      // the worker, free after 3.5 s, finds the waiting jobs' caller gone.
      const until5 = Date.now() + 5000;
      while (Date.now() < until5) { /* busy */ }
      expect(await first.result({ timeout: 10000 })).toBe('first');
      for (const f of fs) {
        const e = await f.exception({ timeout: 10000 });
        expect(f.cancelled()).toBe(false);
        expect(e).toBeInstanceOf(WorkerCrashedError);
        expect(e.code).toBe('ERR_CALLER_UNRESPONSIVE');
        expect(e.attempts).toBe(0);
        expect(e.message).toMatch(/^The call 'marked' was dropped, not run, by concurry-worker \S+ pid=\d+: its caller was unresponsive for more than 1\.5 s/);
      }
      expect(existsSync(log)).toBe(false);
    } finally {
      ad.disconnect();
      await w.stop();
      await killBins();
    }
  });
});

describe('Redis away for a while', () => {
  let aof;
  beforeAll(async () => { aof = await startRedis(); });
  afterAll(async () => { if (aof) await aof.stop(); });

  test('a call refused during an outage says it was not sent', async () => {
    const w = await createWorker(TASKS, { mode: 'remote', redis: aof.url, queue: queueName('out'), connectTimeout: 500 });
    await aof.kill();
    try {
      await sleep(1200);
      const e = await w.add(1, 2).exception({ timeout: 5000 });
      expect(e.message).toContain('was not sent');
      expect(e.message).not.toContain('unknown');
    } finally {
      await aof.start();
      await w.stop({ force: true });
    }
  });
});
