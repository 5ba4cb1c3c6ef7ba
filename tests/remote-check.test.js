// The batch check of remote mode (bindings/modes/remote-check.js): the state
// of N BullMQ jobs in one Redis round trip per chunk of 1000 (one EVALSHA,
// counted by Redis itself in INFO commandstats), and its stream guard (were
// events this client had not read deleted from the events stream?).
import { jest } from '@jest/globals';
import { Queue, Worker } from 'bullmq';
import { startRedis } from './redis-server.js';
import { admin, commandStats, delta, queueName } from './remote-helpers.js';
import { createChecker, streamPosition, J_COMPLETED, J_FAILED, J_MISSING, J_WAITING } from '../bindings/modes/remote-check.js';
import { encodeOk, decodeOutcome } from '../bindings/modes/remote-wire.js';

jest.setTimeout(120000);

let redis;
let ad;
beforeAll(async () => {
  redis = await startRedis();
  ad = admin(redis);
});
afterAll(async () => {
  if (ad) ad.disconnect();
  if (redis) await redis.stop();
});

/** n jobs finished by a plain BullMQ Worker (returning the protocol's outcome); their ids. */
async function finishedJobs(q, n, failEvery = 0) {
  const connection = { host: redis.host, port: redis.port, maxRetriesPerRequest: null };
  const queue = new Queue(q, { connection });
  const ids = [];
  for (let i = 0; i < n; i += 500) {
    const jobs = await queue.addBulk(Array.from({ length: Math.min(500, n - i) }, (_, k) => ({
      name: 'f', data: { i: i + k }, opts: { jobId: `j${i + k}`, removeOnComplete: { count: 100000 }, removeOnFail: { count: 100000 } },
    })));
    for (const j of jobs) ids.push(j.id);
  }
  let done = 0;
  await new Promise((resolve, reject) => {
    const worker = new Worker(q, async (job) => {
      if (failEvery && job.data.i % failEvery === 0) throw new Error(`failed ${job.data.i}`);
      return encodeOk(job.data.i * 2);
    }, { connection, concurrency: 200 });
    const fin = () => { if (++done === n) worker.close().then(resolve, reject); };
    worker.on('completed', fin);
    worker.on('failed', fin);
    worker.on('error', () => {});
  });
  await queue.close();
  return ids;
}

test('5000 finished jobs: one EVALSHA per chunk of 1000, every state and return value', async () => {
  const q = queueName('chk');
  const ids = await finishedJobs(q, 5000, 1000);
  const c = admin(redis);
  const check = createChecker(c, 'bull', q);
  await check(ids.slice(0, 1), null, '0-0', true); // loads the script (EVALSHA, then EVAL once)
  const before = await commandStats(ad);
  const t0 = performance.now();
  const r = await check([...ids, 'nope'], null, '0-0', true);
  const ms = performance.now() - t0;
  const d = delta(before, await commandStats(ad));
  expect(d.evalsha).toBe(6); // 5001 ids: 6 chunks
  expect(d.eval || 0).toBe(0);
  expect(r.states).toHaveLength(5001);
  let failed = 0;
  for (let i = 0; i < 5000; i++) {
    if (i % 1000 === 0) {
      expect(r.states[i]).toBe(J_FAILED);
      expect(r.payloads[i]).toBe(`failed ${i}`);
      failed++;
    } else {
      expect(r.states[i]).toBe(J_COMPLETED);
      const o = decodeOutcome(r.payloads[i]);
      expect(o).toEqual({ ok: true, value: i * 2 });
    }
  }
  expect(failed).toBe(5);
  expect(r.states[5000]).toBe(J_MISSING);
  // eslint-disable-next-line no-console
  console.log(`batch check of 5001 jobs: ${ms.toFixed(1)} ms, ${d.evalsha} EVALSHA`);
  c.disconnect();
});

test('the stream guard: nothing lost answers without reading jobs; a trimmed stream says lost', async () => {
  const q = queueName('grd');
  const connection = { host: redis.host, port: redis.port, maxRetriesPerRequest: null };
  const queue = new Queue(q, { connection });
  await queue.add('f', {}, { jobId: 'w1' });
  const c = admin(redis);
  const check = createChecker(c, 'bull', q);
  const events = `bull:${q}:events`;
  // A reader that has read every entry so far.
  const { id, pos } = await streamPosition(c, 'bull', q);
  expect(pos).toBeGreaterThan(0);
  let r = await check(['w1'], pos, id, false);
  expect(r).toEqual({ lost: false, states: null, payloads: null });
  r = await check(['w1'], pos, id, true);
  expect(r.lost).toBe(false);
  expect(r.states).toEqual([J_WAITING]);
  // Unknown position: lost.
  expect((await check([], null, '0-0', false)).lost).toBe(true);
  // Entries it had read are trimmed: nothing lost.
  await c.xtrim(events, 'MAXLEN', 0);
  expect((await check([], pos, id, false)).lost).toBe(false);
  // Entries it had not read yet are trimmed: lost, and the states come in the same reply.
  await queue.add('f', {}, { jobId: 'w2' });
  expect((await check([], pos, id, false)).lost).toBe(false);
  await c.xtrim(events, 'MAXLEN', 1);
  r = await check(['w1', 'w2'], pos, id, false);
  expect(r.lost).toBe(true);
  expect(r.states).toEqual([J_WAITING, J_WAITING]);
  // The stream gone altogether: lost.
  await c.del(events);
  expect((await check([], pos, id, false)).lost).toBe(true);
  await queue.close();
  c.disconnect();
});

test('a batch job still running: the outcomes its worker recorded come with its state; other pending jobs carry none', async () => {
  const q = queueName('chkpart');
  const c = admin(redis);
  // A pending batch job and a pending single job, as BullMQ keeps them (a job hash with its timestamp),
  // and the batch's records as a worker leaves them in that hash (remote-report.js): calls 0 and 3
  // finished, 1 started.
  await c.hset(`bull:${q}:cyt-b7`, 'timestamp', Date.now(), 'name', 'x', 'data', '{}');
  await c.hset(`bull:${q}:cyt-9`, 'timestamp', Date.now(), 'name', 'x', 'data', '{}');
  await c.hset(`bull:${q}:cyt-b7`, 'cys0', 1, 'cyo0', JSON.stringify(encodeOk('zero')), 'cys1', 1, 'cys3', 1, 'cyo3', JSON.stringify(encodeOk(3n)));
  // A pending single job's hash is never read for records (nor would a stray field count).
  await c.hset(`bull:${q}:cyt-9`, 'cyo0', JSON.stringify(encodeOk('no')));
  // Without records a pending batch is plain pending.
  await c.hset(`bull:${q}:cyt-b8`, 'timestamp', Date.now(), 'name', 'x', 'data', '{}');
  const check = createChecker(c, 'bull', q);
  const r = await check(['cyt-b7', 'cyt-9', 'cyt-b8'], null, '0-0', true);
  expect(r.states).toEqual([J_WAITING, J_WAITING, J_WAITING]);
  expect(r.payloads[0]).toBeInstanceOf(Map);
  expect([...r.payloads[0].keys()].sort()).toEqual([0, 3]);
  expect(decodeOutcome(r.payloads[0].get(0))).toEqual({ ok: true, value: 'zero' });
  expect(decodeOutcome(r.payloads[0].get(3))).toEqual({ ok: true, value: 3n });
  expect(r.payloads[1]).toBe('');
  expect(r.payloads[2]).toBe('');
  c.disconnect();
});
