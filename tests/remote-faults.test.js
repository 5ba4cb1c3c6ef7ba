// Remote mode faults (DESIGN.md, "Workers", remote mode; issue 8): no lost
// wake-ups when events go missing (a tiny events stream; the events
// connection killed again and again while the stream is trimmed), Redis
// unreachable at start, Redis going away under a handle, Redis restarted
// mid-run (append-only file), and nothing keeping the process alive after
// stop(). Real redis-servers, real concurry-worker processes.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jest } from '@jest/globals';
import { QueueEvents } from 'bullmq';
import { createWorker, gather, WorkerCrashedError, UndeliveredCancelError } from '../bindings/index.js';
import { startRedis, freePort } from './redis-server.js';
import { TASKS, admin, queueName, until, sleep, killBins, startBin, runToExit } from './remote-helpers.js';

jest.setTimeout(120000);

const UNAWAITED = fileURLToPath(new URL('./fixtures/remote-stop-unawaited.mjs', import.meta.url));

const servers = [];
const handles = [];
const conns = [];
async function redisServer(opts) {
  const r = await startRedis(opts);
  servers.push(r);
  return r;
}
async function handle(redis, options) {
  const h = await createWorker(TASKS, { mode: 'remote', redis: redis.url, ...options });
  handles.push(h);
  return h;
}
function adminOf(redis) {
  const c = admin(redis);
  conns.push(c);
  return c;
}
afterAll(async () => {
  await Promise.all(handles.map((h) => h.stop({ force: true }).catch(() => {})));
  await killBins();
  for (const c of conns) c.disconnect();
  await Promise.all(servers.map((s) => s.stop()));
});

describe('no lost wake-ups', () => {
  test.each([1, 64])('a tiny events stream (maxLen 1, maxBatch %i): completion events are trimmed before they are read; every future settles', async (maxBatch) => {
    // One entry per stream node, so BullMQ's approximate trimming (MAXLEN ~ 1) trims at once.
    const redis = await redisServer({ args: ['--stream-node-max-entries', '1'] });
    const q = queueName('tiny');
    const h = await handle(redis, { queue: q, localWorkers: 1, maxWorkers: 4, maxBatch });
    const ad = adminOf(redis);
    await ad.hset(`bull:${q}:meta`, 'opts.maxLenEvents', 1);
    // A second reader of the same stream, as the handle's: it sees how many completions events still tell.
    const observer = new QueueEvents(q, { connection: { host: redis.host, port: redis.port, maxRetriesPerRequest: null } });
    let told = 0;
    observer.on('completed', () => { told++; });
    await observer.waitUntilReady();
    const fs = [];
    for (let i = 0; i < 300; i++) fs.push(h.add(i, 1000));
    const res = await gather(fs, { timeout: 60000 });
    expect(res).toEqual(fs.map((_, i) => i + 1000));
    await observer.close();
    // Completion events were lost (with batches: of 18 jobs); the futures settled anyway.
    expect(told).toBeLessThan(maxBatch === 1 ? 300 : 18);
    // Events were trimmed away (most before the handle read them): with batches, also the
    // worker's per-call outcomes (one entry per flush).
    const info = await ad.call('XINFO', 'STREAM', `bull:${q}:events`);
    const at = (k) => Number(info[info.indexOf(k) + 1]);
    expect(at('entries-added') - at('length')).toBeGreaterThan(maxBatch === 1 ? 1000 : 100);
  });

  test('the events connection killed again and again while the stream is trimmed: every future settles', async () => {
    const redis = await redisServer();
    const q = queueName('kill');
    const h = await handle(redis, { queue: q, localWorkers: 1, maxWorkers: 4 });
    const ad = adminOf(redis);
    const fs = [];
    for (let i = 0; i < 40; i++) fs.push(h.sleepThen(50 + (i % 8) * 40, i));
    let kills = 0;
    let stop = false;
    const chaos = (async () => {
      while (!stop) {
        const list = String(await ad.client('LIST')).split('\n');
        for (const line of list) {
          if (!/ cmd=xread/.test(line)) continue;
          const id = /^id=(\d+)/.exec(line)[1];
          await ad.client('KILL', 'ID', id).catch(() => {});
          kills++;
        }
        await ad.xtrim(`bull:${q}:events`, 'MAXLEN', 0);
        await sleep(5);
      }
    })();
    try {
      const res = await gather(fs, { timeout: 60000 });
      expect(res).toEqual(fs.map((_, i) => i));
    } finally {
      stop = true;
      await chaos;
    }
    expect(kills).toBeGreaterThan(0);
  });
});

describe('Redis faults', () => {
  test('Redis unreachable: createWorker rejects within connectTimeout, naming the URL', async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    const t0 = Date.now();
    const e = await createWorker(TASKS, { mode: 'remote', redis: url, connectTimeout: 500 }).catch((x) => x);
    const ms = Date.now() - t0;
    expect(e).toBeInstanceOf(Error);
    expect(e.message).toContain(url);
    expect(e.message).toContain('500 ms');
    expect(ms).toBeGreaterThanOrEqual(450);
    expect(ms).toBeLessThan(2500);
  });

  test('Redis going away: pending calls and new calls fail (naming the URL) rather than hang; stop() still ends', async () => {
    const redis = await redisServer();
    const h = await handle(redis, { queue: queueName('gone'), connectTimeout: 700 });
    const pending = h.add(1, 1); // no worker: waits on Redis
    await sleep(100);
    await redis.kill();
    const t0 = Date.now();
    const e = await pending.exception();
    expect(e).toBeInstanceOf(Error);
    expect(e.message).toContain(redis.url);
    expect(Date.now() - t0).toBeLessThan(5000);
    const later = await h.add(2, 2).exception({ timeout: 5000 });
    expect(later.message).toContain(redis.url);
    const s0 = Date.now();
    // Redis is still away: the first call's job could not be withdrawn, and stop() says so.
    const err = await h.stop({ force: true }).then(() => null, (x) => x);
    expect(Date.now() - s0).toBeLessThan(5000);
    expect(err).toBeInstanceOf(UndeliveredCancelError);
    expect(err.jobs.map((j) => [j.method, j.reason])).toEqual([['add', 'withdraw']]);
  });

  test('Redis restarted mid-run (append-only file): every future settles with its result', async () => {
    const redis = await redisServer();
    const h = await handle(redis, { queue: queueName('rst'), localWorkers: 1, maxWorkers: 4 });
    const fs = [];
    for (let i = 0; i < 30; i++) fs.push(h.sleepThen(100 + (i % 5) * 100, i));
    await sleep(250);
    await redis.restart();
    for (let i = 30; i < 40; i++) fs.push(h.sleepThen(50, i));
    const res = await gather(fs, { timeout: 100000 });
    expect(res).toEqual(fs.map((_, i) => i));
  });
});

// A cancel made while Redis is away cannot reach it at once: it waits in the
// connection's offline queue and goes out when Redis is back. stop() waits for
// it (up to connectTimeout), and says so when it could not be delivered.
describe('cancels made while Redis is away', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cy-rfault-'));
  let logN = 0;
  const logFile = () => join(dir, `log${++logN}`);
  const lines = (f) => (existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean) : []);

  for (const force of [false, true]) {
    test(`a queued job cancelled during an outage is removed once Redis is back, before stop(${force ? '{ force: true }' : ''}) returns`, async () => {
      const redis = await redisServer();
      const q = queueName('cout');
      const h = await handle(redis, { queue: q, connectTimeout: 8000 });
      const ad = adminOf(redis);
      const f = h.add(1, 2); // no worker serves the queue: it waits on Redis
      await until(async () => (await ad.llen(`bull:${q}:wait`)) === 1, 'the job waiting on Redis');
      const [id] = await ad.lrange(`bull:${q}:wait`, 0, -1);
      await redis.kill();
      expect(f.cancel()).toBe(true);
      expect(f.cancelled()).toBe(true);
      let stopped = false;
      const s = h.stop(force ? { force: true } : undefined).then(() => { stopped = true; });
      await sleep(1500);
      expect(stopped).toBe(false); // waiting for Redis, to deliver the cancel
      await redis.start(); // append-only file: the job is back, waiting
      await s;
      expect(await ad.exists(`bull:${q}:${id}`)).toBe(0);
      expect(await ad.llen(`bull:${q}:wait`)).toBe(0);
    });
  }

  // A trial: after an outage longer than connectTimeout the calls failed
  // ("outcome unknown") but their jobs stayed on Redis and a later worker ran them.
  test('calls failed as "outcome unknown" (Redis away longer than connectTimeout): their jobs are withdrawn once Redis is back and never run', async () => {
    const redis = await redisServer();
    const q = queueName('wdraw');
    const h = await handle(redis, { queue: q, connectTimeout: 500 });
    const ad = adminOf(redis);
    const log = logFile();
    const fs = [1, 2, 3].map((i) => h.marked(log, 10, i)); // no worker serves the queue: they wait on Redis
    await until(async () => (await ad.llen(`bull:${q}:wait`)) === 3, 'the jobs waiting on Redis');
    await redis.kill();
    for (const f of fs) expect((await f.exception()).message).toContain('the outcome of the call is unknown');
    await redis.start(); // append-only file: the jobs are back, waiting
    await until(async () => (await ad.llen(`bull:${q}:wait`)) === 0 && (await ad.keys(`bull:${q}:cy*`)).length === 0,
      'the jobs withdrawn', 15000);
    await h.stop(); // the withdrawals are not reported as undelivered cancels
    await startBin(redis, q, { concurrency: 1 });
    await sleep(1000);
    expect(lines(log)).toEqual([]);
  });

  test('a running job cancelled during an outage: its signal fires on the worker once Redis is back', async () => {
    const redis = await redisServer();
    const q = queueName('crun');
    const h = await handle(redis, { queue: q, connectTimeout: 8000 });
    await startBin(redis, q, { concurrency: 1 });
    const log = logFile();
    const f = h.waitForAbort(30000, log);
    await until(() => lines(log).some((l) => l.startsWith('started')), 'the job to start');
    await until(() => f.running(), 'the future to say running');
    await redis.kill();
    expect(f.cancel()).toBe(true);
    const s = h.stop();
    await sleep(1000);
    expect(lines(log).some((l) => l.startsWith('aborted'))).toBe(false);
    await redis.start();
    await s;
    await until(() => lines(log).some((l) => l.startsWith('aborted')), 'the signal on the worker', 10000);
    expect(lines(log).filter((l) => l.startsWith('started'))).toHaveLength(1);
  });

  test('Redis away for connectTimeout after stop(): stop() closes everything, then rejects naming the calls whose cancel was not delivered', async () => {
    const redis = await redisServer();
    const q = queueName('clost');
    const h = await handle(redis, { queue: q, connectTimeout: 800 });
    const ad = adminOf(redis);
    const f = h.sleepThen(10, 'x');
    await until(async () => (await ad.llen(`bull:${q}:wait`)) === 1, 'the job waiting on Redis');
    const [id] = await ad.lrange(`bull:${q}:wait`, 0, -1);
    await redis.kill();
    expect(f.cancel()).toBe(true);
    const t0 = Date.now();
    const e = await h.stop().then(() => null, (x) => x);
    const ms = Date.now() - t0;
    expect(e).toBeInstanceOf(UndeliveredCancelError);
    expect(e.name).toBe('UndeliveredCancelError');
    expect(e.message).toContain(redis.url);
    expect(e.message).toContain('800 ms (connectTimeout)');
    expect(e.message).toContain(`sleepThen (${id}, cancel)`);
    expect(e.message).toContain('may still run');
    expect(e.jobs).toEqual([{ id, method: 'sleepThen', reason: 'cancel' }]);
    expect(ms).toBeGreaterThanOrEqual(750);
    expect(ms).toBeLessThan(4000);
    expect(() => h.add(1, 1)).toThrow(/stopped/);
    await redis.start();
  });

  // A re-trial: calls failed as "outcome unknown" whose Redis was still away
  // at stop() were not reported, though nothing would withdraw their jobs any more.
  test('Redis still away at stop() after calls failed as "outcome unknown": stop() reports their jobs as not withdrawn', async () => {
    const redis = await redisServer();
    const q = queueName('wlost');
    const h = await handle(redis, { queue: q, connectTimeout: 500 });
    const ad = adminOf(redis);
    const f = h.sleepThen(10, 'x');
    await until(async () => (await ad.llen(`bull:${q}:wait`)) === 1, 'the job waiting on Redis');
    const [id] = await ad.lrange(`bull:${q}:wait`, 0, -1);
    await redis.kill();
    expect((await f.exception()).message).toContain('withdrawn if Redis is back before stop(); if not, stop() reports it');
    const e = await h.stop().then(() => null, (x) => x);
    expect(e).toBeInstanceOf(UndeliveredCancelError);
    expect(e.jobs).toEqual([{ id, method: 'sleepThen', reason: 'withdraw' }]);
    expect(e.message).toContain(`sleepThen (${id}, withdraw)`);
    await redis.start();
  });

  // A review: stop() rejecting turned `await using` into a throw (or a
  // SuppressedError) at the end of the scope, and a stop() nobody awaited
  // into an unhandled rejection that ended the process.
  test('the same through [Symbol.asyncDispose] (await using): it resolves, the error becomes a process warning', async () => {
    const redis = await redisServer();
    const q = queueName('cdisp');
    const h = await handle(redis, { queue: q, connectTimeout: 800 });
    const ad = adminOf(redis);
    const f = h.sleepThen(10, 'x');
    await until(async () => (await ad.llen(`bull:${q}:wait`)) === 1, 'the job waiting on Redis');
    await redis.kill();
    expect(f.cancel()).toBe(true);
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      // Jest's realm has no Symbol.asyncDispose: the handle then uses the registered one polyfills use.
      const dispose = Symbol.asyncDispose || Symbol.for('Symbol.asyncDispose');
      await expect(h[dispose]()).resolves.toBeUndefined();
      expect(warn).toHaveBeenCalledTimes(1);
      const [w] = warn.mock.calls[0];
      expect(w).toBeInstanceOf(UndeliveredCancelError);
      expect(w.jobs).toEqual([expect.objectContaining({ method: 'sleepThen', reason: 'cancel' })]);
    } finally {
      warn.mockRestore();
      await redis.start();
    }
    // An awaited stop() afterwards still says it (the same outcome).
    await expect(h.stop()).rejects.toBeInstanceOf(UndeliveredCancelError);
  });

  test('a stop() nobody awaits during an outage does not crash the process (no unhandled rejection)', async () => {
    const r = await runToExit(UNAWAITED, [], 30000);
    expect({ out: r.out, err: r.err, code: r.code, signal: r.signal }).toEqual({ out: 'alive\ndone\n', err: '', code: 0, signal: null });
  });
});

describe('local workers', () => {
  test('a local worker that dies is replaced; its running jobs are retried per retries, else fail with WorkerCrashedError', async () => {
    const redis = await redisServer();
    const q = queueName('loc');
    const h = await handle(redis, { queue: q, localWorkers: 1, maxWorkers: 2 });
    const pidOf = () => {
      let out = '';
      try {
        // (local workers get the URL by environment: their argv names the queue, not Redis)
        out = execFileSync('pgrep', ['-f', `concurry-worker.js .*--queue[= ]${q}( |$)`], { encoding: 'utf8' }).trim();
      } catch { /* none */ }
      return out ? Number(out.split('\n')[0]) : 0;
    };
    const first = pidOf();
    expect(first).toBeGreaterThan(0);
    const once = h.sleepThen(1500, 'once');
    const twice = h.callWith({ retries: 1 }, 'sleepThen', 1500, 'twice');
    await until(() => once.running() && twice.running(), 'both jobs to start');
    process.kill(first, 'SIGKILL');
    await until(() => { const p = pidOf(); return p !== 0 && p !== first; }, 'a new local worker');
    expect(await h.add(2, 3)).toBe(5);
    const e = await once.exception({ timeout: 60000 });
    expect(e).toBeInstanceOf(WorkerCrashedError);
    expect(await twice.result({ timeout: 60000 })).toBe('twice');
    expect(h.stats().workers).toBe(1);
  });
});

describe('process lifetime', () => {
  test('an idle handle (no local workers) does not keep the process alive, and wakes up for the next call', async () => {
    const redis = await redisServer();
    const q = queueName('idle');
    await startBin(redis, q);
    const script = fileURLToPath(new URL('./fixtures/remote-idle.mjs', import.meta.url));
    const r = await runToExit(script, [redis.url, q], 38000, { mark: 'results' });
    expect(r.markAt).not.toBeNull(); // the script's results (stderr in r.err)
    expect(r.code).toBe(0);
    expect(r.exitAt - r.markAt).toBeLessThan(8000);
    expect(r.out).toContain('results 42 3');
  });

  test.each([['stop()', 'drain'], ['stop({ force: true })', 'force']])('nothing keeps the process alive after %s', async (_, how) => {
    const redis = await redisServer();
    const script = fileURLToPath(new URL('./fixtures/remote-exit.mjs', import.meta.url));
    const r = await runToExit(script, [redis.url, queueName('exit'), how], 38000, { mark: 'result' });
    expect(r.markAt).not.toBeNull(); // the script's result (stderr in r.err)
    expect(r.code).toBe(0);
    expect(r.exitAt - r.markAt).toBeLessThan(8000);
    expect(r.out).toContain('result 42 true');
  });
});
