/**
 * The wire contract of remote mode (/tmp/remote-protocol.md), shared by the
 * client (remote.js) and the worker command (bin/concurry-worker.js): job
 * data, outcomes, progress values and cancel messages, encoded one way on
 * both sides.
 *
 * Values travel as base64 of v8.serialize (what process mode's IPC uses, so
 * Maps, Sets, typed arrays, BigInts, Dates travel as they do there) inside
 * BullMQ's JSON job data and return values. Errors go through boundary.js
 * (class name, message, stack, cause, own enumerable properties), so every
 * mode rebuilds them alike.
 *
 * Node only (node:v8, Buffer): remote mode runs in Node.
 * @module concurry-wasm/modes/remote-wire
 */
import { serialize, DefaultDeserializer } from 'node:v8';
import { serializeError, deserializeError, encodeResult, decodeResult, dataCloneError } from './boundary.js';

/** Version of job.data; a worker refuses jobs of another version (with an error outcome). */
export const WIRE_VERSION = 1;

/** Reasons a cancel message may carry. */
export const CANCEL_REASONS = Object.freeze(['cancel', 'timeout']);

/** Default cancel grace (ms), as createWorker's cancelGraceMs. */
export const DEFAULT_CANCEL_GRACE_MS = 1000;

/**
 * The Redis pub/sub channel on which cancels and timeouts of `queue`'s running
 * jobs reach the worker commands.
 * @param {string} queue
 * @returns {string}
 */
export function cancelChannel(queue) {
  return `concurry:${queue}:cancel`;
}

/** How long a cancel key lives (ms): as long as finished jobs are kept. */
export const CANCEL_KEY_TTL_MS = 3600000;

/**
 * The key a client sets (to the reason, with CANCEL_KEY_TTL_MS) right before it
 * publishes a cancel for an active job: a worker whose subscriber was away when
 * the message went out reads it when it reconnects.
 * @param {string} queue
 * @param {string} id job id
 * @returns {string}
 */
export function cancelKey(queue, id) {
  return `concurry:${queue}:cancelled:${id}`;
}

function b64(buf) {
  return Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('base64');
}

/**
 * Node's deserializer makes each typed array a view of the message buffer
 * (and Buffer.from(base64) of a small message is a slice of Node's shared
 * 8 KB pool, holding unrelated data of this process): here every typed array
 * / Buffer / DataView gets an ArrayBuffer of its own holding exactly its bytes,
 * so `new Uint8Array(u.buffer)` and transfers see only the value.
 */
class OwnDeserializer extends DefaultDeserializer {
  _readHostObject() {
    const at = this.buffer.byteOffset;
    const typeIndex = this.readUint32();
    const byteLength = this.readUint32();
    const off = this._readRawBytes(byteLength);
    const ab = new ArrayBuffer(byteLength);
    new Uint8Array(ab).set(new Uint8Array(this.buffer.buffer, at + off, byteLength));
    if (typeIndex === 10) return Buffer.from(ab); // Node's FastBuffer: a Buffer over ab
    const ctor = VIEW_TYPES[typeIndex];
    if (ctor === undefined) throw new TypeError(`remote job: unknown typed array type ${typeIndex} in a message`);
    return new ctor(ab, 0, byteLength / (ctor.BYTES_PER_ELEMENT || 1));
  }
}

/** Node's v8 module's index of each ArrayBufferView type (lib/v8.js; 10 is Buffer). */
const VIEW_TYPES = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  Float32Array, Float64Array, DataView, undefined, BigInt64Array, BigUint64Array];
if (typeof globalThis.Float16Array === 'function') VIEW_TYPES[13] = globalThis.Float16Array;

/** v8.deserialize with OwnDeserializer. */
function deserializeOwn(buf) {
  const d = new OwnDeserializer(buf);
  d.readHeader();
  return d.readValue();
}

function unb64(s, what) {
  if (typeof s !== 'string') throw new TypeError(`remote job: ${what} must be a base64 string; got ${s === null ? 'null' : typeof s}`);
  return deserializeOwn(Buffer.from(s, 'base64'));
}

/**
 * The arguments of a call, for job.data.args. Throws DataCloneError naming the
 * path of what cannot be cloned (`args[1].config.fn: function`).
 * @param {unknown[]} args (futures already unwrapped)
 * @param {string} method
 * @returns {string}
 */
export function encodeArgs(args, method) {
  try {
    return b64(serialize(args));
  } catch (e) {
    throw dataCloneError(args, 'args', `the arguments of '${method}'`, e);
  }
}

/**
 * @param {string} s job.data.args
 * @returns {unknown[]}
 */
export function decodeArgs(s) {
  const a = unb64(s, 'data.args');
  if (!Array.isArray(a)) throw new TypeError('remote job: data.args must encode an array of arguments');
  return a;
}

/**
 * job.data for a call.
 * @param {{ method: string, args: unknown[], retries?: number, timeoutMs?: number|null, cancelGraceMs?: number }} c
 * @returns {{ v: number, method: string, args: string, retries: number, timeoutMs: number|null, cancelGraceMs: number }}
 */
export function jobData(c) {
  return {
    v: WIRE_VERSION,
    method: c.method,
    args: encodeArgs(c.args, c.method),
    retries: c.retries ?? 0,
    timeoutMs: c.timeoutMs === undefined || c.timeoutMs === null || c.timeoutMs < 0 || c.timeoutMs === Infinity ? null : c.timeoutMs,
    cancelGraceMs: c.cancelGraceMs ?? DEFAULT_CANCEL_GRACE_MS,
  };
}

/**
 * Checks job.data from the queue (a job may come from anything that can write
 * to Redis): the fields, normalized, or a TypeError saying what is wrong.
 * @param {unknown} d
 * @returns {{ method: string, args: unknown[], retries: number, timeoutMs: number|null, cancelGraceMs: number }}
 */
export function parseJobData(d) {
  if (d === null || typeof d !== 'object') throw new TypeError('remote job: data must be an object { v, method, args, retries, timeoutMs, cancelGraceMs }');
  const o = /** @type {Record<string, any>} */ (d);
  if (o.v !== WIRE_VERSION) {
    throw new TypeError(`remote job: data.v is ${JSON.stringify(o.v)}; this concurry-worker speaks version ${WIRE_VERSION} (client and worker must be the same concurry-wasm version)`);
  }
  return { ...parseCall(o), cancelGraceMs: parseGrace(o.cancelGraceMs) };
}

/** A call's own fields (a version-1 job's, or one of a batch's), checked; TypeError naming the field. */
function parseCall(o) {
  if (typeof o.method !== 'string' || o.method === '') throw new TypeError('remote job: data.method must be a non-empty string');
  const retries = o.retries ?? 0;
  if (!Number.isInteger(retries) || retries < 0) throw new TypeError(`remote job: data.retries must be an integer >= 0; got ${JSON.stringify(o.retries)}`);
  const timeoutMs = o.timeoutMs ?? null;
  if (timeoutMs !== null && !(typeof timeoutMs === 'number' && timeoutMs >= 0 && Number.isFinite(timeoutMs))) {
    throw new TypeError(`remote job: data.timeoutMs must be null or a finite number >= 0; got ${JSON.stringify(o.timeoutMs)}`);
  }
  return { method: o.method, args: decodeArgs(o.args), retries, timeoutMs };
}

/** A job's cancelGraceMs, checked (absent: the default). */
function parseGrace(v) {
  const g = v ?? DEFAULT_CANCEL_GRACE_MS;
  if (!(typeof g === 'number' && g >= 0 && Number.isFinite(g))) {
    throw new TypeError(`remote job: data.cancelGraceMs must be a finite number >= 0; got ${JSON.stringify(v)}`);
  }
  return g;
}

/**
 * The job's return value for a task that returned `value`.
 * @param {unknown} value
 * @param {string} [method]
 * @returns {{ ok: string } | { err: string }}
 */
export function encodeOk(value, method = 'task') {
  try {
    return { ok: b64(serialize(encodeResult(value))) };
  } catch (e) {
    return encodeErr(dataCloneError(value, 'result', `the result of '${method}'`, e));
  }
}

/**
 * The job's return value for a task that threw `err` (or an infrastructure
 * failure: WorkerCrashedError, CancelledError, TimeoutError).
 * @param {unknown} err
 * @returns {{ err: string }}
 */
export function encodeErr(err) {
  return { err: b64(serialize(serializeError(err))) };
}

/**
 * A job's return value (from the `completed` event, or read from Redis, where
 * BullMQ keeps it as JSON text) decoded.
 * @param {unknown} rv
 * @returns {{ ok: true, value: unknown } | { ok: false, error: unknown }}
 */
export function decodeOutcome(rv) {
  let r = rv;
  if (typeof r === 'string') r = JSON.parse(r);
  if (r !== null && typeof r === 'object') {
    if (typeof r.ok === 'string') return { ok: true, value: decodeResult(unb64(r.ok, 'returnvalue.ok')) };
    if (typeof r.err === 'string') return { ok: false, error: deserializeError(unb64(r.err, 'returnvalue.err')) };
  }
  throw new TypeError(`remote job: the return value is not a concurry outcome ({ ok } or { err }): ${String(JSON.stringify(r)).slice(0, 200)}`);
}

/**
 * What job.updateProgress() gets for a progress value.
 * @param {unknown} value
 * @returns {{ cy: string }}
 */
export function encodeProgress(value) {
  return { cy: b64(serialize(value)) };
}

/**
 * The progress value of a `progress` event; `ours` is false for progress
 * that is not ours (e.g. a number set by another tool).
 * @param {unknown} p
 * @returns {{ ours: boolean, value: unknown }}
 */
export function decodeProgress(p) {
  if (p !== null && typeof p === 'object' && typeof /** @type {any} */ (p).cy === 'string') {
    return { ours: true, value: unb64(/** @type {any} */ (p).cy, 'progress.cy') };
  }
  return { ours: false, value: undefined };
}

/**
 * A cancel message for the cancel channel.
 * @param {string} id job id
 * @param {'cancel'|'timeout'} reason
 * @returns {string}
 */
export function encodeCancel(id, reason) {
  return JSON.stringify({ id: String(id), reason });
}

/**
 * A message from the cancel channel, or null when it is not one.
 * @param {string|Buffer} msg
 * @returns {{ id: string, reason: 'cancel'|'timeout' } | null}
 */
export function parseCancel(msg) {
  try {
    const o = JSON.parse(String(msg));
    if (o && typeof o.id === 'string' && CANCEL_REASONS.includes(o.reason)) return { id: o.id, reason: o.reason };
  } catch { /* not ours */ }
  return null;
}

/*
 * Batch jobs (version 2): several calls made in the same tick travel as one
 * BullMQ job, so BullMQ's per-job work (its add, fetch, lock, finish scripts,
 * events) is paid once per batch, not once per call. A call keeps its own id
 * (cancels and cancel keys name it), method, arguments, retries and timeout.
 * A batch of one call is sent as a version-1 job (jobData), unchanged.
 */

/** Version of a batch job's data. */
export const BATCH_VERSION = 2;

/** Most calls in one batch job (a client's maxBatch may be lower). */
export const MAX_BATCH = 1000;

/**
 * job.data of a batch job.
 * @param {{ id: string, data: ReturnType<typeof jobData> }[]} items calls of the batch, in order,
 *   each with its id and its version-1 data (jobData(): arguments already encoded)
 * @returns {{ v: number, cancelGraceMs: number, calls: { id: string, method: string, args: string, retries: number, timeoutMs: number|null }[] }}
 */
export function batchJobData(items) {
  return {
    v: BATCH_VERSION,
    cancelGraceMs: items[0].data.cancelGraceMs,
    calls: items.map(({ id, data }) => ({ id, method: data.method, args: data.args, retries: data.retries, timeoutMs: data.timeoutMs })),
  };
}

/**
 * The calls of a job, checked: a version-1 job is one call whose id is the
 * job's; a batch job lists its calls. A call whose own fields are wrong gets
 * `error` (its outcome), the others still run; data that is not a job at all
 * throws a TypeError (the job's outcome).
 * @param {unknown} d job.data
 * @param {string} jobId
 * @returns {{ batch: boolean, cancelGraceMs: number, calls: { id: string, method: string, args: unknown[],
 *   retries: number, timeoutMs: number|null, error: Error|null }[] }}
 */
export function parseJobs(d, jobId) {
  const o = /** @type {Record<string, any>} */ (d);
  if (o === null || typeof o !== 'object' || o.v !== BATCH_VERSION) {
    const one = parseJobData(d);
    return { batch: false, cancelGraceMs: one.cancelGraceMs, calls: [{ id: jobId, ...one, error: null }] };
  }
  if (!Array.isArray(o.calls) || o.calls.length === 0 || o.calls.length > MAX_BATCH) {
    throw new TypeError(`remote job: data.calls must be an array of 1..${MAX_BATCH} calls`);
  }
  const cancelGraceMs = parseGrace(o.cancelGraceMs);
  const calls = o.calls.map((c, i) => {
    const obj = c !== null && typeof c === 'object' && !Array.isArray(c);
    const id = obj && typeof c.id === 'string' && c.id !== '' ? c.id : `${jobId}#${i}`;
    const method = obj && typeof c.method === 'string' ? c.method : 'task';
    try {
      if (!obj) throw new TypeError('remote job: it must be an object { id, method, args, retries, timeoutMs }');
      return { id, ...parseCall(c), cancelGraceMs, error: null };
    } catch (e) {
      // Named by its place in the job: `remote job: data.calls[3]: data.method must be ...`.
      const why = String(/** @type {Error} */ (e).message).replace(/^remote job: /, '');
      const err = new TypeError(`remote job: data.calls[${i}]: ${why}`, { cause: e });
      return { id, method, args: [], retries: 0, timeoutMs: null, cancelGraceMs, error: err };
    }
  });
  return { batch: true, cancelGraceMs, calls };
}

/**
 * A batch job's return value: the outcome of each call, in the job's order.
 * @param {({ ok: string } | { err: string })[]} outs
 * @returns {{ outs: ({ ok: string } | { err: string })[] }}
 */
export function encodeBatchResult(outs) {
  return { outs };
}

/**
 * A batch job's return value (the `completed` event's, or read from Redis as
 * JSON text): one outcome per call, or, for a job that failed as a whole (its
 * data unreadable), the same outcome for each.
 * @param {unknown} rv
 * @param {number} n calls in the batch
 * @returns {unknown[]} raw outcomes, for decodeOutcome
 */
export function batchOutcomes(rv, n) {
  let r = rv;
  if (typeof r === 'string') r = JSON.parse(r);
  if (r !== null && typeof r === 'object' && Array.isArray(/** @type {any} */ (r).outs)) {
    const outs = /** @type {any} */ (r).outs;
    if (outs.length !== n) throw new TypeError(`remote job: the batch's return value has ${outs.length} outcomes for ${n} calls`);
    return outs;
  }
  return new Array(n).fill(r);
}

/** Name of the events-stream entries a worker adds for a batch job's calls (remote-report.js). */
export const CALL_EVENT = 'concurry';

/**
 * The records of a `concurry` event entry: [kind, index, payload] with kind
 * 'o' (the call's outcome, as encodeOk/encodeErr's JSON) or 'p' (a progress
 * value, as encodeProgress's JSON).
 * @param {unknown} d the entry's `d` field
 * @returns {[string, number, string][]}
 */
export function parseCallRecords(d) {
  const a = JSON.parse(String(d));
  if (!Array.isArray(a)) throw new TypeError('remote event: d must be an array of records');
  return a;
}
