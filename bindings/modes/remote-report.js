/**
 * What a worker command tells Redis about the calls of a job while it runs
 * them: which calls it started (of any job) and, for a batch job
 * (remote-wire.js, "Batch jobs"), each call's outcome as soon as it has one
 * and their progress values.
 *
 * Per batch job, its own BullMQ hash (`bull:<queue>:<job id>`: BullMQ
 * removes it with the job, so the records last exactly as long as the job,
 * however long it waits) keeps per call `cys<i>` (runs started) and `cyo<i>`
 * (the outcome, encodeOk/encodeErr's JSON):
 * a worker that takes the job again after its worker stopped (died, lost
 * Redis, handed it back) gives finished calls their recorded outcome instead
 * of running them again, charges a stop against `retries` only to calls that
 * had started, and runs the others as first runs. Outcomes and progress also
 * go to the queue's events stream as `concurry` entries (records ['s', i]
 * started, ['o', i, outcome], ['p', i, progress]), so a caller sees each
 * call start and settles it when it finishes, not when its whole batch does.
 *
 * Records made in the same turn of the event loop go out as one script
 * (EVALSHA): one command per flush, not per call. Invariants: records reach Redis in the order they
 * were made (one connection, scripts run in order), so a call's progress
 * precedes its outcome; a start is sent before the call is handed to a
 * sandbox (the caller of started() flushes before starting it).
 * @module concurry-wasm/modes/remote-report
 */
import { CALL_EVENT } from './remote-wire.js';


/*
 * KEYS[1] the job's hash, KEYS[2] the events stream, KEYS[3] the queue's
 * meta hash (BullMQ keeps the events stream's max length there), KEYS[4] the
 * job's lock. ARGV[1] job id, ARGV[2] this worker's lock token of the job
 * ('' : none checked), ARGV[3] the event name, ARGV[4] the event's records
 * (JSON; '' for none), ARGV[5..] triples: 'a' field count (a start count:
 * written only while this worker holds the job's lock) or 's' field value.
 * Counts are absolute, not increments: ioredis sends a command again after a
 * reconnect when its reply was lost, and a resent +1 or -1 would count twice.
 * The lock check: a worker cut off for longer than the lock may find its job
 * taken by another worker when its queued records arrive; it must not start
 * the call then. Returns 1; 0 when a start was refused (not this worker's
 * job any more); -1 when the job is gone (removed: every call of it was
 * cancelled), which gets nothing (no stray hash).
 */
const SCRIPT = `
local k = KEYS[1]
if redis.call('EXISTS', k) == 0 then return -1 end
local mine = nil
local res = 1
for a = 5, #ARGV, 3 do
  if ARGV[a] == 'a' then
    -- a start count (absolute: idempotent if resent), only while this worker holds the job's lock
    if mine == nil then mine = ARGV[2] == '' or redis.call('GET', KEYS[4]) == ARGV[2] end
    if mine then redis.call('HSET', k, ARGV[a + 1], ARGV[a + 2]) else res = 0 end
  else redis.call('HSET', k, ARGV[a + 1], ARGV[a + 2]) end
end
if ARGV[4] ~= '' then
  local m = tonumber(redis.call('HGET', KEYS[3], 'opts.maxLenEvents')) or 10000
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', m, '*', 'event', ARGV[3], 'jobId', ARGV[1], 'd', ARGV[4])
end
return res
`;
const NAME = 'concurryReportCalls';

/**
 * The hash of a job (BullMQ's), where a batch's records are kept.
 * @param {string} queue @param {string} jobId @param {string} [prefix] BullMQ's key prefix
 * @returns {string}
 */
export function jobKey(queue, jobId, prefix = 'bull') {
  return `${prefix}:${queue}:${jobId}`;
}

/** The record fields of a batch's call i: runs started, outcome. */
export const startField = (i) => `cys${i}`;
export const outcomeField = (i) => `cyo${i}`;

/** The records of one batch job on its way to Redis. */
export class CallReporter {
  /**
   * @param {import('ioredis').Redis} redis a command connection of the worker
   * @param {string} queue @param {string} jobId @param {string} [prefix] BullMQ's key prefix
   * @param {boolean} [batch] a batch job: starts, outcomes and progress also go to the events
   *   stream; else (a job of one call) only its start is recorded (BullMQ's own events tell the rest)
   */
  constructor(redis, queue, jobId, prefix = 'bull', batch = true, token = '') {
    this.token = token;
    this.batch = batch;
    if (typeof /** @type {any} */ (redis)[NAME] !== 'function') redis.defineCommand(NAME, { numberOfKeys: 4, lua: SCRIPT });
    this.redis = redis;
    this.keys = [jobKey(queue, jobId, prefix), `${prefix}:${queue}:events`, `${prefix}:${queue}:meta`, `${jobKey(queue, jobId, prefix)}:lock`];
    this.jobId = jobId;
    /** @type {string[]} */
    this.fields = [];
    /** @type {[string, number, string][]} */
    this.events = [];
    this.queued = false;
    /** The last flush sent (resolves once Redis ran it and every earlier one, with whether it was taken; never rejects). */
    this.last = Promise.resolve(true);
    /** What started() returned since the last flush (settled by the next), and its resolve. */
    this.next = null;
    this.resolveNext = null;
  }

  /**
   * Call i is about to be handed to a sandbox; the caller hears it as
   * running. Resolves as flush() does, once the flush that carries it (at
   * the end of this turn of the event loop) was run by Redis: the call may
   * start then (true), or must not (false: refused, see SCRIPT).
   * @param {number} i @param {number} n the call's runs started, this one included
   * @returns {Promise<boolean>}
   */
  started(i, n) {
    this.fields.push('a', startField(i), String(n));
    if (this.batch) this.events.push(['s', i, '']);
    this._schedule();
    if (this.next === null) this.next = new Promise((res) => { this.resolveNext = res; });
    return this.next;
  }

  /**
   * Call i was handed back unfinished: its start is not a run that stopped.
   * @param {number} i @param {number} n its runs started before this one
   */
  unstarted(i, n) { this.fields.push('a', startField(i), String(n)); this._schedule(); }

  /**
   * Call i's outcome.
   * @param {number} i @param {{ ok: string } | { err: string }} out
   */
  outcome(i, out) {
    const s = JSON.stringify(out);
    this.fields.push('s', outcomeField(i), s);
    this.events.push(['o', i, s]);
    this._schedule();
  }

  /**
   * A progress value of call i.
   * @param {number} i @param {{ cy: string }} p encodeProgress's value
   */
  progress(i, p) {
    this.events.push(['p', i, JSON.stringify(p)]);
    this._schedule();
  }

  /*
   * Outcomes and progress wait for the end of this turn of the event loop
   * (setImmediate: after the I/O just read), so the results several
   * sandboxes sent at once go out in one command.
   */
  _schedule() {
    if (this.queued) return;
    this.queued = true;
    setImmediate(() => { this.queued = false; this.flush(); });
  }

  /**
   * Sends what was recorded (one command). Resolves once Redis ran it (and
   * every earlier flush): true, or false when Redis refused it, refused a
   * start in it, or the job is gone (while Redis is away the command waits
   * in the connection's queue, it does not fail).
   * @returns {Promise<boolean>}
   */
  flush() {
    if (this.fields.length === 0 && this.events.length === 0) return this.last;
    const ev = this.events.length === 0 ? '' : JSON.stringify(this.events);
    const p = /** @type {any} */ (this.redis)[NAME](...this.keys, this.jobId, this.token, CALL_EVENT, ev, ...this.fields);
    this.fields = [];
    this.events = [];
    const prev = this.last;
    // In order after the earlier flushes; the result is this flush's own.
    this.last = Promise.all([prev, p.then((r) => r === 1, () => false)]).then(([, b]) => b);
    if (this.next !== null) {
      this.resolveNext(this.last);
      this.next = null;
      this.resolveNext = null;
    }
    return this.last;
  }

  /**
   * What earlier runs of this job's n calls recorded (only those fields: the
   * job's hash also holds its data, every argument of the batch).
   * @param {number} n
   * @returns {Promise<{ starts: Map<number, number>, outs: Map<number, string> }>}
   */
  async read(n) {
    const f = [];
    for (let i = 0; i < n; i++) f.push(startField(i), outcomeField(i));
    const v = await this.redis.hmget(this.keys[0], ...f);
    const starts = new Map();
    const outs = new Map();
    for (let i = 0; i < n; i++) {
      const s = v[2 * i];
      const o = v[2 * i + 1];
      if (s !== null) starts.set(i, Math.max(0, Number(s) || 0));
      if (o !== null) outs.set(i, o);
    }
    return { starts, outs };
  }

  /**
   * Drops the records of a finished job's n calls (its return value has
   * every outcome): one command.
   * @param {number} n
   * @returns {Promise<unknown>}
   */
  drop(n) {
    const f = [];
    for (let i = 0; i < n; i++) f.push(startField(i), outcomeField(i));
    return this.redis.hdel(this.keys[0], ...f);
  }
}
