// The records a worker keeps of a job's calls (bindings/modes/remote-report.js):
// start counts written only while the worker holds the job's lock, as
// absolute counts (a command ioredis sends again after a lost reply counts
// once), nothing for a job that is gone; and end to end, a worker cut off for
// longer than the lock just as it records a start does not run that call
// once another worker has taken the job (retries 0: it runs once).
import { jest } from '@jest/globals';
import { createServer, connect } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createWorker } from '../bindings/index.js';
import { CallReporter } from '../bindings/modes/remote-report.js';
import { redisOptions } from '../bindings/modes/remote-serve.js';
import { startRedis } from './redis-server.js';
import { TASKS, queueName, sleep, startBin, killBins, until } from './remote-helpers.js';

jest.setTimeout(90000);

let redis;
let direct;
let dir;
const closers = [];
beforeAll(async () => {
  redis = await startRedis();
  direct = new Redis(redis.port, redis.host);
  dir = mkdtempSync(join(tmpdir(), 'cy-report-'));
});
afterAll(async () => {
  await killBins();
  for (const c of closers.reverse()) await c();
  if (direct) direct.disconnect();
  if (redis) await redis.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/**
 * A TCP proxy to Redis. drop(marker): the link that next sends `marker` gets
 * no reply to it and is cut (Redis ran the command; ioredis sends it again on
 * a new link). hold(marker, ms): from the moment `marker` is sent, all
 * traffic of all links waits `ms`, then goes through in order (the worker
 * cut off from Redis).
 */
async function proxy() {
  const links = new Set();
  let drop = null;
  let hold = null;
  let holding = false;
  const srv = createServer((c) => {
    const s = connect({ host: redis.host, port: redis.port });
    const l = { c, s, muted: false, up: [], down: [] };
    links.add(l);
    const end = () => { c.destroy(); s.destroy(); links.delete(l); };
    c.on('data', (d) => {
      if (drop !== null && d.includes(drop)) { drop = null; l.muted = true; }
      if (!holding && hold !== null && d.includes(hold.marker)) {
        holding = true;
        const h = hold;
        hold = null;
        h.hit();
        setTimeout(() => {
          holding = false;
          for (const k of links) { for (const x of k.up) k.s.write(x); for (const x of k.down) k.c.write(x); k.up = []; k.down = []; }
        }, h.ms);
      }
      if (holding) l.up.push(d);
      else s.write(d);
    });
    s.on('data', (d) => {
      if (l.muted) end();
      else if (holding) l.down.push(d);
      else c.write(d);
    });
    for (const x of [c, s]) { x.on('error', end); x.on('close', end); }
  });
  await new Promise((r) => { srv.listen(0, '127.0.0.1', r); });
  const p = {
    url: `redis://127.0.0.1:${srv.address().port}`,
    drop(marker) { drop = marker; },
    hold(marker, ms) { return new Promise((hit) => { hold = { marker, ms, hit }; }); },
    close() { for (const l of links) { l.c.destroy(); l.s.destroy(); } srv.close(); },
  };
  closers.push(async () => p.close());
  return p;
}

function workerConnection(url) {
  const c = new Redis({ ...redisOptions(url), maxRetriesPerRequest: null });
  c.on('error', () => {});
  closers.push(async () => c.disconnect());
  return c;
}

test('a start count whose reply was lost is sent again and still counts once', async () => {
  const px = await proxy();
  const cmd = workerConnection(px.url);
  const key = `bull:${queueName('rs')}:j1`;
  const q = key.split(':')[1];
  await direct.hset(key, 'data', '{}', 'ats', '1');
  await direct.set(`${key}:lock`, 'tokA');
  const a = new CallReporter(cmd, q, 'j1', 'bull', true, 'tokA');
  expect(await a.started(0, 1)).toBe(true);
  expect(await direct.hget(key, 'cys0')).toBe('1');
  // Handed back; the reply is lost and the command sent again after the reconnect.
  px.drop('cys0');
  a.unstarted(0, 0);
  expect(await a.flush()).toBe(true);
  expect(await direct.hget(key, 'cys0')).toBe('0'); // an increment of -1 sent twice left -1
  await direct.set(`${key}:lock`, 'tokB');
  const b = new CallReporter(cmd, q, 'j1', 'bull', true, 'tokB');
  expect(await b.started(0, 1)).toBe(true);
  expect((await b.read(1)).starts.get(0)).toBe(1);
});

test('a start is refused when the job is no longer this worker\'s (its lock), and a gone job gets no stray hash', async () => {
  const q = queueName('rl');
  const cmd = workerConnection(redis.url);
  const key = `bull:${q}:j2`;
  await direct.hset(key, 'data', '{}');
  await direct.set(`${key}:lock`, 'other');
  const r = new CallReporter(cmd, q, 'j2', 'bull', true, 'mine');
  expect(await r.started(0, 1)).toBe(false);
  expect(await direct.hget(key, 'cys0')).toBe(null);
  const gone = new CallReporter(cmd, q, 'nope', 'bull', true, 'mine');
  expect(await gone.started(0, 1)).toBe(false);
  gone.outcome(0, { ok: 'x' });
  expect(await gone.flush()).toBe(false);
  expect(await direct.exists(`bull:${q}:nope`)).toBe(0);
});

test('a worker cut off longer than the lock as it records a start does not run the call another worker took (retries 0: once)', async () => {
  const px = await proxy();
  const q = queueName('late');
  const log = join(dir, 'late');
  await startBin(px, q, { concurrency: 1 });
  const h = await createWorker(TASKS, { mode: 'remote', redis: redis.url, queue: q, connectTimeout: 30000 });
  closers.push(() => h.stop({ force: true }).catch(() => {}));
  expect(await h.add(1, 2)).toBe(3);
  const cut = px.hold('cys0', 12000);
  const f = h.marked(log, 3000, 'x');
  await cut;
  await startBin(redis, q, { concurrency: 1 });
  expect(await f.result({ timeout: 40000 })).toBe('x');
  // The first worker's queued records reach Redis after 12 s: it must not start the call then.
  await sleep(13000);
  await until(() => existsSync(log), 'the log');
  expect(readFileSync(log, 'utf8').trim().split('\n').filter((l) => l === 'start x')).toHaveLength(1);
});
