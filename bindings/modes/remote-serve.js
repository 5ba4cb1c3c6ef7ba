/**
 * The serving side of remote mode (what bin/concurry-worker.js runs): a
 * BullMQ Worker on one queue whose processor runs each job in a sandbox: a
 * worker thread of our own thread-mode pool (default), or a child process of
 * a process-mode pool (`sandbox: 'process'`), so a job gets the same task API
 * (`currentTask().signal`, `progress()`, `attempt`), crash detection
 * (WorkerCrashedError), retries, timeouts and cancel grace as a pool
 * call (/tmp/remote-protocol.md; DESIGN.md, "Workers", remote mode).
 *
 * A job is one call (version 1) or a batch of calls made in the same tick
 * (remote-wire.js, "Batch jobs"); every call, of either, runs through one
 * feeder of this worker's slots, and a batch's starts, outcomes and progress
 * are recorded as they happen (remote-report.js).
 *
 * Invariants:
 * - Every job this worker takes ends in exactly one of: completed with a
 *   concurry outcome ({ ok } / { err }, also for cancel, timeout, crashes and
 *   malformed job data; a batch: { outs }, one per call), or handed back to
 *   wait (shutdown). BullMQ's failed path is left to what BullMQ itself
 *   decides (a lost lock, say).
 * - Progress reaches Redis in order and before the call's outcome (a single
 *   job: the processor awaits the chain of updateProgress calls before
 *   returning; a batch: progress and outcome records go out in order on one
 *   connection).
 * - A cancel for a job that is active here but not yet registered by the
 *   processor (the message raced the hand-off) is remembered for a while and
 *   applied when the processor starts it; one published while the subscriber
 *   was disconnected is read from its cancel key once subscribed again, and a
 *   job re-run after its worker stopped checks its cancel key before running.
 * - Host deaths count against a call's `retries`: the starts recorded for
 *   the call in its job's hash (remote-report.js), for a single job too; a
 *   batch's call that finished keeps its recorded outcome and never runs
 *   again.
 * @module concurry-wasm/modes/remote-serve
 */
import { hostname } from 'node:os';
import { Worker, WaitingError } from 'bullmq';
import { Redis } from 'ioredis';
import { createBackend as processPool } from './process.js';
import { createBackend as threadPool } from './thread.js';
import { normalizeWorkerOptions } from './worker-options.js';
import { CancelledError, TimeoutError, WorkerCrashedError } from '../errors.js';
import {
  cancelChannel, cancelKey, parseJobs, encodeOk, encodeErr, encodeProgress, encodeBatchResult, parseCancel, BATCH_VERSION,
} from './remote-wire.js';
import { CallReporter } from './remote-report.js';

/** BullMQ lock of a running job (ms): a dead host's jobs are stalled after this. */
export const LOCK_DURATION_MS = 4000;
/** How often the stalled check runs (ms): a dead host's job is back in wait within ~LOCK + 2 x this. */
export const STALLED_INTERVAL_MS = 2000;
/** Stalls BullMQ itself tolerates; the job's own `retries` decides first (see the processor). */
const MAX_STALLED_COUNT = 1000;
/** How long a cancel for a job not (yet) running here is remembered (ms). */
const EARLY_CANCEL_TTL_MS = 60000;
const EARLY_CANCEL_MAX = 10000;
/**
 * For this long after hearing a cancel (ms), a job's cancel key is read
 * before it runs: a client cancelling many jobs sets all their keys first
 * (one script per chunk), then removes the jobs, which for tens of thousands
 * takes seconds; this worker may take one of them before it has read that
 * job's message, or after forgetting it (EARLY_CANCEL_MAX). One GET per job,
 * only while cancels are flowing. As long as a cancel is remembered: 2 s let
 * 13-74 of 20000 cancelled jobs start 3-7 s after their cancel.
 */
const CANCELS_FLOWING_MS = EARLY_CANCEL_TTL_MS;
/** This worker, as named in the outcome of a job it drops: host and pid. */
const WORKER_NAME = `${hostname()} pid=${process.pid}`;
/** How long a caller seen alive (its liveness key, job.data.caller) is not asked again (ms). */
const CALLER_CHECK_MS = 1000;

/**
 * ioredis options for a redis:// or rediss:// URL (username, password, db,
 * TLS) with a reconnect strategy that keeps retrying about once a second, so
 * a restarted Redis or a link that comes back is picked up within seconds.
 * @param {string} url
 * @returns {import('ioredis').RedisOptions}
 */
export function redisOptions(url) {
  const u = new URL(url);
  /** @type {import('ioredis').RedisOptions} */
  const o = {
    host: u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    retryStrategy: (times) => Math.min(100 * times, 1000),
  };
  if (u.username) o.username = decodeURIComponent(u.username);
  if (u.password) o.password = decodeURIComponent(u.password);
  const db = u.pathname.replace(/^\//, '');
  if (db) o.db = Number(db);
  if (u.protocol === 'rediss:') o.tls = {};
  return o;
}

/**
 * The URL without its password, for messages.
 * @param {string} url
 * @returns {string}
 */
export function redactURL(url) {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.href.replace(/\/$/, '');
  } catch {
    return url;
  }
}

/**
 * Resolves once Redis at `url` answers PING, or rejects within `timeoutMs`
 * with an error naming the URL.
 * @param {string} url
 * @param {number} timeoutMs
 * @returns {Promise<void>}
 */
export async function probeRedis(url, timeoutMs) {
  const c = new Redis({
    ...redisOptions(url), lazyConnect: true, retryStrategy: () => null,
    maxRetriesPerRequest: 0, connectTimeout: timeoutMs, enableOfflineQueue: false,
    // Its stream is already gone or useless: do not hold the process for ioredis's default 2 s.
    disconnectTimeout: 100,
  });
  let last = null;
  c.on('error', (e) => { last = e; });
  let timer = null;
  try {
    await Promise.race([
      (async () => { await c.connect(); await c.ping(); })(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (e) {
    const why = (last && last.message) || (e && /** @type {any} */ (e).message) || String(e);
    throw new Error(`cannot reach Redis at ${redactURL(url)}: ${why}`, { cause: e });
  } finally {
    clearTimeout(timer);
    c.disconnect();
  }
}

/**
 * Calls handed to the sandbox pool per slot (see the feeder in serveQueue):
 * the next calls wait at a sandbox while one runs, so its channel carries
 * several calls per message, and their start records are on Redis before
 * they are needed. Measured (bench/remote.mjs, 2000 calls, concurrency 2,
 * process sandbox, a loaded machine): server CPU per call 295 us with 1,
 * 265 us with 2, 235 us with 4, 205 us with 8 (before start records were
 * awaited); awaiting them with 1 per slot halved the rate.
 */
const FEED = 4;

/** runCall's result for a call stopped to be handed back to the queue. */
const HANDBACK = Symbol('handback');

/** One call this worker runs (a job's only call, or one of a batch job's). */
class Running {
  /**
   * @param {import('bullmq').Job} job
   * @param {ReturnType<typeof parseJobs>['calls'][number]} c the call
   * @param {number} i its index in the job @param {number} starts runs started before this one
   * @param {number} grace cancel grace (ms) @param {CallReporter} rep its job's records (start; a batch's outcomes and progress too)
   */
  constructor(job, c, i, starts, grace, rep) {
    this.job = job;
    this.c = c;
    this.i = i;
    this.starts = starts;
    this.grace = grace;
    this.rep = rep;
    /** Taken from the feeder (to run, or settled stopped). */
    this.fed = false;
    /**
     * Once it was handed over (its start recorded): resolves with whether
     * Redis took that record. Null for a call settled without a start.
     */
    this.ack = null;
    /** The feeder's skip(), once queued: a stopped call leaves the feeder at once. */
    this.skip = null;
    /** The sandbox call's future once made (cancelled to stop the call: no AbortController per call). */
    this.future = null;
    /** 'cancel' | 'timeout' | 'handback' once stopped from outside. */
    this.reason = null;
    /** Resolves with runCall's result. */
    this.done = new Promise((res) => { this.settle = res; });
  }

  stop(reason) {
    if (this.reason !== null) return;
    this.reason = reason;
    // The pool stops the running call as for an aborted signal: the task's
    // signal fires, its sandbox is ended after the grace; runCall maps the
    // outcome by `reason`.
    if (this.future !== null) this.future.cancel();
    else if (this.skip !== null) this.skip(this);
  }
}

/** How jobs may be run: the sandboxes a worker command can use. */
export const SANDBOXES = Object.freeze(['process', 'thread']);

/**
 * Serves `queue` on Redis `url` with the functions of `modulePath`.
 * `sandbox`: 'thread' (default; a worker_threads pool of thread mode: no
 * process hop per call; cancel grace ends with terminate() of that thread, a
 * call that exits or runs out of heap ends only its thread, but one that
 * kills the whole process takes the worker command with it, and its jobs
 * come back as stalled, per `retries`) or 'process' (each running call in a
 * child process of a process-mode pool: ~30% more CPU per tiny call (server 335-345 vs 255 us),
 * BENCHMARKS.md "Remote mode").
 * @param {{ redis: string, queue: string, module: string, concurrency: number,
 *   sandbox?: 'process'|'thread', log?: (line: string) => void }} o
 * @returns {Promise<{ close(): Promise<void>, handBack(): number, running(): number }>}
 *   close(): stop taking jobs, let running ones finish (or be handed back),
 *   end the sandboxes and connections. handBack(): stop the running jobs now
 *   and return them to the queue; returns how many.
 */
export async function serveQueue(o) {
  const log = o.log || ((line) => process.stderr.write(`${line}\n`));
  const sandbox = o.sandbox ?? 'thread';
  if (!SANDBOXES.includes(sandbox)) throw new RangeError(`serveQueue: sandbox must be one of ${SANDBOXES.join(', ')}; got ${JSON.stringify(sandbox)}`);
  const createPool = sandbox === 'thread' ? threadPool : processPool;
  const connection = { ...redisOptions(o.redis), maxRetriesPerRequest: null };

  /* Sandbox pools, one per cancel grace (the pool's grace is per pool; callers
   * almost always use one value, so there is almost always one pool). */
  /** @type {Map<number, Promise<any>>} */
  const pools = new Map();
  const poolFor = (grace) => {
    let p = pools.get(grace);
    if (!p) {
      // The pool itself (not a createWorker handle): its call() takes the
      // number of a job's first run here, so currentTask().attempt goes on after a host died.
      p = (async () => createPool(o.module,
        normalizeWorkerOptions({ mode: sandbox, maxWorkers: o.concurrency, cancelGraceMs: grace }, o.concurrency)))();
      pools.set(grace, p);
      p.catch(() => pools.delete(grace));
    }
    return p;
  };
  // The module must load before we take jobs: a bad module fails here, not per job.
  await poolFor(1000);

  /** @type {Map<string, Running>} */
  const active = new Map();
  /** Cancels for jobs not running here (yet): id -> [reason, at]. */
  const early = new Map();
  const remember = (id, reason) => {
    // Bounded. Expired entries go first (a Map iterates in insertion order, so
    // the oldest are at the front). If it is still full the new one is not
    // kept: a client tells a batch's cancels oldest job first, and the oldest
    // are the jobs workers take next, so those are the ones worth keeping
    // (the rest are found by their cancel key, CANCELS_FLOWING_MS).
    const old = Date.now() - EARLY_CANCEL_TTL_MS;
    for (const [k, e] of early) {
      if (early.size < EARLY_CANCEL_MAX && e[1] >= old) break;
      if (e[1] >= old) return;
      early.delete(k);
    }
    early.set(id, [reason, Date.now()]);
  };
  const takeEarly = (id) => {
    const e = early.get(id);
    if (!e) return null;
    early.delete(id);
    return Date.now() - e[1] < EARLY_CANCEL_TTL_MS ? e[0] : null;
  };

  const channel = cancelChannel(o.queue);
  const sub = new Redis(connection);
  // For reading cancel keys after a reconnect (a subscribed connection runs no MGET).
  const cmd = new Redis(connection);
  sub.on('error', () => { /* reconnects by itself; the worker's own errors are logged */ });
  cmd.on('error', () => { /* likewise */ });
  let heardCancelAt = -Infinity;
  sub.on('message', (_ch, msg) => {
    const m = parseCancel(msg);
    if (m === null) return;
    heardCancelAt = Date.now();
    const r = active.get(m.id);
    if (r) r.stop(m.reason);
    else remember(m.id, m.reason);
  });
  await sub.subscribe(channel);
  // Messages published while the subscriber was away are lost; the client sets
  // a key before each publish, so once subscribed again (confirmed), the keys of
  // the jobs running here say what was missed.
  let subscribed = true;
  sub.on('close', () => { subscribed = false; });
  sub.on('ready', () => {
    if (subscribed) return;
    subscribed = true;
    (async () => {
      await sub.subscribe(channel);
      const ids = [...active.keys()];
      if (ids.length === 0) return;
      const reasons = await cmd.mget(ids.map((id) => cancelKey(o.queue, id)));
      for (let i = 0; i < ids.length; i++) {
        const reason = reasons[i];
        if (reason !== 'cancel' && reason !== 'timeout') continue;
        const r = active.get(ids[i]);
        if (r) r.stop(reason);
      }
    })().catch(() => { /* Redis went away again: the next 'ready' retries */ });
  });

  /*
   * The calls of every job taken run through one feeder of FEED x
   * `concurrency` slots: a call is handed to the sandbox pool only when a
   * slot is free, and a batch's call only once Redis has its start record
   * (remote-report.js; the records of the calls fed together go in one
   * command, and they are written while the calls before them run). So a
   * job taken again after this worker stopped charges the stop to the calls
   * that had been handed over and have no outcome: those that ran, and the
   * few waiting at a sandbox to run next (at most FEED - 1 per slot, as
   * BullMQ counts a job fetched by a worker that dies as stalled whether or
   * not its processor had started it). Never fewer than ran: `retries: 0`
   * means a call never runs twice; a call never handed over runs as a first
   * run. A call stopped before it is fed leaves the feeder at once, without
   * a slot.
   */
  /** @type {Running[]} */
  let feedQ = [];
  /** close() was called: calls not fed yet are handed back, not started. */
  let draining = false;
  let feedHead = 0;
  let feeding = 0;
  /** Settles r with runCall's result `p`; `slot`: it held a slot, now free. */
  const finish = (r, p, slot) => {
    p.then((out) => {
      // Recorded before the next start, so both go out in one flush.
      if (out !== HANDBACK && r.rep.batch) r.rep.outcome(r.i, out);
      if (slot) { feeding--; pump(); }
      r.settle(out);
    });
  };
  /** A call stopped while it waits in the feeder: settled now (it never needs a slot). */
  const skip = (r) => {
    if (r.fed) return;
    r.fed = true;
    finish(r, runCall(r), false);
  };
  /** Queues a job's calls, in order. */
  const enqueue = (rs) => {
    for (const r of rs) { r.skip = skip; feedQ.push(r); }
    pump();
  };
  function pump() {
    /** @type {Running[]} */
    const go = [];
    while (feeding < o.concurrency * FEED && feedHead < feedQ.length) {
      const r = feedQ[feedHead++];
      if (r.fed) continue;
      // Stopping: a call not started yet goes back with its job (another worker runs it).
      if (draining) r.stop('handback');
      if (r.reason !== null) { skip(r); continue; }
      r.fed = true;
      feeding++;
      r.ack = r.rep.started(r.i, r.starts + 1);
      go.push(r);
    }
    if (feedHead > 64 && feedHead * 2 > feedQ.length) { feedQ = feedQ.slice(feedHead); feedHead = 0; }
    for (const r of go) finish(r, runCall(r), true);
  }

  /** Jobs taken whose calls are not registered yet (read, checked): id -> whether handBack() asked for them. */
  const taking = new Map();
  const processor = async (job, token) => {
    const jobId = String(job.id);
    taking.set(jobId, false);
    try {
      return await runJob(job, token, jobId);
    } finally {
      taking.delete(jobId);
    }
  };

  async function runJob(job, token, jobId) {
    let spec;
    try {
      spec = parseJobs(job.data, jobId);
    } catch (e) {
      return encodeErr(e);
    }
    const { batch, calls } = spec;
    const rep = new CallReporter(cmd, o.queue, jobId, 'bull', batch, token);
    /** Outcomes, per call; runs started before this one, per call. */
    const outs = new Array(calls.length).fill(null);
    const starts = new Array(calls.length).fill(0);
    if ((job.stalledCounter || 0) > 0 || (job.attemptsStarted || 0) > 1) {
      // What earlier runs of this job recorded (it is taken again after its
      // worker stopped): their outcomes stand, their starts count. Not
      // BullMQ's stalledCounter: a job can be stalled without having run (a
      // worker whose fetch's reply was lost in a Redis restart: ioredis sends
      // it again, and the job the first one took sits unlocked in active).
      const prior = await rep.read(calls.length);
      for (const [i, s] of prior.starts) if (i < calls.length) starts[i] = s;
      for (const [i, v] of prior.outs) {
        if (i >= calls.length) continue;
        try { outs[i] = JSON.parse(v); } catch { /* unreadable: run it again */ }
      }
    }
    const dropped = await droppedError(job, calls);
    /** @type {Running[]} */
    const runs = [];
    for (let i = 0; i < calls.length; i++) {
      if (outs[i] !== null) continue;
      const c = calls[i];
      if (c.error !== null) outs[i] = encodeErr(c.error);
      else if (dropped !== null) outs[i] = encodeErr(dropped(c));
      else if (starts[i] > c.retries) {
        outs[i] = encodeErr(new WorkerCrashedError(
          `The call '${c.method}' was running (or handed over to run next) on a concurry-worker that stopped (it died or lost Redis) ` +
          `${starts[i]} time${starts[i] === 1 ? '' : 's'}; retries is ${c.retries}`,
          { method: c.method, attempts: starts[i], exitCode: null, signal: null }));
      } else {
        runs.push(new Running(job, c, i, starts[i], spec.cancelGraceMs, rep));
        continue;
      }
      // Decided without running it: the caller is told now, not when the batch ends.
      if (batch) rep.outcome(i, outs[i]);
    }
    for (const r of runs) active.set(r.c.id, r);
    // handBack() while this job was being read: its calls go back with it.
    if (taking.get(jobId) === true) for (const r of runs) r.stop('handback');
    try {
      // Cancels that came before this worker listened, or are flowing
      // (CANCELS_FLOWING_MS); a batch's always (one MGET per batch): a call
      // cancelled while its batch waited stays in the job (the job is
      // removed only once all its calls are), and this worker may have
      // started after that cancel was published.
      const unsure = [];
      for (const r of runs) {
        const pre = takeEarly(r.c.id);
        if (pre !== null) r.stop(pre);
        else if (batch || r.starts > 0 || Date.now() - heardCancelAt < CANCELS_FLOWING_MS) unsure.push(r);
      }
      if (unsure.length > 0) {
        try {
          const ks = await cmd.mget(unsure.map((r) => cancelKey(o.queue, r.c.id)));
          for (let k = 0; k < unsure.length; k++) if (ks[k] === 'cancel' || ks[k] === 'timeout') unsure[k].stop(ks[k]);
        } catch { /* Redis away: run them; a cancel still reaches them by message */ }
      }
      enqueue(runs);
      // Each outcome was recorded as it came (the feeder; the caller settled that call then).
      const got = await Promise.all(runs.map((r) => r.done));
      for (let k = 0; k < runs.length; k++) if (got[k] !== HANDBACK) outs[runs[k].i] = got[k];
      let handBack = false;
      for (let k = 0; k < runs.length; k++) {
        if (got[k] !== HANDBACK) continue;
        handBack = true;
        if (runs[k].ack !== null) rep.unstarted(runs[k].i, runs[k].starts);
      }
      await rep.flush();
      if (handBack) {
        // A job that is gone (all its calls cancelled) or no longer ours (its
        // lock lost: a start was refused) has nothing to hand back.
        try { await job.moveToWait(token); } catch { /* see above */ }
        throw new WaitingError();
      }
      return batch ? encodeBatchResult(outs) : outs[0];
    } finally {
      for (const r of runs) if (active.get(r.c.id) === r) active.delete(r.c.id);
    }
  }

  /**
   * For a job whose caller is gone (its liveness key expired: the caller died
   * or ended without stop()), the error each of its calls gets: they run for
   * nobody, so they are dropped, never run. Not a CancelledError (nobody
   * cancelled them): a caller that was only unresponsive (its event loop
   * blocked longer than the key's lifetime) reads this outcome, and must
   * learn why its call failed and that it never ran (attempts 0: safe to call
   * again). Null when the caller is alive (or unknown).
   */
  async function droppedError(job, calls) {
    const caller = job.data && job.data.caller;
    if (typeof caller !== 'string' || calls.every((c) => c.error !== null) || await callerAlive(caller)) return null;
    const ttl = job.data.callerTtlMs;
    const gone = typeof ttl === 'number' && Number.isFinite(ttl) && ttl > 0 ? `more than ${+(ttl / 1000).toFixed(1)} s` : 'too long';
    return (c) => Object.assign(new WorkerCrashedError(
      `The call '${c.method}' was dropped, not run, by concurry-worker ${WORKER_NAME}: its caller was unresponsive for ${gone} ` +
      `(its liveness key ${caller} expired: the caller ended without stop(), crashed, or its event loop was blocked)`,
      { method: c.method, attempts: 0, exitCode: null, signal: null }), { code: 'ERR_CALLER_UNRESPONSIVE' });
  }

  /**
   * Runs one call in a sandbox: its outcome ({ ok } / { err }), or HANDBACK
   * when it was stopped to be handed back to the queue.
   * @param {Running} r
   */
  async function runCall(r) {
    const { c, job } = r;
    if (r.reason === null && r.ack !== null) {
      // A call starts only once Redis has its start record (see the feeder).
      if (!(await r.ack)) r.stop('handback');
    }
    if (r.reason === 'handback') return HANDBACK;
    if (r.reason === 'cancel') return encodeErr(new CancelledError(`The call '${c.method}' was cancelled before it started`));
    if (r.reason === 'timeout') return encodeErr(timeoutError(c));
    let timeout;
    if (c.timeoutMs !== null) {
      // From the call, queue time included (job.timestamp is the caller's clock).
      const left = c.timeoutMs - Math.max(0, Date.now() - job.timestamp);
      if (left <= 0) return encodeErr(timeoutError(c));
      timeout = left;
    }
    // A batch's progress goes with its records (in order, before the outcome);
    // a single job's through BullMQ's own progress, awaited before it finishes.
    let chain = Promise.resolve();
    const onProgress = (v) => {
      let p;
      try { p = encodeProgress(v); } catch { return; }
      if (r.rep.batch) r.rep.progress(r.i, p);
      else chain = chain.then(() => job.updateProgress(p)).catch(() => { /* the job's lock or Redis is gone: nothing to tell */ });
    };
    let outcome;
    try {
      const w = await poolFor(r.grace);
      // Runs on a host that died count: attempt numbers go on from them, and
      // retries (counted from the first run) holds across hosts.
      r.future = w.call(c.method, c.args, {
        signal: null, timeout: timeout ?? -1, transfer: [], onProgress, retries: c.retries, attempt: r.starts + 1,
      });
      if (r.reason !== null) r.future.cancel(); // stopped while the pool was awaited
      const value = await r.future;
      outcome = encodeOk(value, c.method);
    } catch (e) {
      let err = e;
      if (r.reason === 'handback') {
        await chain;
        return HANDBACK;
      }
      if (r.reason === 'timeout' && err instanceof CancelledError) err = timeoutError(c);
      // The sandbox's own timer (the time left of the call's timeout, 'process
      // worker'): the caller is told its own timeout, in remote mode's words.
      else if (err instanceof TimeoutError && timeout !== undefined && err.timeout === timeout) err = timeoutError(c);
      outcome = encodeErr(err);
    }
    await chain;
    return outcome;
  }

  /**
   * Whether a caller's liveness key exists: one EXISTS per caller per
   * CALLER_CHECK_MS at most (a live caller's key lasts far longer); a Redis
   * that does not answer counts as alive (the job runs, as before).
   */
  const aliveSeen = new Map();
  async function callerAlive(key) {
    const at = aliveSeen.get(key);
    if (at !== undefined && Date.now() - at < CALLER_CHECK_MS) return true;
    let n = 1;
    try { n = await cmd.exists(key); } catch { /* Redis away: run it */ }
    if (n === 0) return false;
    if (aliveSeen.size >= EARLY_CANCEL_MAX) aliveSeen.clear();
    aliveSeen.set(key, Date.now());
    return true;
  }

  function timeoutError(d) {
    return new TimeoutError(`The call '${d.method}' did not complete within ${d.timeoutMs} ms (remote worker)`, { timeout: d.timeoutMs });
  }

  const worker = new Worker(o.queue, processor, {
    connection,
    concurrency: o.concurrency,
    lockDuration: LOCK_DURATION_MS,
    stalledInterval: STALLED_INTERVAL_MS,
    maxStalledCount: MAX_STALLED_COUNT,
    autorun: false,
  });
  // BullMQ reports each failed reconnect; one line per distinct message per 5 s is enough.
  const lastSaid = new Map();
  worker.on('error', (e) => {
    const msg = (e && e.message) || String(e);
    const now = Date.now();
    if (now - (lastSaid.get(msg) || 0) < 5000) return;
    lastSaid.set(msg, now);
    log(`concurry-worker: ${msg}`);
  });
  // A finished batch job's records are no longer needed (its return value has every outcome).
  worker.on('completed', (job) => {
    if (job.data && job.data.v === BATCH_VERSION && Array.isArray(job.data.calls)) {
      new CallReporter(cmd, o.queue, String(job.id)).drop(job.data.calls.length).catch(() => {});
    }
  });
  worker.run().catch((e) => log(`concurry-worker: ${e && e.message}`));
  await worker.waitUntilReady();

  let closing = null;
  return {
    // Calls handed to a sandbox and not stopped (a batch's others wait in the feeder).
    running: () => {
      let n = 0;
      for (const r of active.values()) if (r.fed && r.reason === null) n++;
      return n;
    },
    handBack() {
      let n = 0;
      for (const id of taking.keys()) taking.set(id, true);
      for (const r of active.values()) { if (r.fed && r.reason === null) n++; r.stop('handback'); }
      return n;
    },
    close() {
      if (!draining) {
        draining = true;
        for (const r of active.values()) if (!r.fed) r.stop('handback');
      }
      closing ??= (async () => {
        await worker.close();
        const ps = await Promise.allSettled([...pools.values()]);
        await Promise.allSettled(ps.filter((p) => p.status === 'fulfilled').map((p) => p.value.stop({ force: true })));
        await Promise.allSettled([sub.quit().catch(() => sub.disconnect()), cmd.quit().catch(() => cmd.disconnect())]);
      })();
      return closing;
    },
  };
}
