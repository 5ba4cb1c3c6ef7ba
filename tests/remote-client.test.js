// Remote mode, client side (DESIGN.md, "Workers", remote mode): calls on a
// real redis-server, run by real concurry-worker processes (the bin): results
// and errors across the boundary, calls of one tick in one addBulk per chunk
// (counted by Redis itself, INFO commandstats), progress before the result,
// cancel of a queued job (removed) and of a running one (its signal fires on
// the worker), timeouts that stop the job, the handle's checks.
import { mkdtempSync, rmSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { Queue } from 'bullmq';
import {
  createWorker, gather, wait, waitSync, RemoteFuture, CancelledError, TimeoutError, InvalidStateError, DataCloneError, QueueFullError,
} from '../bindings/index.js';
import { startRedis } from './redis-server.js';
import { cancelChannel, cancelKey, CANCEL_KEY_TTL_MS } from '../bindings/modes/remote-wire.js';
import {
  TASKS, admin, commandStats, delta, startBin, killBins, queueName, until, sleep,
} from './remote-helpers.js';

jest.setTimeout(60000);

let redis;
let ad;
let dir;
let w; // shared handle: 1 local worker, 2 jobs at a time
const handles = [];

async function handle(options) {
  const h = await createWorker(TASKS, { mode: 'remote', redis: redis.url, ...options });
  handles.push(h);
  return h;
}

const lines = (f) => (existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean) : []);
let logN = 0;
const logFile = () => join(dir, `log${++logN}`);

beforeAll(async () => {
  redis = await startRedis();
  ad = admin(redis);
  dir = mkdtempSync(join(tmpdir(), 'cy-rc-'));
  w = await handle({ queue: queueName('shared'), localWorkers: 1, maxWorkers: 2 });
});
afterAll(async () => {
  await Promise.all(handles.map((h) => h.stop({ force: true })));
  await killBins();
  if (ad) ad.disconnect();
  if (redis) await redis.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('calls', () => {
  test('results come back as remote futures; values keep their types', async () => {
    const f = w.add(1, 2);
    expect(f.uuid).toMatch(/^remote-future-/);
    expect(await f).toBe(3);
    expect(f.done()).toBe(true);
    expect(f.resultNow()).toBe(3);
    const v = { m: new Map([[1, 'a']]), s: new Set([2]), b: 10n ** 20n, d: new Date(5), u: new Uint8Array([1, 2]), n: [null, undefined] };
    const back = await w.echo(v);
    // v8.deserialize builds them in Node's realm, not the test's: compare by kind and content.
    const kind = (x) => Object.prototype.toString.call(x);
    expect(kind(back.m)).toBe('[object Map]');
    expect([...back.m]).toEqual([[1, 'a']]);
    expect(kind(back.s)).toBe('[object Set]');
    expect([...back.s]).toEqual([2]);
    expect(back.b).toBe(10n ** 20n);
    expect(kind(back.d)).toBe('[object Date]');
    expect(back.d.getTime()).toBe(5);
    expect(kind(back.u)).toBe('[object Uint8Array]');
    expect([...back.u]).toEqual([1, 2]);
    expect(back.n).toEqual([null, undefined]);
    // call() and callWith() and the Proxy are one path.
    expect(await w.call('add', 2, 3)).toBe(5);
    expect(await w.callWith({ retries: 1 }, 'add', 3, 4)).toBe(7);
  });

  test('futures and promises among the arguments are awaited first (unwrapFutures)', async () => {
    const a = w.add(1, 1);
    expect(await w.add(a, Promise.resolve(3))).toBe(5);
    expect(await w.echo({ x: [w.add(2, 2)] })).toEqual({ x: [4] });
  });

  test('maxBatch 1: calls made in one tick go out in one addBulk per chunk of 500; one Redis command per job', async () => {
    // No worker yet: the only commands on this Redis are this handle's (and the test's own INFO/LLEN).
    const q = queueName('bulk');
    const h = await handle({ queue: q, maxBatch: 1 });
    const sizes = [];
    const addBulk = Queue.prototype.addBulk;
    Queue.prototype.addBulk = function spy(jobs) { sizes.push(jobs.length); return addBulk.call(this, jobs); };
    let before;
    const fs = [];
    try {
      before = await commandStats(ad);
      for (let i = 0; i < 1200; i++) fs.push(h.add(i, 1));
      await until(async () => (await ad.llen(`bull:${q}:wait`)) === 1200, 'the 1200 jobs on Redis');
      const mid = delta(before, await commandStats(ad));
      expect(sizes).toEqual([500, 500, 200]);
      // BullMQ's add script, once per job (EVALSHA; its first use may be an EVAL), and no command per call
      // from our layer: nothing else counts anywhere near one per job (the commands BullMQ's script runs
      // inside Redis are counted by Redis too, so they are left out).
      expect(mid.evalsha + (mid.eval || 0)).toBeGreaterThanOrEqual(1200);
      expect(mid.evalsha + (mid.eval || 0)).toBeLessThanOrEqual(1201);
      const inside = ['hmset', 'hset', 'xadd', 'lpush', 'rpush', 'zadd', 'incr', 'exists', 'hget', 'hmget', 'get', 'set',
        'zcard', 'llen', 'hexists', 'xtrim', 'pexpire', 'expire', 'zscore', 'del', 'hincrby', 'sadd', 'zrange', 'lrange',
        'ttl', 'pttl', 'smembers', 'hgetall', 'scard', 'sismember', 'zrangebyscore', 'rpoplpush', 'lmove'];
      const perCall = Object.entries(mid).filter(([k, n]) => n >= 100 && k !== 'evalsha' && !inside.includes(k));
      expect(perCall).toEqual([]);
      // A call in a later tick is a batch of its own.
      fs.push(h.add(1, 1));
      await until(async () => (await ad.llen(`bull:${q}:wait`)) === 1201, 'one more job');
      expect(sizes).toEqual([500, 500, 200, 1]);
    } finally {
      Queue.prototype.addBulk = addBulk;
    }
    expect(h.stats()).toMatchObject({ queued: 1201, running: 0 });
    // A worker command on "another machine" (a separate process) serves them.
    await startBin(redis, q, { concurrency: 4 });
    const res = await gather(fs);
    expect(res.slice(0, 3)).toEqual([1, 2, 3]);
    expect(res[1199]).toBe(1200);
    expect(res[1200]).toBe(2);
    expect(h.stats()).toMatchObject({ queued: 0, running: 0, completed: 1201 });
  });

  test('calls made in one tick travel in batch jobs (default maxBatch 64, at least 16 jobs); a few calls go one job each', async () => {
    const q = queueName('batch');
    const h = await handle({ queue: q });
    const sizes = [];
    const addBulk = Queue.prototype.addBulk;
    Queue.prototype.addBulk = function spy(jobs) { sizes.push(jobs.map((j) => (j.data.calls ? j.data.calls.length : 1))); return addBulk.call(this, jobs); };
    const fs = [];
    let before;
    try {
      before = await commandStats(ad);
      for (let i = 0; i < 1200; i++) fs.push(h.add(i, 1));
      await until(async () => (await ad.llen(`bull:${q}:wait`)) === 19, 'the 19 batch jobs on Redis');
      // 1200 calls: jobs of 64 (1200 / 16 = 75, above maxBatch), the last one 48.
      expect(sizes).toEqual([[...new Array(18).fill(64), 48]]);
      const mid = delta(before, await commandStats(ad));
      expect(mid.evalsha + (mid.eval || 0)).toBeLessThanOrEqual(20);
      // 20 calls in a tick: fewer than 2 x 16, one job each.
      for (let i = 0; i < 20; i++) fs.push(h.add(i, 2));
      await until(async () => (await ad.llen(`bull:${q}:wait`)) === 39, 'the 20 single jobs');
      expect(sizes[1]).toEqual(new Array(20).fill(1));
    } finally {
      Queue.prototype.addBulk = addBulk;
    }
    expect(h.stats()).toMatchObject({ queued: 1220, running: 0 });
    await startBin(redis, q, { concurrency: 4 });
    const res = await gather(fs);
    expect(res).toEqual(fs.map((_, i) => (i < 1200 ? i + 1 : i - 1200 + 2)));
    expect(h.stats()).toMatchObject({ queued: 0, running: 0, completed: 1220 });
    const small = await handle({ queue: q, maxBatch: 5 });
    const more = [];
    for (let i = 0; i < 200; i++) more.push(small.add(i, 0));
    expect(await gather(more)).toEqual(more.map((_, i) => i));
  });
});

describe('errors across the boundary', () => {
  test('name, message, stack, cause and own properties', async () => {
    const e = await w.failCustom('boom', 'E42').exception();
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('CustomError');
    expect(e.constructor.name).toBe('CustomError');
    expect(e.message).toBe('boom');
    expect(e.code).toBe('E42');
    expect(e.stack).toContain('failCustom');
    expect(e.cause).toBeInstanceOf(TypeError);
    expect(e.cause.message).toBe('inner cause');
    expect([...e.details.tags]).toEqual(['a', 'b']);
    expect(e.details.n).toBe(7n);
    await expect(w.failCustom('again', 1)).rejects.toThrow('again');
  });

  test('an argument that cannot be cloned fails that call with DataCloneError naming its path', async () => {
    const f = w.echo({ config: { fn: () => 1 } });
    const e = await f.exception();
    expect(e).toBeInstanceOf(DataCloneError);
    expect(e.message).toContain('args[0].config.fn: function');
    expect(await w.add(1, 1)).toBe(2);
  });

  test('an argument whose getter throws fails that call with DataCloneError naming its path (never a synchronous throw)', async () => {
    for (const unwrapFutures of [true, false]) {
      const h = await handle({ queue: queueName('getter'), unwrapFutures });
      let f;
      expect(() => { f = h.echo({ a: 1, get boom() { throw new Error('getter'); } }); }).not.toThrow();
      const e = await f.exception();
      expect(e).toBeInstanceOf(DataCloneError);
      expect(e.message).toContain('args[0].boom');
      expect(h.stats()).toMatchObject({ queued: 0, running: 0, failed: 1 });
      await h.stop();
    }
  });

  test('a missing method fails its future naming the method and the module', async () => {
    const e = await w.call('noSuchThing', 1).exception();
    expect(e).toBeInstanceOf(Error);
    expect(e.message).toContain('noSuchThing');
    expect(e.message).toContain('remote-client-tasks.mjs');
  });
});

describe('progress', () => {
  test('onProgress gets every report in order, all before the result', async () => {
    const seen = [];
    const f = w.callWith({ onProgress: (p) => seen.push(p.step) }, 'count', 8);
    f.addDoneCallback(() => seen.push('done'));
    expect(await f).toBe(8);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 'done']);
  });
});

describe('cancel and timeouts', () => {
  test('cancel() of a queued job removes it from Redis: it never runs', async () => {
    const q = queueName('cq');
    const h = await handle({ queue: q, localWorkers: 1, maxWorkers: 1 });
    const log = logFile();
    const first = h.marked(log, 600, 'first');
    await until(() => lines(log).includes('start first'), 'the first job to start');
    const second = h.marked(log, 10, 'second');
    await until(async () => (await ad.llen(`bull:${q}:wait`)) === 1, 'the second job waiting on Redis');
    expect(second.running()).toBe(false);
    expect(second.cancel()).toBe(true);
    expect(second.cancelled()).toBe(true);
    await expect(second.result()).rejects.toBeInstanceOf(CancelledError);
    await until(async () => (await ad.llen(`bull:${q}:wait`)) === 0, 'the job removed');
    expect(await first).toBe('first');
    await sleep(300);
    expect(lines(log)).toEqual(['start first', 'end first']);
    expect(second.cancel()).toBe(true); // already cancelled: still true
  });

  test('cancel() of a running job reaches it: its signal fires on the worker', async () => {
    const log = logFile();
    const f = w.waitForAbort(20000, log);
    await until(() => lines(log).some((l) => l.startsWith('started')), 'the job to start');
    await until(() => f.running(), 'the future to say running');
    const t0 = Date.now();
    expect(f.cancel()).toBe(true);
    expect(f.cancelled()).toBe(true);
    await expect(f.exception()).rejects.toBeInstanceOf(CancelledError);
    await until(() => lines(log).some((l) => l.startsWith('aborted')), 'the signal on the worker', 5000);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(await w.add(2, 2)).toBe(4);
  });

  test('a cancel sent while the worker\'s subscriber is cut off still stops the job (the cancel key, set with the publish)', async () => {
    const q = queueName('ck');
    const h = await handle({ queue: q });
    const bin = await startBin(redis, q, { concurrency: 1 });
    const log = logFile();
    const f = h.waitForAbort(20000, log);
    await until(() => lines(log).some((l) => l.startsWith('started')), 'the job to start');
    await until(() => f.running(), 'the future to say running');
    // The worker command frozen and its subscriber dropped: the cancel's PUBLISH reaches nobody.
    process.kill(bin.pid, 'SIGSTOP');
    try {
      await ad.client('KILL', 'TYPE', 'pubsub');
      const [, subs] = await ad.pubsub('NUMSUB', cancelChannel(q));
      expect(Number(subs)).toBe(0);
      const before = await commandStats(ad);
      expect(f.cancel()).toBe(true);
      await until(async () => (delta(before, await commandStats(ad)).publish || 0) >= 1, 'the cancel published');
      const keys = await ad.keys(cancelKey(q, '*'));
      expect(keys).toHaveLength(1);
      expect(await ad.get(keys[0])).toBe('cancel');
      expect(await ad.pttl(keys[0])).toBeGreaterThan(CANCEL_KEY_TTL_MS - 60000);
    } finally {
      process.kill(bin.pid, 'SIGCONT');
    }
    await expect(f.exception()).rejects.toBeInstanceOf(CancelledError);
    await until(() => lines(log).some((l) => l.startsWith('aborted')), 'the signal on the worker', 8000);
  });

  test('a timeout fails the future with TimeoutError at once and stops the job', async () => {
    const log = logFile();
    const t0 = Date.now();
    const f = w.callWith({ timeout: 400 }, 'waitForAbort', 20000, log);
    const e = await f.exception();
    expect(e).toBeInstanceOf(TimeoutError);
    expect(e.message).toContain('400 ms');
    expect(Date.now() - t0).toBeLessThan(3000);
    await until(() => lines(log).some((l) => l.startsWith('aborted')), 'the job stopped', 5000);
    // A queued job that times out is removed and never runs.
    const q = queueName('tq');
    const h = await handle({ queue: q, localWorkers: 1, maxWorkers: 1 });
    const log2 = logFile();
    const busy = h.marked(log2, 700, 'busy');
    const late = h.callWith({ timeout: 200 }, 'marked', log2, 1, 'late');
    await expect(late.result()).rejects.toBeInstanceOf(TimeoutError);
    expect(await busy).toBe('busy');
    await sleep(300);
    expect(lines(log2)).toEqual(['start busy', 'end busy']);
  });

  test('timeout 0 fails the call at once (done() right away, as in the other modes); nothing is sent', async () => {
    const log = logFile();
    const fs = [];
    for (let i = 0; i < 40; i++) fs.push(w.callWith({ timeout: 0 }, 'marked', log, 1, `z${i}`));
    expect(fs.every((f) => f.done())).toBe(true);
    for (const f of fs) expect(await f.exception()).toBeInstanceOf(TimeoutError);
    await sleep(500);
    expect(lines(log)).toEqual([]);
  });

  test('a timeout that passes while the job is being added: the job is removed once it is on Redis', async () => {
    const q = queueName('t0');
    const h = await handle({ queue: q, localWorkers: 1, maxWorkers: 1 });
    const log = logFile();
    const busy = h.marked(log, 500, 'busy');
    const fs = [];
    for (let i = 0; i < 5; i++) fs.push(h.callWith({ timeout: 0 }, 'marked', log, 1, `zero${i}`));
    for (const f of fs) expect(await f.exception()).toBeInstanceOf(TimeoutError);
    expect(await busy).toBe('busy');
    await until(async () => (await ad.llen(`bull:${q}:wait`)) === 0, 'the timed-out jobs removed');
    await sleep(300);
    expect(lines(log)).toEqual(['start busy', 'end busy']);
  });

  test('unwrapFutures: false: a future among the arguments fails the call with DataCloneError naming its path', async () => {
    const h = await handle({ queue: queueName('nu'), unwrapFutures: false });
    const e = await h.echo({ x: [1, w.add(1, 1)] }).exception();
    expect(e).toBeInstanceOf(DataCloneError);
    expect(e.message).toContain('args[0].x[1] is a future');
  });

  test('an AbortSignal cancels the call', async () => {
    const log = logFile();
    const ac = new AbortController();
    const f = w.callWith({ signal: ac.signal }, 'waitForAbort', 20000, log);
    await until(() => lines(log).length > 0, 'the job to start');
    ac.abort();
    expect(f.cancelled()).toBe(true);
    await until(() => lines(log).some((l) => l.startsWith('aborted')), 'the signal on the worker', 5000);
    const pre = new AbortController();
    pre.abort();
    expect(w.callWith({ signal: pre.signal }, 'add', 1, 1).cancelled()).toBe(true);
  });
});

describe('the handle', () => {
  test('wait() over remote futures, FIRST_COMPLETED, with a timeout', async () => {
    const slow = w.sleepThen(1500, 'slow');
    const fast = w.sleepThen(10, 'fast');
    const { done, notDone } = await wait([slow, fast], { returnWhen: 'FIRST_COMPLETED' });
    expect(done.has(fast)).toBe(true);
    expect(notDone.has(slow)).toBe(true);
    await expect(wait([slow], { timeout: 50 })).rejects.toBeInstanceOf(TimeoutError);
    expect(await slow).toBe('slow');
  });

  test('a RemoteFuture: its class, and waitSync refuses it (only the event loop can complete it)', async () => {
    const f = w.sleepThen(50, 'x');
    expect(f).toBeInstanceOf(RemoteFuture);
    expect(() => waitSync([f], { timeout: 10 })).toThrow(/RemoteFuture .* can only complete on this thread's event loop \(a remote job's outcome/);
    expect(await f).toBe('x');
    expect(waitSync([f]).done.size).toBe(1);
  });

  test('stats().failed counts calls that failed, timed out or were cancelled (as thread and process modes)', async () => {
    const h = await handle({ queue: queueName('stats'), localWorkers: 1, maxWorkers: 1, cancelGraceMs: 200 });
    const log = logFile();
    const running = h.waitForAbort(20000, log);
    const queued = h.sleepThen(20000, 'x');
    await until(() => running.running(), 'the first call to run');
    expect(running.cancel()).toBe(true);
    expect(queued.cancel()).toBe(true);
    expect(await h.callWith({ timeout: 50 }, 'sleepThen', 20000, 'y').exception()).toBeInstanceOf(TimeoutError);
    expect((await h.failCustom('no', 1).exception()).message).toBe('no');
    expect(await h.add(1, 1)).toBe(2);
    expect(h.stats()).toMatchObject({ completed: 1, failed: 4, crashed: 0, queued: 0, running: 0 });
    await h.stop();
  });

  test('maxQueued refuses calls beyond it; whenAvailable and whenIdle', async () => {
    const h = await handle({ queue: queueName('mq'), maxQueued: 2 });
    const a = h.add(1, 1);
    const b = h.add(1, 2);
    expect(() => h.add(1, 3)).toThrow(QueueFullError);
    const avail = h.whenAvailable();
    a.cancel();
    await avail;
    b.cancel();
    await h.whenIdle();
    expect(h.stats()).toMatchObject({ queued: 0, running: 0 });
  });

  test('bad remote options are refused naming the option', async () => {
    await expect(createWorker(TASKS, { mode: 'remote', redis: 'http://x' })).rejects.toThrow(/option 'redis'/);
    // At once, naming the option, before any connection (a trial: 'redis://' went to 127.0.0.1:6379,
    // port 99999 was a bare "Invalid URL", '/abc' and '/-1' were db 0); a password stays masked.
    const url = (u) => createWorker(TASKS, { mode: 'remote', redis: u, connectTimeout: 60000 });
    await expect(url('redis://')).rejects.toThrow(new TypeError("createWorker(): option 'redis' must be a URL 'redis://[user:password@]host[:port][/db]' (or 'rediss://...'); it names no host: \"redis://\""));
    await expect(url('redis://:secret@127.0.0.1:99999')).rejects.toThrow(/option 'redis' .*does not parse \(is the port a number from 0 to 65535\?\): "redis:\/\/:\*\*\*@127\.0\.0\.1:99999"/);
    await expect(url(`${redis.url}/abc`)).rejects.toThrow(/option 'redis' .*its path must be empty or a database number such as \/0; got "\/abc"/);
    await expect(url(`${redis.url}/-1`)).rejects.toThrow(/option 'redis' .*got "\/-1"/);
    const db3 = await createWorker(TASKS, { mode: 'remote', redis: `${redis.url}/3`, queue: queueName('db3') });
    await db3.stop();
    // URL schemes are case-insensitive (a re-trial: 'REDIS://' was refused).
    const upper = await createWorker(TASKS, { mode: 'remote', redis: redis.url.replace(/^redis:/, 'REDIS:'), queue: queueName('up'), localWorkers: 1 });
    expect(await upper.add(2, 3)).toBe(5);
    await upper.stop();
    await expect(createWorker(TASKS, { mode: 'remote', redis: redis.url, queue: 'a:b' })).rejects.toThrow(/option 'queue'/);
    await expect(createWorker(TASKS, { mode: 'remote', redis: redis.url, localWorkers: -1 })).rejects.toThrow(RangeError);
    await expect(createWorker(TASKS, { mode: 'remote', redis: redis.url, connectTimeout: 'x' })).rejects.toThrow(/connectTimeout/);
    await expect(createWorker(TASKS, { mode: 'remote', redis: redis.url, maxBatch: 0 })).rejects.toThrow(new RangeError("createWorker(): option 'maxBatch' must be an integer 1..1000 (calls per job; 1: one job per call); got number 0"));
    await expect(createWorker(TASKS, { mode: 'remote', redis: redis.url, maxBatch: 1.5 })).rejects.toThrow(RangeError);
    await expect(createWorker(TASKS, { mode: 'remote', redis: redis.url, maxBatch: 1001 })).rejects.toThrow(RangeError);
    await expect(createWorker(TASKS, { mode: 'remote', redis: redis.url, maxBatch: '8' })).rejects.toThrow(new TypeError("createWorker(): option 'maxBatch' must be an integer 1..1000 (calls per job; 1: one job per call); got the string \"8\""));
    await expect(createWorker(TASKS, { mode: 'thread', maxBatch: 8 })).rejects.toThrow(/option 'maxBatch' applies to mode 'remote'/);
    const kf = (v) => createWorker(TASKS, { mode: 'remote', redis: redis.url, keepFinished: v });
    await expect(kf(3600)).rejects.toThrow(new TypeError("createWorker(): option 'keepFinished' must be a plain object { age, count } (age: ms a finished job is kept, count: how many finished jobs are kept per queue); got number 3600"));
    await expect(kf({ age: 500 })).rejects.toThrow(new RangeError("createWorker(): option 'keepFinished.age' must be a number of milliseconds >= 1000 (or Infinity: no age limit); got number 500"));
    await expect(kf({ age: '1h' })).rejects.toThrow(TypeError);
    await expect(kf({ age: NaN })).rejects.toThrow(RangeError);
    await expect(kf({ count: 0 })).rejects.toThrow(new RangeError("createWorker(): option 'keepFinished.count' must be an integer >= 1 (or Infinity: no count limit); got number 0"));
    await expect(kf({ count: 1.5 })).rejects.toThrow(/keepFinished\.count/);
    await expect(kf({ count: '10' })).rejects.toThrow(TypeError);
    await expect(kf({ limit: 10 })).rejects.toThrow(/unknown option 'keepFinished\.limit'; expected one of: age, count/);
    await expect(createWorker(TASKS, { mode: 'process', keepFinished: { count: 1 } })).rejects.toThrow(/option 'keepFinished' applies to mode 'remote'/);
    // Options of the pools this process runs do not apply to remote workers.
    for (const k of ['balance', 'idleTimeout', 'maxTasksPerWorker']) {
      await expect(createWorker(TASKS, { mode: 'remote', redis: redis.url, [k]: 1 })).rejects.toThrow(new RegExp(`option '${k}' applies to modes 'thread', 'process', 'c', not to mode 'remote'`));
    }
  });

  test('keepFinished: finished jobs kept by count and by age (default: an hour, 100000)', async () => {
    const q1 = queueName('kd');
    const d = await handle({ queue: q1, localWorkers: 1, maxWorkers: 1 });
    expect(await d.add(1, 1)).toBe(2);
    const [id] = await ad.zrange(`bull:${q1}:completed`, 0, -1);
    // BullMQ keeps the job by its own KeepJobs: the default, seconds.
    expect(JSON.parse(await ad.hget(`bull:${q1}:${id}`, 'opts'))).toMatchObject({ removeOnComplete: { age: 3600, count: 100000 }, removeOnFail: { age: 3600, count: 100000 } });

    const q2 = queueName('kc');
    const c = await handle({ queue: q2, localWorkers: 1, maxWorkers: 1, keepFinished: { count: 2 } });
    for (let i = 0; i < 5; i++) expect(await c.add(i, 0)).toBe(i); // one at a time: each finishes before the next
    expect(await c.failCustom('boom', 7).exception()).toBeInstanceOf(Error); // an error outcome is a finished job too
    expect(await ad.zcard(`bull:${q2}:completed`)).toBe(2);

    const q3 = queueName('ka');
    const a = await handle({ queue: q3, localWorkers: 1, maxWorkers: 1, keepFinished: { age: 1000, count: Infinity } });
    expect(await a.add(1, 2)).toBe(3);
    expect(await ad.zcard(`bull:${q3}:completed`)).toBe(1);
    await sleep(2100);
    expect(await a.add(3, 4)).toBe(7); // BullMQ removes the expired ones when a job finishes
    expect(await ad.zcard(`bull:${q3}:completed`)).toBe(1);

    const q4 = queueName('kf');
    const f = await handle({ queue: q4, localWorkers: 1, maxWorkers: 1, keepFinished: { age: Infinity, count: Infinity } });
    for (let i = 0; i < 3; i++) expect(await f.add(i, 1)).toBe(i + 1);
    expect(await ad.zcard(`bull:${q4}:completed`)).toBe(3);
  });

  test('stop() drains, ends the local workers; calls after it throw InvalidStateError', async () => {
    const h = await createWorker(TASKS, { mode: 'remote', redis: redis.url, queue: queueName('st'), localWorkers: 1, maxWorkers: 1 });
    const f = h.sleepThen(200, 'drained');
    await h.stop();
    expect(f.done()).toBe(true);
    expect(f.resultNow()).toBe('drained');
    expect(() => h.add(1, 1)).toThrow(InvalidStateError);
    expect(h.stats().workers).toBe(0);
  });
});
