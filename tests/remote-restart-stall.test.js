// Remote mode: a job whose BullMQ lock is lost while its worker is alive
// (issue 8; the flaky "Redis restarted mid-run" test of remote-faults). The
// worker's own stalled check (or another's) then moves the job back to wait
// with stalledCounter 1, and the re-run, taking the stall for a host death,
// fails a retries-0 call with WorkerCrashedError ("stopped (it died or lost
// Redis) 1 time") though no worker died:
// - a reply lost in a restart: redis-server ran the worker's moveToFinished
//   (which also moved the next job to active, locked with the worker's token)
//   but stopped before replying; ioredis resends it after the reconnect, it
//   fails ("Missing lock ... moveToFinished"), and the next job sits in active
//   with a lock nobody renews: it is stalled 4 s later, never having run. This
//   is what the remote-faults restart test hit (in a loop of that test with a
//   restart at a random moment: call 17 "WorkerCrashedError; starts=0",
//   worker: "Missing lock for job ...-16. moveToFinished").
// - Redis away for longer than the lock (4 s) while a job runs: the lock
//   expires (its expiry is absolute and survives the restart).
// - the worker's event loop frozen for longer than the lock.
// - a job that finished while Redis was away for longer than the lock: its
//   completion, sent when Redis is back, finds no lock; the job is stalled.
// - one worker frozen while another serves the queue: the other stalls its job.
// Each is made deterministic here: a TCP proxy between worker and Redis that
// drops the reply of one moveToFinished and cuts the link; Redis killed and
// started again 5 s later; worker processes SIGSTOPped for 5-6 s.
// The first (what CI hit) is fixed: a worker charges a re-run only with the
// starts recorded in the job's hash before its calls ran (remote-report.js),
// not BullMQ's stalledCounter, so a job stalled without having run runs as a
// first run. The others are a known limit, marked test.failing: a worker cut
// off from Redis, or frozen, for longer than the lock (4 s) while its call
// runs has it taken again elsewhere and charged as a stop (with retries 0:
// WorkerCrashedError, the first run's result lost). Telling a live worker
// from a dead one there needs a stalled check of our own in place of
// BullMQ's (a liveness key per worker, the jobs it holds): proposed in
// /tmp/restart-stall-fix.diff (helper-51, session 3), not taken yet.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { createWorker } from '../bindings/index.js';
import { startRedis } from './redis-server.js';
import { TASKS, queueName, until, sleep, killBins, startBin } from './remote-helpers.js';

jest.setTimeout(60000);

const servers = [];
const handles = [];
const proxies = [];
afterAll(async () => {
  await Promise.all(handles.map((h) => h.stop({ force: true }).catch(() => {})));
  await killBins();
  for (const p of proxies) p.close();
  await Promise.all(servers.map((s) => s.stop()));
});

const dir = mkdtempSync(join(tmpdir(), 'cy-rstall-'));
let logN = 0;
const logFile = () => join(dir, `log${++logN}`);
const lines = (f) => (existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean) : []);

async function setup(concurrency, via) {
  const redis = await startRedis();
  servers.push(redis);
  const q = queueName('rstall');
  let target = redis;
  if (via === 'proxy') {
    target = await replyDropper(redis);
    proxies.push(target);
  }
  const bin = await startBin(target, q, { concurrency });
  // The handle talks to Redis directly; connectTimeout longer than the outages here.
  const h = await createWorker(TASKS, { mode: 'remote', redis: redis.url, queue: q, connectTimeout: 30000 });
  handles.push(h);
  return { redis, q, bin, h, proxy: via === 'proxy' ? target : null };
}

/**
 * A TCP proxy to `redis` that can, once, let one command through and drop
 * everything Redis answers on that connection until Redis has answered, then
 * cut the link: as when redis-server stops right after running a command,
 * before its reply went out (seen with SIGTERM: the last command is in the
 * append-only file, its reply never arrives).
 */
async function replyDropper(redis) {
  const links = new Set();
  let armed = null;
  const srv = createServer((c) => {
    const s = connect({ host: redis.host, port: redis.port });
    const link = { c, s, muted: null };
    links.add(link);
    const end = () => { c.destroy(); s.destroy(); links.delete(link); };
    c.on('data', (d) => {
      s.write(d);
      if (armed !== null && d.includes(armed.marker)) {
        link.muted = armed;
        armed = null;
      }
    });
    s.on('data', (d) => {
      if (link.muted === null) { c.write(d); return; }
      const done = link.muted.done;
      end(); // Redis has run it; the client never hears
      done();
    });
    c.on('error', end);
    s.on('error', end);
    c.on('close', end);
    s.on('close', end);
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = /** @type {import('node:net').AddressInfo} */ (srv.address());
  return {
    url: `redis://127.0.0.1:${port}`,
    /** The next command containing `marker` runs on Redis; its reply is lost and the link cut. Resolves then. */
    dropReplyOf(marker) { return new Promise((done) => { armed = { marker, done }; }); },
    close() { for (const l of links) { l.c.destroy(); l.s.destroy(); } srv.close(); },
  };
}

const settle = (f) => f.result({ timeout: 40000 }).then((v) => ['ok', v], (e) => [e.name, e.message]);

describe('a job whose lock is lost while its worker lives settles with its result', () => {
  test('the reply of a moveToFinished that also took the next job is lost (Redis stopped before answering): the next job runs, once', async () => {
    const { h, bin, proxy } = await setup(1, 'proxy');
    expect(await h.add(1, 2)).toBe(3); // BullMQ's scripts are loaded: the next moveToFinished is one EVALSHA
    const log = logFile();
    const cut = proxy.dropReplyOf('returnvalue'); // moveToFinished's ARGV[3] for a completion
    const a = h.marked(log, 300, 'a');
    const b = h.marked(log, 300, 'b'); // waits: concurrency 1; a's moveToFinished takes it
    await cut;
    const res = [await settle(a), await settle(b)];
    // Today: b is stalled 4-8 s later and fails without ever having started:
    // [ 'WorkerCrashedError', "The call 'marked' was running on a concurry-worker that stopped (it died or lost Redis) 1 time; retries is 0" ]
    expect(res).toEqual([['ok', 'a'], ['ok', 'b']]);
    expect(lines(log)).toEqual(['start a', 'end a', 'start b', 'end b']);
    expect(bin.child.exitCode).toBe(null); // no worker died
  });

  test.failing('Redis away for longer than the lock (restarted 5 s later) while the job runs: it settles with its result, run once', async () => {
    const { redis, h, bin } = await setup(2);
    const log = logFile();
    const f = h.marked(log, 9000, 'x');
    await until(() => lines(log).includes('start x'), 'the job to start');
    await redis.kill();
    await sleep(5000); // > LOCK_DURATION_MS (4000): the lock's absolute expiry passes while Redis is away
    await redis.start(); // append-only file: the job is back, active, its lock gone
    // Today: [ 'WorkerCrashedError', "... stopped (it died or lost Redis) 1 time; retries is 0" ] ~2 s after Redis is back, the run still going.
    expect(await settle(f)).toEqual(['ok', 'x']);
    expect(lines(log)).toEqual(['start x', 'end x']);
    expect(bin.child.exitCode).toBe(null);
  });

  test.failing('the worker frozen (its event loop blocked) for longer than the lock while the job runs: it settles with its result, run once', async () => {
    const { h, bin } = await setup(2);
    const log = logFile();
    const f = h.marked(log, 9000, 'x');
    await until(() => lines(log).includes('start x'), 'the job to start');
    process.kill(bin.pid, 'SIGSTOP');
    try {
      await sleep(5000); // > LOCK_DURATION_MS: nothing renews the lock
    } finally {
      process.kill(bin.pid, 'SIGCONT');
    }
    // Today: [ 'WorkerCrashedError', ... ] ~2 s after the worker resumed: its own stalled check moved the job.
    expect(await settle(f)).toEqual(['ok', 'x']);
    expect(lines(log)).toEqual(['start x', 'end x']);
    expect(bin.child.exitCode).toBe(null);
  });
  test.failing('a job that finishes while Redis is away for longer than the lock (its completion cannot be written then): it settles with its result, run once', async () => {
    const { redis, h } = await setup(2);
    const log = logFile();
    const f = h.marked(log, 1500, 'x');
    await until(() => lines(log).includes('start x'), 'the job to start');
    await redis.kill();
    await until(() => lines(log).includes('end x'), 'the job to end while Redis is away');
    await sleep(5000); // the lock's expiry passes: BullMQ's moveToFinished, sent when Redis is back, finds no lock
    await redis.start();
    // Today: [ 'WorkerCrashedError', ... ]: the job, left active without a lock, is stalled and its re-run fails.
    expect(await settle(f)).toEqual(['ok', 'x']);
    expect(lines(log)).toEqual(['start x', 'end x']);
  });

  test.failing('one worker frozen for longer than the lock while another serves the queue: the other leaves its job alone; it settles with its result, run once', async () => {
    const { redis, q, h, bin } = await setup(1);
    const log = logFile();
    const f = h.marked(log, 9000, 'x');
    await until(() => lines(log).includes('start x'), 'the job to start');
    const other = await startBin(redis, q, { concurrency: 2 }); // idle: takes the job if it is stalled
    process.kill(bin.pid, 'SIGSTOP');
    try {
      await sleep(6000); // > LOCK_DURATION_MS + STALLED_INTERVAL_MS: the other worker's checks see the job without a lock
    } finally {
      process.kill(bin.pid, 'SIGCONT');
    }
    // Today: [ 'WorkerCrashedError', ... ]: the other worker stalled the job and its re-run failed it, the frozen worker still running it.
    expect(await settle(f)).toEqual(['ok', 'x']);
    expect(lines(log)).toEqual(['start x', 'end x']);
    expect(other.child.exitCode).toBe(null);
  });
});
