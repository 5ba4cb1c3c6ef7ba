/**
 * Remote mode (the original's Ray mode): calls become BullMQ jobs on Redis,
 * run by `concurry-worker` processes on any machine (bin/concurry-worker.js;
 * the wire contract, encoded by remote-wire.js on both sides: job data { v,
 * method, args, retries, timeoutMs, cancelGraceMs, caller, callerTtlMs }
 * (caller: this handle's liveness key, see _alive; callerTtlMs its
 * lifetime, for the worker's message when it drops an orphan), outcome { ok } | { err }
 * as the job's return value, progress { cy }, cancel/timeout on the channel
 * `concurry:<queue>:cancel`).
 *
 * Per handle: one ioredis connection for commands (the Queue's adds, the
 * batch check, cancel publishes) and one BullMQ QueueEvents (on a duplicate
 * of it that BullMQ makes and owns, ready BEFORE the first job is added,
 * reading from the stream position taken at start), shared by every future:
 * no listener per job. Idle for IDLE_MS, the handle closes the subscription and unrefs the
 * command connection; the next call subscribes again from the position
 * reached, so no event in between is missed. Calls made in the same tick go out together, packed into
 * batch jobs (SPREAD, maxBatch; a batch's calls settle one by one from the
 * worker's `concurry` events, or all from the job's return value): one
 * addBulk per chunk of ADD_CHUNK jobs, our own job ids (so an event can
 * never arrive for an id we do not know yet). Outcomes of one events read reach the core in one
 * completeTasks call.
 *
 * No lost wake-ups: futures are probe-only in the core, so every wait over
 * them runs probe rounds paced by its polling strategy; a round asks for a
 * check here (coalesced over every future probed, at most one check in
 * flight, at most one per CHECK_FLOOR ms). The check is one EVALSHA
 * (remote-check.js) that first asks whether events this handle has not read
 * were deleted from the stream (trimming) and only then, or after a
 * reconnect, or every FULL_EVERY ms as a backstop, reads the jobs' states,
 * one round trip per chunk of 1000.
 *
 * Faults: Redis unreachable at start rejects createWorker within
 * connectTimeout, naming the URL; a Redis that stays away longer than
 * connectTimeout fails every pending call (and new calls, until it is back)
 * rather than leaving them hanging; a short outage (a restart with its
 * append-only file) only makes the next check read every pending job.
 * Cancels and timeouts made while Redis is away go out when it is back;
 * stop() waits for them up to connectTimeout and rejects naming those that
 * did not (UndeliveredCancelError; create.js makes [Symbol.asyncDispose] a
 * warning of it, and a stop() nobody awaits never an unhandled rejection). Every connection ends at stop() whatever its state (endEvents,
 * disconnect): nothing of a stopped or idle handle keeps the process alive.
 * @module concurry-wasm/modes/remote
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Queue, QueueEvents } from 'bullmq';
import IORedis from 'ioredis';
import { RemoteFuture } from '../futures/remote.js';
import { completeTasks, claimTask, finishClaim, OK, FAILED, CANCELLED } from '../futures/task.js';
import {
  TimeoutError, WorkerCrashedError, DataCloneError, UndeliveredCancelError,
} from '../errors.js';
import {
  jobData, batchJobData, batchOutcomes, parseCallRecords, decodeOutcome as decodeWire, decodeProgress, cancelKey,
  CALL_EVENT, MAX_BATCH,
} from './remote-wire.js';
import { unwrapArgs, findFuture } from './unwrap.js';
import { dataCloneError } from './boundary.js';
import { Waiters } from './waiters.js';
import { refuseCall } from './admit.js';
import { moduleURL } from './target.js';
import { createCanceller } from './remote-cancel.js';
import { abortFanout } from './abort-fanout.js';
import { createChecker, streamPosition, J_MISSING, J_WAITING, J_COMPLETED, J_FAILED } from './remote-check.js';
import { isPlainObject, checkKeys, describeValue as describe } from '../options.js';

const MODE = 'remote';
/** BullMQ's key prefix (the protocol uses the default). */
const PREFIX = 'bull';
/** Most jobs per addBulk. */
const ADD_CHUNK = 500;
/**
 * Calls made in the same tick are packed into batch jobs (remote-wire.js,
 * "Batch jobs") of at most maxBatch calls (createWorker's option, default
 * DEFAULT_MAX_BATCH), and into at least SPREAD jobs when there are that many
 * calls: a tick of n calls makes jobs of min(maxBatch, max(1, floor(n /
 * SPREAD))) calls, so that up to SPREAD worker slots (on any number of
 * machines) share the work, and fewer than 2 x SPREAD calls go one per job
 * as before. BullMQ's per-job cost (its scripts, lock, events: ~450 us of
 * CPU per job across client, worker and Redis) is then paid per batch.
 */
const DEFAULT_MAX_BATCH = 64;
const SPREAD = 16;
/** Most cancels and timeouts per command telling them (and per pipelined run of removes). */
const STOP_CHUNK = 1000;
/** Least time between two batch checks (ms). */
const CHECK_FLOOR = 10;
/** A full check (every pending job's state) at least this often while calls are pending (ms). */
const FULL_EVERY = 5000;
/**
 * A handle with nothing pending for this long (ms) closes its event
 * subscription and unrefs its command connection, so an idle handle does not
 * keep the process alive (local workers, when asked for, still do); the next
 * call subscribes again from the stream position it had reached.
 */
const IDLE_MS = 1000;
/**
 * While calls are pending, the events stream is read at most this often
 * (ms): a read that follows the previous one sooner waits for the rest, so
 * that under load one XREAD brings many completions rather than one or two
 * (each read is a round trip, a syscall on both ends and a reply to parse:
 * they were most of this process's CPU per job). A read after a quiet spell
 * goes out at once, so a lone call's result is not delayed.
 */
const READ_PACE = 5;
/**
 * Finished jobs (completed or failed) stay in Redis, by default, an hour and
 * at most 100000 per queue (createWorker's keepFinished: age in ms, count):
 * what lets a caller that missed an event still read the outcome (a job gone
 * before it was read fails its call with WorkerCrashedError).
 */
const KEEP_FINISHED = Object.freeze({ age: 3600000, count: 100000 });
const KEEP_KEYS = ['age', 'count'];
const KEEP_SET = new Set(KEEP_KEYS);
const BIN = fileURLToPath(new URL('../../bin/concurry-worker.js', import.meta.url));

const C_UNWRAP = 0; // arguments being unwrapped
const C_BATCH = 1; // waiting for this tick's addBulk
const C_ADDING = 2; // addBulk sent
const C_ADDED = 3; // on Redis
const C_DONE = 4;

/**
 * Least lifetime of a caller's liveness key (ms) without a refresh. A caller
 * whose event loop is blocked this long (heavy synchronous work, a debugger
 * pause, a laptop asleep) cannot refresh it, and workers then drop its
 * queued jobs as orphans: generous, and not shortened by a short connectTimeout.
 */
const CALLER_TTL_MIN = 120000;
/** Tests only (see _setCallerTtlForTests): a lifetime used instead of callerTtl()'s, or null. */
let callerTtlOverride = null;

/** The liveness key's lifetime for a connectTimeout: max(120 s, 3 x connectTimeout + 5 s). */
function callerTtl(connectTimeout) {
  if (callerTtlOverride !== null) return callerTtlOverride;
  return Math.max(CALLER_TTL_MIN, Math.ceil(3 * connectTimeout + 5000));
}

/**
 * For tests only, not part of the package's API (this module is not
 * exported): handles created from now on use a liveness-key lifetime of `ms`
 * (null: the default), so that orphan and blocked-caller cases need not wait
 * two minutes.
 * @param {number|null} ms
 */
export function _setCallerTtlForTests(ms) {
  if (ms !== null && !(Number.isInteger(ms) && ms >= 100)) throw new RangeError(`_setCallerTtlForTests(): ms must be null or an integer >= 100; got ${ms}`);
  callerTtlOverride = ms;
}

/** A Redis stream entry id. */
const STREAM_ID = /^\d+-\d+$/;

/** The last n non-empty lines of a text, trimmed. */
function lastLines(text, n) {
  return text.split('\n').map((x) => x.trimEnd()).filter((x) => x !== '').slice(-n).join('\n');
}

const now = typeof performance === 'object' ? () => performance.now() : () => Date.now();

function unref(t) {
  if (t && typeof t.unref === 'function') t.unref();
  return t;
}

/** The database number in a redis:// URL's path, or null (none: db 0). */
function dbOf(url) {
  try {
    const m = /^\/(\d+)$/.exec(new URL(url).pathname);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** The URL without its password, for messages. */
function redact(url) {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.href.replace(/\/$/, '');
  } catch {
    return url;
  }
}

/**
 * The remote options of createWorker (worker-options.js hands them on as
 * given): redis (a redis:// or rediss:// URL, required), queue (a name
 * without ':', default 'concurry'), localWorkers (integer >= 0, default 0),
 * connectTimeout (ms, default 5000), keepFinished ({ age: ms, count }, default
 * an hour and 100000).
 * @param {any} r
 */
export function normalizeRemoteOptions(r) {
  const where = 'createWorker()';
  const o = r || {};
  if (typeof o.redis !== 'string' || !/^rediss?:\/\//i.test(o.redis)) {
    throw new TypeError(`${where}: mode 'remote' needs option 'redis', a URL 'redis://host:port' (or 'rediss://...'); got ${describe(o.redis)}`);
  }
  checkRedisURL(o.redis, where);
  let queue = 'concurry';
  if (o.queue !== undefined) {
    if (typeof o.queue !== 'string' || o.queue.length === 0 || o.queue.includes(':')) {
      throw new TypeError(`${where}: option 'queue' must be a non-empty string without ':' (a BullMQ queue name); got ${describe(o.queue)}`);
    }
    queue = o.queue;
  }
  let localWorkers = 0;
  if (o.localWorkers !== undefined) {
    if (typeof o.localWorkers !== 'number') throw new TypeError(`${where}: option 'localWorkers' must be an integer >= 0; got ${describe(o.localWorkers)}`);
    if (!Number.isInteger(o.localWorkers) || o.localWorkers < 0) throw new RangeError(`${where}: option 'localWorkers' must be an integer >= 0; got ${describe(o.localWorkers)}`);
    localWorkers = o.localWorkers;
  }
  let connectTimeout = 5000;
  if (o.connectTimeout !== undefined) {
    if (typeof o.connectTimeout !== 'number') throw new TypeError(`${where}: option 'connectTimeout' must be a finite number of milliseconds >= 0; got ${describe(o.connectTimeout)}`);
    if (!(o.connectTimeout >= 0) || !Number.isFinite(o.connectTimeout)) throw new RangeError(`${where}: option 'connectTimeout' must be a finite number of milliseconds >= 0; got ${describe(o.connectTimeout)}`);
    connectTimeout = o.connectTimeout;
  }
  const keepFinished = keepOption(o.keepFinished, where);
  let maxBatch = DEFAULT_MAX_BATCH;
  if (o.maxBatch !== undefined) {
    if (typeof o.maxBatch !== 'number') throw new TypeError(`${where}: option 'maxBatch' must be an integer 1..${MAX_BATCH} (calls per job; 1: one job per call); got ${describe(o.maxBatch)}`);
    if (!Number.isInteger(o.maxBatch) || o.maxBatch < 1 || o.maxBatch > MAX_BATCH) throw new RangeError(`${where}: option 'maxBatch' must be an integer 1..${MAX_BATCH} (calls per job; 1: one job per call); got ${describe(o.maxBatch)}`);
    maxBatch = o.maxBatch;
  }
  return { redis: o.redis, queue, localWorkers, connectTimeout, keepFinished, maxBatch };
}

/**
 * Option 'redis' beyond its scheme: a URL that parses (a port 0-65535), with
 * a host (ioredis would take 'redis://' for 127.0.0.1:6379), and a path that
 * is empty or a database number ('/abc' and '/-1' were silently db 0).
 * The password is never repeated in a message.
 */
function checkRedisURL(url, where) {
  // As given, with any password masked (also in a URL that does not parse).
  const shown = url.replace(/^([a-z]+:\/\/[^:@/]*:)[^@/]*@/i, '$1***@');
  const bad = (why) => new TypeError(`${where}: option 'redis' must be a URL 'redis://[user:password@]host[:port][/db]' ` +
    `(or 'rediss://...'); ${why}: ${JSON.stringify(shown)}`);
  let u;
  try {
    u = new URL(url);
  } catch {
    throw bad('this one does not parse (is the port a number from 0 to 65535?)');
  }
  if (u.hostname === '') throw bad('it names no host');
  if (u.pathname !== '' && u.pathname !== '/' && !/^\/\d+$/.test(u.pathname)) {
    throw bad(`its path must be empty or a database number such as /0; got ${JSON.stringify(u.pathname)}`);
  }
}

/**
 * createWorker's keepFinished: { age, count }, each optional (its default
 * when left out): age a number of ms >= 1000 (BullMQ keeps by whole seconds,
 * rounded up) or Infinity (no age limit), count an integer >= 1 or Infinity.
 * @returns {{ age: number, count: number }}
 */
function keepOption(v, where) {
  if (v === undefined) return KEEP_FINISHED;
  if (!isPlainObject(v)) {
    throw new TypeError(`${where}: option 'keepFinished' must be a plain object { age, count } (age: ms a finished job is kept, count: ` +
      `how many finished jobs are kept per queue); got ${describe(v)}`);
  }
  checkKeys(v, KEEP_SET, KEEP_KEYS, where, 'keepFinished.');
  let { age, count } = KEEP_FINISHED;
  if (v.age !== undefined) {
    const what = `option 'keepFinished.age' must be a number of milliseconds >= 1000 (or Infinity: no age limit); got ${describe(v.age)}`;
    if (typeof v.age !== 'number') throw new TypeError(`${where}: ${what}`);
    if (!(v.age >= 1000)) throw new RangeError(`${where}: ${what}`);
    age = v.age;
  }
  if (v.count !== undefined) {
    const what = `option 'keepFinished.count' must be an integer >= 1 (or Infinity: no count limit); got ${describe(v.count)}`;
    if (typeof v.count !== 'number') throw new TypeError(`${where}: ${what}`);
    if (v.count !== Infinity && (!Number.isInteger(v.count) || v.count < 1)) throw new RangeError(`${where}: ${what}`);
    count = v.count;
  }
  return { age, count };
}

/** keepFinished as BullMQ's removeOnComplete / removeOnFail: KeepJobs (age in s), or false (keep every job). */
function keepJobs({ age, count }) {
  if (age === Infinity && count === Infinity) return false;
  const k = {};
  if (age !== Infinity) k.age = Math.ceil(age / 1000);
  if (count !== Infinity) k.count = count;
  return Object.freeze(k);
}

/** ioredis options for our connections: commands wait for a reconnect (we bound that ourselves). */
function redisOptions() {
  return {
    lazyConnect: true,
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (n) => Math.min(50 * n, 500),
  };
}

/**
 * Connects, or rejects with an error naming the URL `ms` after `startedAt`
 * (createWorker's call: loading remote mode's modules the first time, bullmq
 * and ioredis, takes a good part of a second, and counts). If that time has
 * passed before the first attempt's outcome is known, the rejection waits
 * for it (a refused connection is known at once), but at most START_FLOOR ms
 * past the deadline or past the attempt's start if that came later, and
 * never longer than `ms` from the attempt: a Redis that answers is not
 * refused for lack of time spent loading, and one that accepts the
 * connection and never answers is refused within about `ms` of the call.
 * @returns {Promise<IORedis>}
 */
async function connect(url, ms, startedAt) {
  const c = new IORedis(url, redisOptions());
  const from = now();
  let last = null;
  let late = false;
  let fail = null;
  const onError = (e) => {
    last = e;
    if (late && fail !== null) fail();
  };
  c.on('error', onError);
  let t = null;
  try {
    await new Promise((resolve, reject) => {
      const onReady = () => { clearTimeout(t); resolve(undefined); };
      fail = () => {
        clearTimeout(t);
        c.off('ready', onReady);
        reject(new Error(`createWorker(): cannot reach Redis at ${redact(url)} within ${ms} ms (connectTimeout)` +
          `${last ? `: ${last.message}` : ''}`, last ? { cause: last } : undefined));
      };
      t = setTimeout(() => {
        if (last !== null) { fail(); return; }
        late = true;
        const until = Math.min(from + ms, Math.max(startedAt + ms, from) + START_FLOOR);
        t = setTimeout(fail, Math.max(0, until - now()));
      }, Math.max(0, startedAt + ms - now()));
      c.once('ready', onReady);
      c.connect().catch(() => { /* retried until ready or the timeout */ });
    });
  } catch (e) {
    c.disconnect();
    throw e;
  }
  fail = null;
  c.off('error', onError);
  c.on('error', () => { /* connection state is followed through its events */ });
  // ioredis reports a refused SELECT (a database number out of range) only
  // as an 'error' event and stays connected to db 0: ask again, and refuse.
  const db = dbOf(url);
  if (db !== null) {
    try {
      await c.select(db);
    } catch (e) {
      c.disconnect();
      throw new Error(`createWorker(): Redis at ${redact(url)} refused database ${db}: ${e && e.message}`, { cause: e });
    }
  }
  return c;
}

/**
 * Least time (ms) a step of createWorker's start-up after the connection is
 * given when connectTimeout is all but spent (a Redis that answers needs a
 * few ms for each): the rejection comes at most this long after connectTimeout.
 */
const START_FLOOR = 150;

/** How long stop() waits for BullMQ's own closing of a Queue or QueueEvents (ms). */
const CLOSE_WAIT = 1000;

/** p, or undefined after ms (never rejects); the timer keeps the process alive only with keepAlive. */
function bounded(p, ms, keepAlive = false) {
  if (p === null) return null;
  let t;
  return Promise.race([p.catch(() => {}), new Promise((r) => {
    t = setTimeout(r, ms);
    if (!keepAlive) unref(t);
  })]).finally(() => clearTimeout(t));
}

/** p, or a rejection with err() after ms. */
function withTimeout(p, ms, err) {
  let t;
  return Promise.race([p, new Promise((_, reject) => { t = setTimeout(() => reject(err()), ms); })]).finally(() => clearTimeout(t));
}

/** A QueueEvents' backend (IQueueBackend: close(force), on('ready'|'close')), or null if this BullMQ has none. */
function eventsBackend(qe) {
  const be = typeof qe.getBackend === 'function' ? qe.getBackend() : /** @type {any} */ (qe).backend;
  return be && typeof be.close === 'function' && typeof be.on === 'function' ? be : null;
}

/**
 * Ends a subscription whatever the state of its connection. BullMQ's
 * QueueEvents.close() first awaits its connection's start-up in order to
 * disconnect it; when that start-up failed (Redis was away when the
 * subscription was made), close() throws there and never closes the
 * connection, which then reconnects forever: a ref'd ioredis retry timer
 * that keeps the process alive (and, once Redis is back, an idle socket).
 * So the backend is closed with force first (a plain disconnect of the
 * connection BullMQ owns, in any state; the loop's blocking read ends at
 * once), then close() marks the loop closing. Resolves within CLOSE_WAIT.
 */
function endEvents(qe) {
  const be = eventsBackend(qe);
  const forced = be === null ? null : Promise.resolve().then(() => be.close(true));
  const closed = Promise.resolve().then(() => qe.close());
  return bounded(Promise.all([forced, closed]), CLOSE_WAIT);
}

/** The job's return value (the protocol's outcome) as [code, value]. */
function decodeOutcome(rv) {
  try {
    const o = decodeWire(rv);
    return o.ok ? [OK, o.value] : [FAILED, o.error];
  } catch (e) {
    return [FAILED, e];
  }
}

/** One accepted call. */
class Call {
  constructor(b, id, method, co) {
    this.b = b;
    this.id = id;
    this.method = method;
    this.onProgress = co.onProgress || null;
    this.retries = co.retries;
    this.timeout = co.timeout;
    this.state = C_UNWRAP;
    this.active = false;
    /** job.data until the add is sent. */
    this.data = null;
    this.timer = null;
    this.signal = null;
    this.onAbort = null;
    /** 'cancel' | 'timeout' once stopped before its add came back. */
    this.stopWhy = null;
    /** Its addBulk's promise, once sent. */
    this.added = null;
    this.future = null;
    /** The batch job it travels in (null: a job of its own, whose id is the call's), and its index there. */
    this.job = null;
    this.idx = 0;
  }

  /** The id of the job it travels in. */
  get jobId() { return this.job === null ? this.id : this.job.id; }

  /** The future's probe: check this job in the next batch. */
  probe() { this.b._wantCheck(this); }

  /** The future's cancel(). */
  cancel() { return this.b._stop(this, 'cancel'); }
}

/** A batch job: calls of one tick travelling in one BullMQ job (their index there is Call.idx). */
class Batch {
  constructor(id, calls) {
    this.id = id;
    this.calls = calls;
    /** Its calls not done: the job is removed on a cancel only once this is 0. */
    this.live = calls.length;
  }
}

/**
 * A remote-mode backend (create.js's interface: call, stop, stats, whenIdle,
 * whenAvailable).
 */
class RemoteBackend {
  constructor(url, o, r) {
    this.url = url;
    this.o = o;
    this.r = r;
    /** When createWorker was called (performance.now()): connectTimeout counts from it. */
    this.startedAt = now();
    this.where = redact(r.redis);
    /** Finished-job retention, as BullMQ job options. */
    this.keep = keepJobs(r.keepFinished);
    this.tag = Math.random().toString(36).slice(2, 10);
    this.nextId = 1;
    /** Call id -> Call, for every call not done. */
    this.calls = new Map();
    /** Batch job id -> Batch, for every batch job with a call not done. */
    this.jobs = new Map();
    this.nextBatch = 1;
    this.nLive = 0;
    this.nActive = 0;
    this.batch = [];
    this.batchQueued = false;
    this.outF = [];
    this.outC = [];
    this.outV = [];
    this.outQueued = false;
    this.counts = { completed: 0, failed: 0, crashed: 0 };
    this.idleWaiters = new Waiters();
    this.availWaiters = new Waiters();
    this.stopping = false;
    this.closed = false;
    // Checks.
    /** A probe round asked for a check since the last one went out. */
    this.wanted = false;
    this.checkTimer = null;
    this.checking = false;
    this.lastCheckAt = -Infinity;
    this.lastFull = now();
    this.suspect = false;
    /** Id of the last entry read from the events stream (every event, not only ours) ... */
    this.lastSeen = '0-0';
    /** ... and how many entries up to it (the stream's entries-added at start, plus one per entry read). */
    this.pos = 0;
    // Redis going away.
    this.downSince = null;
    this.downTimer = null;
    this.gone = null;
    /**
     * Cancels and timeouts on their way to Redis (promise -> { id, method,
     * reason }), and addBulk round trips in flight (promise -> their calls: a
     * call stopped meanwhile is stopped on Redis once its add is back). While
     * Redis is away they wait in the connection's offline queue; the handle
     * stays awake for them, and stop() waits for them (up to connectTimeout).
     */
    this.stopOps = new Map();
    this.adding = new Map();
    /** Stops not yet sent: this tick's batch ([{ op: { id, method, reason }, added }], see _sendStops). */
    this.stopBatch = [];
    this.stopQueued = false;
    /** Replies to stops and adds so far (_stopProgress). */
    this.stopReplies = 0;
    /** Stops whose commands failed: stop() reports them ... */
    this.stopsLost = [];
    /** ... except these: jobs of calls failed as "outcome unknown" (Redis away), withdrawn on its return. */
    this.withdrawn = new Set();
    /**
     * The caller's liveness key (job.data.caller): set while this handle has
     * jobs on Redis, refreshed every aliveEvery ms, expiring after aliveTtl
     * ms; a worker drops a job whose caller's key is gone (remote-serve.js).
     * The TTL (callerTtl) outlives an outage that does not fail the calls
     * (connectTimeout) and an event loop blocked for a while (heavy
     * synchronous work, a debugger pause, a laptop asleep), with room to spare.
     */
    this.callerKey = `concurry:${r.queue}:caller:${this.tag}`;
    this.aliveTtl = callerTtl(r.connectTimeout);
    this.aliveEvery = Math.max(250, Math.min(r.connectTimeout / 2, this.aliveTtl / 4));
    this.aliveAt = -Infinity;
    this.aliveTimer = null;
    this.locals = [];
    this.idleTimer = null;
    this.conn = null;
    this.queue = null;
    /**
     * The event subscription (null while idle) and its backend, which owns
     * the connection BullMQ made for it (a duplicate of `conn`: its reads block).
     */
    this.qe = null;
    this.evBe = null;
    /** Whether the command connection's socket is ref'd (it is while calls are pending). */
    this.refd = true;
  }

  /**
   * What is left of createWorker's connectTimeout (counted from the call),
   * at least START_FLOOR ms: every Redis wait of start() shares that budget,
   * so a Redis that accepts connections and then goes silent (or answers
   * one connection and not the next) is refused within connectTimeout of
   * the call, not connectTimeout per step.
   */
  _budget() {
    return Math.max(START_FLOOR, this.startedAt + this.r.connectTimeout - now());
  }

  async start() {
    const { redis, queue, connectTimeout } = this.r;
    this.conn = await connect(redis, connectTimeout, this.startedAt);
    const late = (what) => () => new Error(`createWorker(): cannot reach Redis at ${this.where} within ${connectTimeout} ms (connectTimeout): ${what}`);
    try {
      const at = await withTimeout(streamPosition(this.conn, PREFIX, queue), this._budget(), late('it did not answer after connecting'));
      this.lastSeen = at.id;
      this.pos = at.pos;
      this.queue = new Queue(queue, { connection: this.conn, prefix: PREFIX });
      this.queue.on('error', () => { /* followed through the connection */ });
      this._openEvents();
      await withTimeout(this.qe.waitUntilReady(), this._budget(), late('the event subscription did not connect'));
      this.check = createChecker(this.conn, PREFIX, queue);
      this.tell = createCanceller(this.conn, queue);
      this._followConnection(this.conn, true);
      // A reconnect makes a retry timer, then a new socket: each takes the
      // handle's ref state (an idle handle whose Redis went away must not
      // keep the process alive by retrying). The socket is made after
      // 'connecting' is emitted (ioredis makes it on the next tick).
      this.conn.on('reconnecting', () => this._applyRef());
      this.conn.on('connecting', () => { unref(setImmediate(() => this._applyRef())); });
      this.conn.on('connect', () => this._applyRef());
      this._changed();
      for (let i = 0; i < this.r.localWorkers; i++) this.locals.push(this._spawnLocal(i));
      await Promise.all(this.locals.map((l) => l.ready));
    } catch (e) {
      // What _close() ends at once (connections disconnected, local workers
      // sent SIGTERM) is done synchronously; BullMQ's own closing of a
      // subscription that never connected may take CLOSE_WAIT, which is not
      // the caller's to wait for (nothing of it keeps the process alive).
      await bounded(this._close(), START_FLOOR);
      throw e;
    }
  }

  /* ---- events ---------------------------------------------------------- */

  /**
   * Subscribes to the queue's events from the position reached so far
   * (lastSeen): nothing between the previous subscription and this one is
   * missed. BullMQ reads on a duplicate of the command connection that it
   * makes and owns (its reads block); endEvents() ends it.
   */
  _openEvents() {
    const qe = new QueueEvents(this.r.queue, {
      connection: this.conn, prefix: PREFIX, lastEventId: this.lastSeen, autorun: false,
    });
    const be = eventsBackend(qe);
    this.qe = qe;
    this.evBe = be;
    this._paceReads(qe);
    this._listen(qe);
    if (be !== null) this._followConnection(be, false);
    // run() fails when the connection's start-up failed (Redis away when the
    // subscription was made): that subscription never reads; a new one is
    // made once Redis answers (a check, or the next call).
    qe.run().catch(() => this._eventsFailed(qe));
  }

  /** The subscription qe stopped for good (not closed by us): end it; checks read every job until a new one runs. */
  _eventsFailed(qe) {
    if (qe !== this.qe || this.closed) return;
    this.qe = null;
    this.evBe = null;
    this.suspect = true;
    if (this.idleTimer !== null) { clearTimeout(this.idleTimer); this.idleTimer = null; }
    void endEvents(qe);
    if (this.nLive > 0) {
      this.wanted = true;
      this._scheduleCheck();
    }
    this._changed();
  }

  /**
   * Paces the subscription's reads (READ_PACE) while more than one call is
   * pending. Through BullMQ's backend.readEvents (QueueEvents' one read per
   * loop turn); a BullMQ without it is read unpaced.
   */
  _paceReads(qe) {
    const be = /** @type {any} */ (qe).backend;
    if (!be || typeof be.readEvents !== 'function') return;
    const read = be.readEvents;
    let last = -Infinity;
    be.readEvents = async (id, block) => {
      const wait = last + READ_PACE - now();
      if (wait > 0 && this.nLive > 1) {
        await new Promise((r) => { setTimeout(r, wait); });
        // Closed meanwhile: no read (the loop sees it closing and ends).
        if (qe !== this.qe || /** @type {any} */ (qe).closing) return null;
      }
      last = now();
      return read.call(be, id, block);
    };
  }

  _listen(qe) {
    const emit = qe.emit;
    // Every event (ours or not) moves the read position the stream guard
    // compares with: its stream id is the last argument. A subscription
    // being closed (the handle went idle) is no longer heard: its successor
    // reads from the position reached, so nothing is counted or delivered twice.
    qe.emit = (event, ...args) => {
      if (qe !== this.qe) return false;
      const id = args[args.length - 1];
      // One entry may be emitted twice ('completed' and 'completed:<id>'): count it once.
      if (typeof id === 'string' && id !== this.lastSeen && STREAM_ID.test(id)) {
        this.lastSeen = id;
        this.pos++;
      }
      return emit.call(qe, event, ...args);
    };
    qe.on('error', () => { this.suspect = true; });
    // A call's job taken by a worker: the call runs. A batch's calls run
    // one by one as the worker's slots free up: each is marked by its own
    // start record (below), not by its job's `active`.
    qe.on('active', ({ jobId }) => {
      const c = this.calls.get(jobId);
      if (c !== undefined && c.job === null) this._running(c);
    });
    qe.on('progress', ({ jobId, data }) => {
      const c = this.calls.get(jobId);
      if (c === undefined || c.job !== null || c.onProgress === null || c.state === C_DONE) return;
      let p;
      try {
        p = decodeProgress(data);
      } catch {
        return;
      }
      if (p.ours) this._progress(c, p.value);
    });
    // A batch job's calls, as the worker reports them (remote-report.js):
    // progress values and outcomes, each call settled when it finishes.
    qe.on(CALL_EVENT, ({ jobId, d }) => {
      const b = this.jobs.get(jobId);
      if (b === undefined) return;
      let recs;
      try {
        recs = parseCallRecords(d);
      } catch {
        return; // not ours: the job's return value still has every outcome
      }
      for (const rec of recs) {
        const c = Array.isArray(rec) ? b.calls[rec[1]] : undefined;
        if (c === undefined || c.state === C_DONE) continue;
        if (rec[0] === 'o') {
          const [code, value] = decodeOutcome(rec[2]);
          this._settle(c, code, value);
        } else if (rec[0] === 's') {
          this._running(c);
        } else if (rec[0] === 'p' && c.onProgress !== null) {
          let p;
          try {
            p = decodeProgress(JSON.parse(rec[2]));
          } catch {
            continue;
          }
          if (p.ours) this._progress(c, p.value);
        }
      }
    });
    qe.on('completed', ({ jobId, returnvalue }) => this._completed(jobId, returnvalue));
    qe.on('failed', ({ jobId, failedReason }) => {
      for (const c of this._callsOf(jobId)) this._settle(c, FAILED, this._failedError(c, failedReason));
    });
  }

  /** A worker started call c (stats().running, maxQueued, future.running()). */
  _running(c) {
    if (c.active || c.state === C_DONE) return;
    c.active = true;
    this.nActive++;
    this._changed();
  }

  /** The calls not done of job `jobId` (a call's own job, or a batch job). */
  _callsOf(jobId) {
    const b = this.jobs.get(jobId);
    if (b !== undefined) return b.calls.filter((c) => c.state !== C_DONE);
    const c = this.calls.get(jobId);
    return c === undefined || c.job !== null ? [] : [c];
  }

  /** A job completed with return value `rv` (from its event, or read by a check): its calls settle. */
  _completed(jobId, rv) {
    const b = this.jobs.get(jobId);
    if (b === undefined) {
      const c = this.calls.get(jobId);
      if (c === undefined || c.job !== null) return;
      const [code, value] = decodeOutcome(rv);
      this._settle(c, code, value);
      return;
    }
    let outs;
    try {
      outs = batchOutcomes(rv, b.calls.length);
    } catch (e) {
      for (const c of b.calls) if (c.state !== C_DONE) this._settle(c, FAILED, e);
      return;
    }
    for (const c of b.calls) {
      if (c.state === C_DONE) continue;
      const [code, value] = decodeOutcome(outs[c.idx]);
      this._settle(c, code, value);
    }
  }

  _progress(c, value) {
    try {
      c.onProgress(value);
    } catch (e) {
      // eslint-disable-next-line no-console
      console.error('concurry-wasm: exception in an onProgress callback:', e);
    }
  }

  _failedError(c, reason) {
    return new WorkerCrashedError(`The job for '${c.method}' (${c.id}) failed in BullMQ: ${reason || 'no reason given'}`,
      { method: c.method, attempts: 1 });
  }

  /**
   * A connection's outages: the next check reads every job. The command
   * connection away for longer than connectTimeout fails what is pending.
   */
  _followConnection(conn, main) {
    // Only a reconnect makes checks suspicious (a fresh subscription reads from the position reached).
    let dropped = false;
    conn.on('close', () => {
      if (this.closed || (!main && conn !== this.evBe)) return;
      dropped = true;
      this.suspect = true;
      // The events connection away: checks still reach Redis (and catch up).
      if (main && this.downSince === null) {
        this.downSince = now();
        this.downTimer = unref(setTimeout(() => this._wentAway(), this.r.connectTimeout));
      }
    });
    conn.on('ready', () => {
      if (this.closed || (!main && conn !== this.evBe) || !dropped) return;
      this.suspect = true;
      if (main) {
        this.downSince = null;
        this.gone = null;
        if (this.downTimer !== null) { clearTimeout(this.downTimer); this.downTimer = null; }
        // Catch up at once on what happened while away.
        this.wanted = true;
        this._scheduleCheck();
      }
    });
  }

  _wentAway() {
    this.downTimer = null;
    if (this.closed || this.downSince === null) return;
    if (this.conn.status === 'ready') { this.downSince = null; return; }
    this.gone = new Error(`Redis at ${this.where} is unreachable (no connection for ${this.r.connectTimeout} ms, connectTimeout): ` +
      'the outcome of the call is unknown (its job is withdrawn if Redis is back before stop(); if not, stop() reports it)');
    for (const c of [...this.calls.values()]) {
      if (c.state === C_DONE) continue;
      const prev = c.state;
      this._settle(c, FAILED, this.gone);
      // Its job (on Redis, or on its way) must not run later for nobody: it
      // is cancelled like any other (waiting in the connection's offline
      // queue until Redis is back); stop() does not report it undelivered
      // (the call already said its outcome is unknown).
      if (prev === C_ADDED || prev === C_ADDING) {
        c.stopWhy = 'cancel';
        this.withdrawn.add(c.id);
        this._remoteStop(c, prev === C_ADDING ? c.added : null);
      }
    }
  }

  /* ---- calls ----------------------------------------------------------- */

  queuedCount(extra = 0) { return this.nLive - this.nActive + extra; }

  /**
   * Accepts a call (create.js validated method and options).
   * @param {string} method @param {unknown[]} args
   * @param {{ signal: AbortSignal|null, timeout: number, onProgress: Function|null, retries: number }} co
   */
  call(method, args, co) {
    refuseCall(this, method);
    const o = this.o;
    this._wake();
    const c = new Call(this, `cy${this.tag}-${this.nextId++}`, method, co);
    const f = new RemoteFuture(c);
    c.future = f;
    this.calls.set(c.id, c);
    this.nLive++;
    if (co.signal && co.signal.aborted) {
      this._stop(c, 'cancel');
      return f;
    }
    // A timeout of 0 fails the call at once, as in the other modes (no timer tick later).
    if (c.timeout === 0) {
      this._stop(c, 'timeout');
      return f;
    }
    if (c.timeout > 0 && c.timeout !== Infinity) c.timer = unref(setTimeout(() => this._stop(c, 'timeout'), c.timeout));
    if (co.signal) {
      c.signal = co.signal;
      // One listener per signal however many calls share it (abort-fanout.js); c.onAbort is this call's entry.
      c.onAbort = abortFanout.add(c.signal, () => this._stop(c, 'cancel'));
    }
    if (this.gone !== null) {
      this._settle(c, FAILED, new Error(`call('${method}'): Redis at ${this.where} is unreachable (no connection for more than ` +
        `${this.r.connectTimeout} ms, connectTimeout): the call was not sent`, { cause: this.gone }));
      return f;
    }
    let p = null;
    let at = null;
    // The scans read the arguments' members: a getter that throws fails this
    // call with a DataCloneError naming it (as the encoding would, and as in
    // thread and process modes), never a synchronous throw.
    try {
      if (o.unwrapFutures) p = unwrapArgs(args);
      else at = findFuture(args, 'args');
    } catch (e) {
      this._settle(c, FAILED, dataCloneError(args, 'args', `the arguments of '${method}'`, e));
      return f;
    }
    if (!o.unwrapFutures) {
      if (at !== null) {
        this._settle(c, FAILED, new DataCloneError(`Cannot send the arguments of '${method}': ${at} is a future, and a future cannot ` +
          'cross to a remote worker (unwrapFutures is false); pass its value (await it first) or leave unwrapFutures on', { path: at }));
        return f;
      }
    }
    if (p === null) this._encode(c, args);
    else {
      p.then((a) => { if (c.state === C_UNWRAP) this._encode(c, a); },
        (e) => { if (c.state === C_UNWRAP) this._settle(c, FAILED, e); });
    }
    return f;
  }

  /** Serializes the arguments (v8, as process mode's channel does) and joins this tick's addBulk. */
  _encode(c, args) {
    try {
      c.data = jobData({
        method: c.method, args, retries: c.retries, timeoutMs: c.timeout, cancelGraceMs: this.o.cancelGraceMs,
      });
      c.data.caller = this.callerKey;
      c.data.callerTtlMs = this.aliveTtl;
    } catch (e) {
      this._settle(c, FAILED, e);
      return;
    }
    c.state = C_BATCH;
    this.batch.push(c);
    if (!this.batchQueued) {
      this.batchQueued = true;
      queueMicrotask(() => this._flushAdds());
    }
  }

  _flushAdds() {
    this.batchQueued = false;
    const all = this.batch.filter((c) => c.state === C_BATCH);
    this.batch = [];
    if (all.length === 0) return;
    this._alive();
    const per = Math.min(this.r.maxBatch, Math.max(1, Math.floor(all.length / SPREAD)));
    const jobs = [];
    for (let i = 0; i < all.length; i += per) jobs.push(this._job(all.slice(i, i + per)));
    for (let i = 0; i < jobs.length; i += ADD_CHUNK) this._add(jobs.slice(i, i + ADD_CHUNK));
  }

  /** The BullMQ job of `calls` (one call: its own job, version 1; more: a batch job). */
  _job(calls) {
    const opts = { attempts: 1, removeOnComplete: this.keep, removeOnFail: this.keep };
    if (calls.length === 1) {
      const c = calls[0];
      return { calls, job: { name: c.method, data: c.data, opts: { ...opts, jobId: c.id } } };
    }
    const b = new Batch(`cy${this.tag}-b${this.nextBatch++}`, calls);
    this.jobs.set(b.id, b);
    for (let i = 0; i < calls.length; i++) { calls[i].job = b; calls[i].idx = i; }
    const data = batchJobData(calls.map((c) => ({ id: c.id, data: c.data })));
    data.caller = this.callerKey;
    data.callerTtlMs = this.aliveTtl;
    const m = calls[0].method;
    return { calls, job: { name: calls.every((c) => c.method === m) ? m : 'concurry-batch', data, opts: { ...opts, jobId: b.id } } };
  }

  /** One addBulk of jobs [{ calls, job }]. */
  _add(jobs) {
    const chunk = [];
    for (const j of jobs) for (const c of j.calls) { c.state = C_ADDING; chunk.push(c); }
    const p = this.queue.addBulk(jobs.map((j) => j.job)).then(() => {
      for (const c of chunk) {
        c.data = null;
        if (c.state === C_ADDING) c.state = C_ADDED;
      }
    }, (e) => {
      for (const c of chunk) {
        c.data = null;
        // A call stopped meanwhile: its job was not added, nothing to stop.
        if (c.state === C_DONE) continue;
        this._settle(c, FAILED, new Error(`call('${c.method}'): the job could not be added to Redis at ${this.where}: ${e && e.message}`, { cause: e }));
      }
    });
    for (const c of chunk) c.added = p;
    this.adding.set(p, chunk);
    p.finally(() => { this.adding.delete(p); this._stopProgress(); this._changed(); });
  }

  /**
   * Sets (refreshes) the caller's liveness key if due, and keeps refreshing
   * it while calls are pending. Sent on the command connection before the
   * adds that follow, so no worker sees one of this handle's jobs without it.
   */
  _alive() {
    if (now() - this.aliveAt >= this.aliveEvery) {
      this.aliveAt = now();
      this.conn.set(this.callerKey, '1', 'PX', this.aliveTtl).catch(() => { this.aliveAt = -Infinity; });
    }
    if (this.aliveTimer === null) {
      this.aliveTimer = unref(setInterval(() => {
        if (this.nLive === 0 || this.closed) this._aliveStop();
        else if (this.conn.status === 'ready') this._alive();
      }, this.aliveEvery));
    }
  }

  _aliveStop() {
    if (this.aliveTimer !== null) { clearInterval(this.aliveTimer); this.aliveTimer = null; }
  }

  /** Clears a call's timer and signal listener and marks it done. */
  _finish(c) {
    if (c.state === C_DONE) return;
    c.state = C_DONE;
    this.calls.delete(c.id);
    if (c.job !== null && --c.job.live === 0) this.jobs.delete(c.job.id);
    this.nLive--;
    if (c.active) this.nActive--;
    if (c.timer !== null) { clearTimeout(c.timer); c.timer = null; }
    if (c.onAbort !== null) {
      abortFanout.remove(c.onAbort);
      c.onAbort = null;
      c.signal = null;
    }
  }

  /**
   * Settles a call with its outcome: collected and pushed into the core in
   * one completeTasks per microtask (all the events of one read together).
   */
  _settle(c, code, value) {
    if (c.state === C_DONE) return;
    this._finish(c);
    this.outF.push(c.future);
    this.outC.push(code);
    this.outV.push(value);
    if (code === OK) this.counts.completed++;
    else {
      this.counts.failed++;
      if (value instanceof WorkerCrashedError) this.counts.crashed++;
    }
    if (!this.outQueued) {
      this.outQueued = true;
      queueMicrotask(() => this._flushOutcomes());
    }
  }

  _flushOutcomes() {
    this.outQueued = false;
    const f = this.outF;
    const codes = this.outC;
    const v = this.outV;
    this.outF = [];
    this.outC = [];
    this.outV = [];
    completeTasks(f, codes, v);
    this._changed();
  }

  /**
   * Cancel or timeout: the future settles now (CancelledError, TimeoutError);
   * the job is removed if still waiting, else told to stop on the channel.
   */
  _stop(c, why) {
    if (c.state === C_DONE) return c.future.cancelled();
    const code = why === 'timeout' ? FAILED : CANCELLED;
    if (!claimTask(c.future, code)) return false;
    const prev = c.state;
    c.stopWhy = why;
    this._finish(c);
    // Told at once, also while its add is on its way (the job id is ours):
    // a worker must not start it in between; removed once the add is back.
    if (prev === C_ADDED || prev === C_ADDING) this._remoteStop(c, prev === C_ADDING ? c.added : null);
    let value;
    if (why === 'timeout') {
      value = new TimeoutError(`The call '${c.method}' did not complete within ${c.timeout} ms (remote worker)`, { timeout: c.timeout });
    }
    // stats().failed: calls that failed, timed out or were cancelled (index.d.ts), as in the other modes.
    this.counts.failed++;
    finishClaim(c.future, code, value);
    this._changed();
    return true;
  }

  /**
   * A cancel or timeout for a job on Redis: joins this tick's batch of stops
   * (_flushStops), so that N cancels made together (a loop over futures,
   * stop({ force: true })) go out in a few round trips, not N.
   */
  _remoteStop(c, added) {
    // The job is removed (if still waiting) only once none of its calls is
    // left (a batch's other calls still run); `keys`: the cancel keys then
    // deleted with it (no job left to read them).
    // `stopped`: the stops a failed remove leaves undelivered (a batch's: every call of it stopped).
    const op = { id: c.id, method: c.method, reason: c.stopWhy };
    let job = c.id;
    let keys = [c.id];
    let stopped = [op];
    if (c.job !== null) {
      job = c.job.live === 0 ? c.job.id : null;
      keys = job === null ? [] : c.job.calls.map((x) => x.id);
      stopped = job === null ? [] : c.job.calls.filter((x) => x.stopWhy !== null).map((x) => ({ id: x.id, method: x.method, reason: x.stopWhy }));
    }
    this.stopBatch.push({ op, added, job, keys, stopped });
    if (!this.stopQueued) {
      this.stopQueued = true;
      queueMicrotask(() => this._flushStops());
    }
  }

  /**
   * Sends the batched stops in chunks of STOP_CHUNK, oldest job first. Per
   * chunk: first one script (remote-cancel.js) that sets each job's cancel
   * key and publishes its cancel, oldest first (the jobs workers take next
   * hear first; a worker that takes one of them from now on refuses it, a
   * running one gets its signal); then BullMQ's own remove of each job
   * (Queue.remove, sent together: pipelined, one round trip), newest first,
   * which takes a waiting job out of Redis and leaves a running one (locked:
   * 0) to its cancel; then one DEL of the keys of the jobs removed (no job
   * left to read them). Newest first because BullMQ's removeJob finds a
   * waiting job with LREM from the head of the wait list, where the newest
   * jobs are: oldest first, each remove scanned the whole list (10000
   * removes: 4.4 s of Redis time, against 0.5 s newest first).
   * While Redis is away the commands wait in the connection's offline queue
   * and go out when it is back; they fail only when the handle's connection
   * is closed (stop() waited connectTimeout for them) or Redis refuses them:
   * those stops are lost, and stop() reports them.
   */
  _flushStops() {
    this.stopQueued = false;
    const all = this.stopBatch;
    if (all.length === 0) return;
    this.stopBatch = [];
    const seq = (e) => Number(e.op.id.slice(e.op.id.lastIndexOf('-') + 1));
    if (all.length > 1) all.sort((a, b) => seq(a) - seq(b));
    for (let i = 0; i < all.length; i += STOP_CHUNK) this._sendStops(all.slice(i, i + STOP_CHUNK));
  }

  /**
   * One chunk of stops, oldest job first (see _flushStops): [{ op, added }],
   * `added` the add of a job stopped while it was on its way (or null).
   */
  _sendStops(entries) {
    const q = this.r.queue;
    const ops = entries.map((e) => e.op);
    const adds = [...new Set(entries.map((e) => e.added).filter((a) => a !== null))];
    // The jobs to remove (a batch job once its last call is stopped), newest first (see _flushStops).
    const rm = entries.filter((e) => e.job !== null).reverse();
    const p = (async () => {
      // Told oldest first: the jobs workers take next hear first.
      await this.tell(ops);
      this._stopProgress();
      // A job is removed once its add is back (an add that failed left nothing: removing it is a no-op).
      if (adds.length > 0) await Promise.all(adds);
      const removed = new Array(rm.length);
      await Promise.all(rm.map((e, i) => this.queue.remove(e.job).then((r) => { removed[i] = r; this._stopProgress(); }, () => { removed[i] = -1; })));
      const lost = [];
      for (let i = 0; i < rm.length; i++) if (removed[i] === -1) lost.push(...rm[i].stopped);
      if (lost.length > 0) this.stopsLost.push(...lost);
      const gone = rm.filter((_, i) => removed[i] === 1).flatMap((e) => e.keys.map((id) => cancelKey(q, id)));
      if (gone.length > 0) await this.conn.del(...gone).catch(() => {});
    })().catch(() => { this.stopsLost.push(...ops); });
    this.stopOps.set(p, ops);
    p.finally(() => { this.stopOps.delete(p); this._changed(); });
  }

  /** Redis answered a stop or an add: stop() waits connectTimeout from here. */
  _stopProgress() { this.stopReplies++; }

  /** Whether cancels or timeouts are not yet on Redis (_stopsInFlight().length > 0, without the list). */
  _stopsPending() { return this.stopBatch.length > 0 || this.stopOps.size > 0; }

  /** The cancels and timeouts not yet on Redis: [{ id, method, reason }]. */
  _stopsInFlight() {
    const out = this.stopBatch.map((e) => e.op);
    for (const ops of this.stopOps.values()) out.push(...ops);
    return out;
  }

  /**
   * Calls pending, or cancels and adds on their way to Redis (not once Redis
   * is gone, longer than connectTimeout: they still go out if it comes back
   * while this process runs, but do not keep it alive).
   */
  _busy() {
    return this.nLive > 0 || ((this.stopOps.size > 0 || this.adding.size > 0 || this.stopBatch.length > 0) && this.gone === null);
  }

  /* ---- the batch check ------------------------------------------------- */

  /**
   * A probe: the core's polling strategy says a round is due for a wait over
   * this call's future. O(1): the round's check covers every call on Redis
   * (the guard alone when nothing was lost), so a round over N futures asks
   * once, not N times.
   */
  _wantCheck(c) {
    if (this.wanted || c.state !== C_ADDED || this.closed) return;
    this.wanted = true;
    this._scheduleCheck();
  }

  _scheduleCheck() {
    if (this.checkTimer !== null || this.checking || this.closed) return;
    const wait = Math.max(0, this.lastCheckAt + CHECK_FLOOR - now());
    this.checkTimer = unref(setTimeout(() => { this.checkTimer = null; this._runCheck(); }, wait));
  }

  async _runCheck() {
    if (this.closed || !this.wanted) return;
    this.wanted = false;
    if (this.conn.status !== 'ready') return;
    this.checking = true;
    const pos = this.pos;
    const seen = this.lastSeen;
    try {
      const force = this.suspect || this.qe === null || now() - this.lastFull >= FULL_EVERY;
      this.suspect = false;
      let calls = force ? this._onRedis() : [];
      let r = await this.check(calls.map((c) => c.jobId), pos, seen, force);
      if (r.lost && !force) {
        calls = this._onRedis();
        r = await this.check(calls.map((c) => c.jobId), pos, seen, true);
      }
      if (r.states !== null) {
        this.lastFull = now();
        this._apply(calls, r.states, r.payloads);
      }
      // Redis answers again after a subscription failed: subscribe again.
      if (this.qe === null && this.nLive > 0 && !this.closed) this._wake();
    } catch {
      this.suspect = true;
    } finally {
      this.checking = false;
      this.lastCheckAt = now();
      if (this.wanted) this._scheduleCheck();
    }
  }

  /** One call not done per job on Redis (added): the check reads each job once. */
  _onRedis() {
    const out = [];
    for (const c of this.calls.values()) if (c.job === null && c.state === C_ADDED) out.push(c);
    for (const b of this.jobs.values()) {
      const c = b.calls.find((x) => x.state === C_ADDED);
      if (c !== undefined) out.push(c);
    }
    return out;
  }

  _apply(calls, states, payloads) {
    for (let i = 0; i < calls.length; i++) {
      const c = calls[i];
      // A batch's listed call may have settled meanwhile (an event): its job's other calls still apply.
      if (c.state !== C_ADDED && (c.job === null || c.job.live === 0)) continue;
      const s = states[i];
      const jobId = c.jobId;
      if (s === J_COMPLETED) {
        this._completed(jobId, payloads[i]);
      } else if (s === J_WAITING && c.job !== null && payloads[i] instanceof Map) {
        // A batch still running: the calls its worker finished (their events lost, or not read yet).
        for (const [idx, out] of payloads[i]) {
          const x = c.job.calls[idx];
          if (x === undefined || x.state !== C_ADDED) continue;
          const [code, value] = decodeOutcome(out);
          this._settle(x, code, value);
        }
      } else if (s === J_FAILED) {
        for (const x of this._callsOf(jobId)) this._settle(x, FAILED, this._failedError(x, payloads[i]));
      } else if (s === J_MISSING) {
        for (const x of this._callsOf(jobId)) {
          if (x.state !== C_ADDED) continue;
          this._settle(x, FAILED, new WorkerCrashedError(`The job for '${x.method}' (${jobId}) is gone from Redis at ${this.where} ` +
            '(removed, or lost by a Redis without persistence) before it finished', { method: x.method, attempts: 1 }));
        }
      }
    }
    this._changed();
  }

  /* ---- idle ------------------------------------------------------------ */

  /** Idle for IDLE_MS: close the event subscription, unref the command connection. */
  _sleep() {
    this.idleTimer = null;
    if (this.closed || this._busy()) return;
    const qe = this.qe;
    this.qe = null;
    this.evBe = null;
    this.refd = false;
    this._applyRef();
    if (qe !== null) void endEvents(qe);
  }

  /** A call on an idle handle: ref the command connection, subscribe again. */
  _wake() {
    if (this.idleTimer !== null) { clearTimeout(this.idleTimer); this.idleTimer = null; }
    if (this.qe !== null || this.closed) return;
    this.refd = true;
    this._applyRef();
    this._openEvents();
  }

  /** The command connection's socket and retry timer (ioredis' reconnectTimeout) follow `refd`. */
  _applyRef() {
    const c = /** @type {any} */ (this.conn);
    if (c === null) return;
    for (const x of [c.stream, c.reconnectTimeout]) {
      if (x && typeof x.ref === 'function') {
        if (this.refd) x.ref();
        else x.unref();
      }
    }
  }

  /* ---- local workers --------------------------------------------------- */

  /**
   * Local worker i: a concurry-worker process on this machine, ready once it
   * printed its ready line. One that dies after it was ready is replaced
   * (its running jobs are taken up again by BullMQ's stalled-job check),
   * unless it died three times within 10 s (then it stays down: see its
   * stderr, which is this process's).
   */
  _spawnLocal(i) {
    const mod = this.url.startsWith('file:') ? fileURLToPath(this.url) : this.url;
    // --quiet: the worker's stderr is ours (its errors still show, not its progress lines).
    // The URL goes by environment, not argv, which every user of the machine can read (ps).
    // --name=value: a queue or path starting with '-' is not taken for an option.
    // The IPC channel is how the worker learns that this process is gone (its
    // 'disconnect' fires even when this one is SIGKILLed): it then hands its
    // running jobs back and exits, so no worker outlives its caller. stdout and
    // stderr are pipes, not this process's own descriptors, so a caller piped
    // into another program (`node app.mjs | tee log`) ends when it exits.
    // Local workers run calls in child processes (process mode's sandbox, as
    // before the worker command's default became threads): a one-machine
    // setup keeps process mode's isolation and its exact v8 round trip (a
    // Buffer stays a Buffer; a worker thread's message makes it a Uint8Array).
    const args = [BIN, '--quiet', `--queue=${this.r.queue}`, `--module=${mod}`, `--concurrency=${this.o.maxWorkers}`, '--sandbox=process'];
    const child = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env: { ...process.env, CONCURRY_REDIS_URL: this.r.redis },
    });
    // The worker's stderr: its last lines go into a start-up error; once it
    // is ready, its errors are passed on to this process's stderr.
    const l = {
      child, exited: false, ready: null, exit: null, deaths: this.locals[i] ? this.locals[i].deaths : [], err: '', isReady: false,
    };
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d) => {
      if (l.isReady) process.stderr.write(d);
      else l.err = (l.err + d).slice(-4000);
    });
    l.exit = new Promise((resolve) => child.once('exit', (code, signal) => { l.exited = true; resolve({ code, signal }); }));
    const ms = Math.max(this.r.connectTimeout, 10000);
    l.ready = new Promise((resolve, reject) => {
      let buf = '';
      const t = setTimeout(() => reject(new Error(`createWorker(): a local concurry-worker did not report ready within ${ms} ms`)), ms);
      const onData = (d) => {
        buf += d;
        if (buf.includes(`concurry-worker: ready ${this.r.queue}`)) {
          clearTimeout(t);
          l.isReady = true;
          child.stdout.off('data', onData);
          child.stdout.resume();
          resolve(undefined);
        }
      };
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', onData);
      child.once('error', (e) => { clearTimeout(t); reject(new Error(`createWorker(): cannot start concurry-worker (${BIN}): ${e.message}`, { cause: e })); });
      l.exit.then(async ({ code, signal }) => {
        clearTimeout(t);
        // The rest of its stderr (bounded: a grandchild may hold the pipe).
        if (!child.stderr.readableEnded) {
          await new Promise((r) => { child.stderr.once('end', r); unref(setTimeout(r, 300)); });
        }
        const said = lastLines(l.err, 6);
        reject(new Error(`createWorker(): a local concurry-worker exited (${signal ? `signal ${signal}` : `exit code ${code}`}) before it was ready` +
          ` (queue '${this.r.queue}', module ${mod})${said ? `; it said:\n${said}` : ''}`));
      });
    });
    l.ready.catch(() => {});
    l.ready.then(() => l.exit.then(() => {
      if (this.closed) return;
      const t = now();
      l.deaths = l.deaths.filter((d) => t - d < 10000);
      l.deaths.push(t);
      if (l.deaths.length >= 3) return;
      unref(setTimeout(() => { if (!this.closed) this.locals[i] = this._spawnLocal(i); }, 200));
    }), () => {});
    return l;
  }

  /* ---- state, backpressure, stop --------------------------------------- */

  _changed() {
    // Awake (subscribed, or ref'd after a failed subscription) with nothing pending: idle soon.
    if (!this._busy() && this.idleTimer === null && (this.qe !== null || this.refd) && !this.closed) {
      this.idleTimer = unref(setTimeout(() => this._sleep(), IDLE_MS));
    }
    if (this.idleWaiters.pending && this.nLive === 0) this.idleWaiters.flush();
    if (this.availWaiters.pending && this._available()) this.availWaiters.flush();
  }

  _available() { return this.o.maxQueued === Infinity || this.queuedCount() < this.o.maxQueued; }

  /** @returns {{ workers: number, idle: number, running: number, queued: number, completed: number, failed: number, crashed: number }} */
  stats() {
    const workers = this.locals.filter((l) => !l.exited).length;
    return {
      workers,
      idle: Math.max(0, workers - this.nActive),
      running: this.nActive,
      queued: this.nLive - this.nActive,
      completed: this.counts.completed,
      failed: this.counts.failed,
      crashed: this.counts.crashed,
    };
  }

  whenIdle() {
    if (this.nLive === 0) return Promise.resolve();
    return this.idleWaiters.wait();
  }

  whenAvailable() {
    if (this._available()) return Promise.resolve();
    return this.availWaiters.wait();
  }

  /** Drains (or, with force, cancels) the calls, then ends local workers and closes the connections. */
  async stop({ force }) {
    this.stopping = true;
    if (force) {
      for (const c of [...this.calls.values()]) this._stop(c, 'cancel');
    } else {
      await this.whenIdle();
    }
    await this._close();
  }

  /**
   * Closes everything; then rejects with UndeliveredCancelError if cancels or
   * timeouts made on this handle did not reach Redis (it stayed away
   * connectTimeout after stop()): their jobs may still run, and the caller
   * must know.
   */
  async _close() {
    if (this.closed) return;
    this.closed = true;
    if (this.checkTimer !== null) { clearTimeout(this.checkTimer); this.checkTimer = null; }
    if (this.downTimer !== null) { clearTimeout(this.downTimer); this.downTimer = null; }
    if (this.idleTimer !== null) { clearTimeout(this.idleTimer); this.idleTimer = null; }
    // Cancels and timeouts already made reach Redis before the connection
    // goes (a stop of a job whose add was on its way removes it once the
    // add is back). connectTimeout counts from Redis's last reply to a stop or an add: a
    // Redis that answers gets another connectTimeout, however many stops
    // there are; one silent that long is given up on.
    let deadline = now() + this.r.connectTimeout;
    let seen = this.stopReplies;
    for (;;) {
      this._flushStops();
      if (!this._stopsPending()) break;
      if (this.stopReplies !== seen) {
        seen = this.stopReplies;
        deadline = now() + this.r.connectTimeout;
      }
      const ms = deadline - now();
      if (ms <= 0) break;
      // A ref'd timer: an awaited stop() ends before the process does.
      await bounded(Promise.race([...this.stopOps.keys(), ...this.adding.keys()]), ms, true);
    }
    // A withdrawal (the job of a call failed as "outcome unknown") that did
    // not reach Redis either is reported too, as 'withdraw': its job may
    // still run, and nothing of this handle will remove it any more.
    const lost = [...this.stopsLost, ...this._stopsInFlight()]
      .map((op) => (this.withdrawn.has(op.id) ? { id: op.id, method: op.method, reason: 'withdraw' } : op));
    this._aliveStop();
    // No job of this handle is left to protect (drained, or withdrawn): workers drop any straggler.
    if (this.conn !== null && this.conn.status === 'ready') await bounded(this.conn.del(this.callerKey), CLOSE_WAIT);
    const ends = this.locals.map(async (l) => {
      if (l.exited) return;
      l.child.kill('SIGTERM');
      const t = setTimeout(() => { if (!l.exited) l.child.kill('SIGKILL'); }, 10000);
      await l.exit;
      clearTimeout(t);
    });
    // Every connection ends whatever its state (ready, reconnecting during an
    // outage, never connected): the subscription's through endEvents; the
    // command connection, which the Queue shares (its close() leaves a shared
    // connection open), by disconnect(), not quit() (a QUIT waits for a reply
    // that an outage never brings). Nothing here waits on Redis unbounded.
    const qe = this.qe;
    this.qe = null;
    this.evBe = null;
    const queueClosed = this.queue === null ? null : this.queue.close().catch(() => {});
    if (this.conn !== null) this.conn.disconnect();
    await Promise.all([...ends, qe === null ? null : endEvents(qe), bounded(queueClosed, CLOSE_WAIT)]);
    if (lost.length > 0) {
      const ids = lost.map((x) => `${x.method} (${x.id}, ${x.reason})`);
      throw new UndeliveredCancelError(`stop(): ${lost.length} cancel${lost.length === 1 ? '' : 's'} or timeout${lost.length === 1 ? '' : 's'} ` +
        `did not reach Redis at ${this.where} within ${this.r.connectTimeout} ms (connectTimeout): ` +
        `${lost.length === 1 ? 'its job' : 'their jobs'} may still run: ${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ', ...' : ''}`,
      { jobs: lost });
    }
  }
}

/**
 * With local workers, a module path (file: URL) must name a file here: they
 * load it from there, and a path that does not exist is a mistake the user
 * should hear of at createWorker (as in the other modes), not by calls
 * waiting for workers that never start. The same error as the other modes'
 * (ERR_MODULE_NOT_FOUND). Without local workers (localWorkers 0) this
 * process never loads it and the workers elsewhere name their own --module:
 * a thin client need not have the file (not checked). Other URLs (a package
 * resolved here, http:) are left to the workers.
 */
async function checkModuleFile(url) {
  if (!url.startsWith('file:')) return;
  const path = fileURLToPath(url);
  const { stat } = await import('node:fs/promises');
  let st = null;
  let cause;
  try { st = await stat(path); } catch (e) { cause = e; }
  if (st !== null && st.isFile()) return;
  throw Object.assign(new Error(`createWorker(): cannot load the module '${url}': ${st === null ? 'no such file' : 'not a file'} ${path} ` +
    "(mode 'remote' with localWorkers: the local workers load the task module from this path; " +
    'with localWorkers 0 the path is not checked, workers elsewhere load their own --module)', cause ? { cause } : undefined), { code: 'ERR_MODULE_NOT_FOUND' });
}

/**
 * A remote backend over `target` (a module URL or path that the workers
 * load; the client never loads it): connects to Redis (rejecting within
 * connectTimeout, naming the URL), subscribes to the queue's events, and
 * starts `localWorkers` concurry-worker processes (resolving once each says
 * it is ready).
 * @param {string|URL} target
 * @param {object} opts normalized worker options (opts.remote: the remote ones)
 * @param {number} [startedAt] performance.now() when createWorker was called (connectTimeout counts from it)
 * @returns {Promise<RemoteBackend>}
 */
export async function createBackend(target, opts, startedAt = now()) {
  const url = await moduleURL(target, MODE);
  const r = normalizeRemoteOptions(isPlainObject(opts.remote) ? opts.remote : {});
  if (r.localWorkers > 0) await checkModuleFile(url);
  const b = new RemoteBackend(url, opts, r);
  b.startedAt = typeof startedAt === 'number' && Number.isFinite(startedAt) ? startedAt : now();
  await b.start();
  return b;
}
