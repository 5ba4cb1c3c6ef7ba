// Helpers for the concurry-worker tests: the bin run as a separate process, as
// a user on another machine runs it, and jobs enqueued with a plain BullMQ
// Queue per the wire contract (bindings/modes/remote-wire.js), so these tests
// check the worker side on its own.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { existsSync, readFileSync } from 'node:fs';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { beforeEach, afterEach, expect } from '@jest/globals';
import {
  jobData, decodeOutcome, decodeProgress, encodeCancel, cancelChannel, cancelKey, CANCEL_KEY_TTL_MS,
} from '../bindings/modes/remote-wire.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BIN = fileURLToPath(new URL('../bin/concurry-worker.js', import.meta.url));
export const TASKS = fileURLToPath(new URL('./fixtures/workers/remote-tasks.mjs', import.meta.url));

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Everything started by a test, ended by cleanup(). */
const live = new Set();

/**
 * Runs `node bin/concurry-worker.js ...args` (prefixed by `wrap`, e.g.
 * ['ip', 'netns', 'exec', NS]) and collects its output.
 * @returns {{ child: import('node:child_process').ChildProcess, out: () => string, err: () => string,
 *   exited: Promise<{ code: number|null, signal: string|null, ms: number }> }}
 */
export function runBin(args, { wrap = [], env } = {}) {
  const argv = [...wrap, process.execPath, BIN, ...args];
  const t0 = Date.now();
  const child = spawn(argv[0], argv.slice(1), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: env || process.env });
  let out = '';
  let err = '';
  /** When its 'starting' line came (start-up of node and the imports is over), or null. */
  let startingAt = null;
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => {
    err += d;
    if (startingAt === null && err.includes('concurry-worker: starting')) startingAt = Date.now();
  });
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      live.delete(child);
      const now = Date.now();
      resolve({ code, signal, ms: now - t0, sinceStarting: startingAt === null ? null : now - startingAt });
    });
  });
  live.add(child);
  return { child, out: () => out, err: () => err, exited };
}

/**
 * Starts a worker command and waits for its ready line.
 * @param {{ url: string }} redis
 * @param {string} queue
 * @param {{ concurrency?: number, extra?: string[], wrap?: string[], readyMs?: number, module?: string }} [o]
 *   `module`: the module of task functions (default TASKS)
 */
export async function startWorker(redis, queue, o = {}) {
  // Process sandboxes unless `extra` says otherwise: these tests are about a job in a child process of
  // its own (its pid, a kill of it, its parent).
  const extra = o.extra || [];
  const sandbox = extra.some((a) => a.startsWith('--sandbox')) ? [] : ['--sandbox', 'process'];
  const args = ['--redis', redis.url, '--queue', queue, '--module', o.module ?? TASKS, '--concurrency', String(o.concurrency ?? 2), ...sandbox, ...extra];
  const w = runBin(args, { wrap: o.wrap });
  const readyMs = o.readyMs ?? 20000;
  const end = Date.now() + readyMs;
  let exit = null;
  w.exited.then((x) => { exit = x; });
  while (!/concurry-worker: ready \S+ pid=\d+/.test(w.out())) {
    if (exit) throw new Error(`concurry-worker exited (${JSON.stringify(exit)}) before ready:\n${w.err()}`);
    if (Date.now() > end) throw new Error(`concurry-worker not ready within ${readyMs} ms:\n${w.out()}\n${w.err()}`);
    await sleep(20);
  }
  const pid = Number(/pid=(\d+)/.exec(w.out())[1]);
  return { ...w, pid };
}

/** A BullMQ producer side on `redis`: add calls, read outcomes, publish cancels. */
export async function producer(redis, queue) {
  const connection = { host: redis.host, port: redis.port, maxRetriesPerRequest: null, retryStrategy: (n) => Math.min(100 * n, 500) };
  const q = new Queue(queue, { connection });
  const events = new QueueEvents(queue, { connection });
  /** jobId -> ['progress', value] | ['completed'] in the order the events came. */
  const seen = new Map();
  events.on('progress', ({ jobId, data }) => {
    const p = decodeProgress(data);
    if (!seen.has(jobId)) seen.set(jobId, []);
    seen.get(jobId).push(['progress', p.value]);
  });
  events.on('completed', ({ jobId }) => {
    if (!seen.has(jobId)) seen.set(jobId, []);
    seen.get(jobId).push(['completed']);
  });
  events.on('error', () => {});
  q.on('error', () => {});
  await events.waitUntilReady();
  const pub = new Redis(connection);
  pub.on('error', () => {});
  const api = {
    q,
    events,
    seen,
    /** Adds one call; returns its job id. */
    async add(method, args, o = {}) {
      const { jobId, ...rest } = o;
      const job = await q.add(method, jobData({ method, args, ...rest }),
        { attempts: 1, removeOnComplete: { age: 3600, count: 100000 }, removeOnFail: { age: 3600, count: 100000 }, ...(jobId ? { jobId } : {}) });
      return job.id;
    },
    /**
     * The outcome of job `id` once finished (polled, so a missed event cannot
     * make it hang): { ok, value } / { ok: false, error } for a concurry
     * outcome, { failed: reason } for BullMQ's failed path.
     */
    async outcome(id, ms = 20000) {
      const end = Date.now() + ms;
      for (;;) {
        let job = null;
        try { job = await q.getJob(id); } catch { /* Redis away for a moment: poll again */ }
        if (job && job.finishedOn) {
          if (job.failedReason && job.returnvalue == null) return { failed: job.failedReason };
          return decodeOutcome(job.returnvalue);
        }
        if (Date.now() > end) {
          let state = '?';
          try { state = await q.getJobState(id); } catch { /* unknown */ }
          throw new Error(`job ${id} not finished within ${ms} ms (state ${state})`);
        }
        await sleep(25);
      }
    },
    /** Resolves once job `id` is active (a worker took it). */
    async active(id, ms = 10000) {
      const end = Date.now() + ms;
      while (await q.getJobState(id) !== 'active') {
        if (Date.now() > end) throw new Error(`job ${id} not active within ${ms} ms`);
        await sleep(10);
      }
    },
    /**
     * Cancels an active job as the client does: the cancel key, then the
     * message, in one round trip. Resolves to how many subscribers got it.
     */
    async cancel(id, reason = 'cancel') {
      const r = await pub.multi()
        .set(cancelKey(queue, id), reason, 'PX', CANCEL_KEY_TTL_MS)
        .publish(cancelChannel(queue), encodeCancel(id, reason))
        .exec();
      return r[1][1];
    },
    pub,
    async close() {
      await Promise.allSettled([q.close(), events.close()]);
      pub.disconnect();
    },
  };
  return api;
}

/** Lines of a log file a task appends to ('' when it does not exist yet). */
export function logLines(file) {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

/** Waits until `pred()` is true (polled), or throws naming `what`. */
export async function until(pred, what, ms = 10000) {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** True while process `pid` exists. */
export function alive(pid) {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/** Kills (SIGKILL) every worker command a test started and still runs, and waits for them. */
export async function cleanup() {
  const ps = [];
  for (const c of live) {
    ps.push(new Promise((r) => { if (c.exitCode !== null || c.signalCode !== null) r(); else { c.once('exit', r); c.kill('SIGKILL'); } }));
  }
  await Promise.all(ps);
}

/**
 * In the enclosing describe: a fresh queue and a producer on it before each
 * test (closed after it), handed to `set(p, q)` (the describe's own `p` and
 * `q`). `redis()` gives the test's Redis (started in a beforeAll).
 * @param {() => { url: string }} redis @param {() => string} queueName
 * @param {(p: any, q: string) => void} set
 */
export function producerEachTest(redis, queueName, set) {
  let p = null;
  beforeEach(async () => {
    const q = queueName();
    p = await producer(redis(), q);
    set(p, q);
  });
  afterEach(async () => { if (p !== null) await p.close(); p = null; });
}

/**
 * Runs the task 'count' (n progress steps) through producer `p` and checks
 * its result, and that its n progress events reached Redis in order, before
 * the completion.
 */
export async function expectProgressInOrder(p, n) {
  const id = await p.add('count', [n]);
  expect(await p.outcome(id)).toEqual({ ok: true, value: n });
  await until(() => (p.seen.get(id) || []).some((e) => e[0] === 'completed'), 'the completed event');
  expect(p.seen.get(id)).toEqual([...Array.from({ length: n }, (_, i) => ['progress', { step: i + 1, of: n }]), ['completed']]);
}
