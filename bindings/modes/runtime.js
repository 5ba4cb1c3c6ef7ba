/**
 * The worker side of the thread and process pools (one code path for both;
 * the entry files only adapt the channel). It loads the target module, runs
 * the tasks handed to it one at a time in the order received, and reports
 * outcomes and progress to the pool in batches.
 *
 * Protocol (arrays, cheap to clone):
 *   pool -> worker  ['init', moduleURL]
 *                   ['run', [id, method, args, attempt, future, cell, seq, ...]]   (a batch,
 *                           flat; future: the call's cy_future* when the pool gave a
 *                           ring, else 0; cell, seq: the call's claim cell, below, or -1, 0)
 *                   ['cancel', id, why]   why: 0 cancel, 1 timeout
 *                   ['reclaim', n]        give back up to n calls not started (the
 *                           newest), as K_RETURNED (an empty one when none are left)
 *                   ['exit']              leave once nothing runs
 *   worker -> pool  ['ready'] | ['loadError', error]
 *                   ['b', [kind, id, payload, ...], ringTail]  kinds below, in order;
 *                           ringTail: where the ring's tail is once this batch's
 *                           outcomes are published (undefined without a ring)
 *
 * Claim cells (threads with a slot): a call handed to a worker but not
 * started can be taken back by the pool while the worker is busy with a long
 * call, so that an idle worker runs it (pool.js, _steal). Each handed call
 * has a cell, an Int32 of the slot that the pool set to the call's hand-off
 * number (seq, unique and never 0). Whoever turns it from seq to something
 * else with one compareExchange owns the call: the worker (to 0) just before
 * it starts it, or (to -seq) as it gives it back after a cancel; the pool (to
 * 0) when it takes it back. A call the worker cannot claim is skipped
 * silently: the pool has it. So a crash fails exactly the calls whose cell
 * the worker set to 0 and requeues the rest. Without cells (processes, no
 * SharedArrayBuffer) the pool asks with a 'reclaim' message, answered between
 * calls.
 *
 * The worker never blocks its event loop between tasks (no Atomics.wait, the
 * limit of piscina #316/#346): tasks arrive as messages, so timers and I/O
 * the module started keep running while the worker is idle.
 *
 * Which task runs is published before it starts, so that when the worker
 * dies the pool fails exactly that task and requeues the rest: in a shared
 * Int32 (`slot`, threads) or by `started(id)` (processes: 4 bytes on a pipe
 * the pool reads, far cheaper than a message). With neither, each outcome is
 * sent before the next task starts (`flushEach`), so the first unreported
 * task is the one running.
 * @module concurry-wasm/modes/runtime
 */
import { TaskContext, runWithTask, takeTransfer } from '../task-context.js';
import { serializeError, dataCloneError, encodeResult, cloneable } from './boundary.js';
import { moduleTable, missingMethodError } from './target.js';
import { CancelledError, TimeoutError } from '../errors.js';

/** Entry kinds of a 'b' message. */
export const K_OK = 0;      // payload: the value
export const K_ERR = 1;     // payload: serializeError record
export const K_PROGRESS = 2; // payload: the progress value
export const K_RETURNED = 3; // payload: ids handed but not started, given back (id unused)
export const K_DROPPED = 4;  // a cancelled task that had not started (payload unused)
export const K_SETTLED = 5;  // a cancelled task settled (its outcome is not wanted)

/**
 * Int32 index in a thread's slot of its cancel cell: the id of the call the
 * pool last stopped while it ran there, negated for a timeout (0: none).
 * Written before the 'cancel' message, so that a synchronous task that reads
 * its signal sees the cancel at once (PoolTaskContext) instead of after it
 * returns, when the worker reads its messages.
 */
export const CANCEL_AT = 3;
/** Int32 index in a thread's slot of its first claim cell (0: running id, 1: last started id, 2: exit code + 1, 3: CANCEL_AT). */
export const CELL_AT = 4;
/** Claim cells per thread: the most calls handed to one worker at a time (pool.js PIPELINE). */
export const CELLS = 64;
/** Int32s in a thread's slot (thread.js allocates it). */
export const SLOT_INTS = CELL_AT + CELLS;

/** Sync tasks run back to back for at most this long before the worker yields (ms). */
const SLICE_MS = 8;
/** Outcomes sent at least every this many tasks, so the pool refills the worker before it runs dry. */
const FLUSH_EVERY = 16;
/**
 * Whether v holds something structured clone refuses, without cloning the
 * plain data: functions and symbols in itself or in the arrays, plain
 * objects, Maps and Sets inside it (what is refused most often), and any
 * other object inside (a class instance, a WeakMap) by one trial clone of
 * that object alone. Each object is looked at once (`seen`: a cycle, or a
 * node shared many times, costs nothing more). Depth-bounded: a deeper one
 * is left to the send.
 */
function holdsUncloneable(v, depth, seen) {
  if (typeof v === 'function' || typeof v === 'symbol') return true;
  if (v === null || typeof v !== 'object' || depth > 64 || ArrayBuffer.isView(v) || seen.has(v)) return false;
  seen.add(v);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (holdsUncloneable(v[i], depth + 1, seen)) return true;
    return false;
  }
  if (v instanceof Map) {
    for (const [k, x] of v) if (holdsUncloneable(k, depth + 1, seen) || holdsUncloneable(x, depth + 1, seen)) return true;
    return false;
  }
  if (v instanceof Set) {
    for (const x of v) if (holdsUncloneable(x, depth + 1, seen)) return true;
    return false;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return !cloneable(v);
  for (const k in v) if (holdsUncloneable(v[k], depth + 1, seen)) return true;
  return false;
}

/** Without claim cells or drain(): the most ms of calls a worker runs before it reads its messages again (pump()). */
const READ_MS = 0.25;

const now = typeof performance === 'object' ? () => performance.now() : () => Date.now();

/** Views over the core's memory for publishing on a ring (info from ring.js's ringInfo). */
function openRing(info) {
  return {
    u32: new Uint32Array(info.buffer),
    i32: new Int32Array(info.buffer),
    head: info.head,
    tail: info.tail,
    entries: info.entries,
    stride: info.stride,
    code: info.code,
    capacity: info.capacity,
    bell: info.bell,
    next: info.start >>> 0,
  };
}

/**
 * Starts the runtime over a channel.
 * @param {{
 *   send(msg: unknown, transfer?: Transferable[]): void,
 *   onMessage(fn: (msg: any) => void): void,
 *   slot: Int32Array | null,
 *   started?: ((id: number) => boolean) | null,
 *   flushEach: boolean,
 *   transfers: boolean,
 *   yieldNow(fn: () => void): void,
 * }} ch
 *   slot: where the running task's id is published (thread mode): [0] the
 *     running task (0 between tasks), [1] when present the last one started;
 *   onExit(fn): (optional) runs fn as the worker exits, whatever ends it;
 *   started: publishes the id of a task about to start (process mode); false
 *     when it could not (the runtime falls back to flushEach);
 *   flushEach: send each outcome before the next task starts (process mode);
 *   transfers: ArrayBuffers given to transfer() move (thread) rather than copy;
 *   ring: a completion ring (ring.js's ringInfo) or null;
 *   hold(on): (optional) whether the channel keeps the worker alive (Node;
 *     off while the module loads);
 *   yieldNow(fn): runs fn in a task of its own, after the messages already
 *     waiting (Node: setImmediate; browsers: a MessageChannel);
 *   drain(): (optional) delivers the messages already waiting, at once, to
 *     the onMessage handler (Node threads: receiveMessageOnPort).
 * @returns {void}
 */
export function startRuntime(ch) {
  let fns = null;
  let thisOf = null;
  let started = ch.started || null;
  // With no way to say which call runs, each outcome goes before the next
  // call starts: then the first call not reported back is the one running.
  let flushEach = ch.flushEach || (!ch.slot && !ch.started);
  let moduleName = '';
  /** The claim cells (thread slots of SLOT_INTS), or null. */
  const cells = ch.slot && ch.slot.length >= SLOT_INTS ? ch.slot : null;
  /** Reads the messages waiting, synchronously (see pump()), or null. */
  const drain = cells === null && typeof ch.drain === 'function' ? ch.drain : null;
  /** Tasks received and not started. */
  let queue = [];
  let qHead = 0;
  /** The running task, or null. */
  let cur = null;
  let out = [];
  let outTransfer = [];
  /** [id, method, ...] of the results in `out`: a result that cannot be cloned is reported by its method. */
  let outNames = [];
  let flushQueued = false;
  let exiting = false;
  let pumping = false;
  /** When outcomes last went out (or were found to be none). */
  let lastFlush = 0;

  /* The completion ring (ring.js, wasm/src/ring.c), when the pool gave one:
   * the outcome of each call goes into the core's memory too, published
   * right after the message that carries its value. */
  const ring = ch.ring ? openRing(ch.ring) : null;
  /** id -> cy_future* of the outcomes in `out` that go into the ring. */
  const fptrOf = new Map();

  function flush() {
    flushQueued = false;
    lastFlush = now();
    if (out.length === 0) return;
    const entries = out;
    const tl = outTransfer;
    const names = outNames;
    out = [];
    outTransfer = [];
    outNames = [];
    let fit = 0;
    if (ring !== null && fptrOf.size) {
      const room = ring.capacity - ((ring.next - Atomics.load(ring.u32, ring.head)) >>> 0);
      fit = Math.min(fptrOf.size, room);
    }
    const tail = ring !== null ? (ring.next + fit) >>> 0 : undefined;
    let sent;
    try {
      ch.send(['b', entries, tail], tl.length ? tl : undefined);
      sent = entries;
    } catch (e) {
      sent = sendChecked(entries, tl, e, tail, names);
    }
    if (ring !== null) {
      if (fit > 0) publish(sent, fit, tail);
      fptrOf.clear();
    }
  }

  /** Writes the first `fit` ringed outcomes of `entries`, then the tail, then rings the bell. */
  function publish(entries, fit, tail) {
    const { u32, i32, capacity, stride, code } = ring;
    let pos = ring.next;
    for (let i = 0; i < entries.length && fit > 0; i += 3) {
      const kind = entries[i];
      if (kind !== K_OK && kind !== K_ERR) continue;
      const f = fptrOf.get(entries[i + 1]);
      if (f === undefined) continue;
      const at = ring.entries + (pos & (capacity - 1)) * stride;
      u32[at] = f;
      i32[at + code] = kind === K_OK ? 0 : 1;
      pos = (pos + 1) >>> 0;
      fit--;
    }
    ring.next = tail;
    Atomics.store(u32, ring.tail, tail);
    Atomics.add(i32, ring.bell, 1);
    Atomics.notify(i32, ring.bell);
  }

  /** A batch that failed to clone: each value that cannot is replaced by a DataCloneError. Returns what was sent. */
  function sendChecked(entries, tl, cause, tail, names) {
    for (let i = 0; i < entries.length; i += 3) {
      const kind = entries[i];
      if (kind !== K_OK && kind !== K_PROGRESS) continue;
      try {
        structuredClone(entries[i + 2]);
      } catch (e) {
        const what = kind === K_OK ? 'the result' : 'a progress value';
        entries[i] = kind === K_OK ? K_ERR : K_PROGRESS;
        entries[i + 2] = kind === K_OK
          ? serializeError(dataCloneError(entries[i + 2], 'result', `${what} of '${methodOf(names, entries[i + 1])}'`, e))
          : undefined;
      }
    }
    try {
      ch.send(['b', entries, tail], tl.length ? tl : undefined);
      return entries;
    } catch (e) {
      // Still not sendable (a transfer list naming a detached buffer, say):
      // every task of the batch fails with the reason rather than hang.
      const err = serializeError(e || cause);
      const safe = [];
      for (let i = 0; i < entries.length; i += 3) {
        const kind = entries[i];
        if (kind === K_OK || kind === K_ERR) safe.push(K_ERR, entries[i + 1], err);
        else if (kind !== K_PROGRESS) safe.push(kind, entries[i + 1], entries[i + 2]);
      }
      ch.send(['b', safe, tail]);
      return safe;
    }
  }

  function methodOf(names, id) {
    for (let i = 0; i < names.length; i += 2) if (names[i] === id) return names[i + 1];
    return `task ${id}`;
  }

  function scheduleFlush() {
    if (!flushQueued) {
      flushQueued = true;
      queueMicrotask(flush);
    }
  }

  function push(kind, id, payload) {
    out.push(kind, id, payload);
  }

  function finish(t, ok, value) {
    if (cur !== t) return;
    cur = null;
    if (ch.slot) Atomics.store(ch.slot, 0, 0);
    if (t.cancelled) {
      push(K_SETTLED, t.id, undefined);
      return;
    }
    if (ring !== null && t.fptr) fptrOf.set(t.id, t.fptr);
    if (ok) {
      const tv = takeTransfer(value);
      push(K_OK, t.id, encodeResult(tv.value));
      outNames.push(t.id, t.method);
      // Process mode copies: the list only says what to move in thread mode.
      if (ch.transfers) for (let i = 0; i < tv.list.length; i++) outTransfer.push(tv.list[i]);
    } else {
      push(K_ERR, t.id, serializeError(value));
    }
  }

  /** The cancel cell (threads with a slot), or null. */
  const cancelCell = ch.slot && ch.slot.length > CANCEL_AT ? ch.slot : null;

  /**
   * Whether the pool stopped t (its cancel cell names it) while t runs and
   * its 'cancel' message is not read yet; if so, acts on it now, as that
   * message will (which then finds it done).
   */
  function sawCancel(t) {
    if (cur !== t || t.cancelled) return false;
    const v = Atomics.load(/** @type {Int32Array} */ (cancelCell), CANCEL_AT);
    if (v !== t.id && v !== -t.id) return false;
    onCancel(t.id, v < 0 ? 1 : 0);
    return true;
  }

  /**
   * `signal.aborted` and `signal.throwIfAborted()` of t's signal, as own
   * members of that one AbortSignal: each read first looks at the cancel
   * cell. A synchronous task checking its signal in a loop (demo/tasks.mjs's
   * mandelbrot, per row) thus stops at its next check; without this it would
   * only see the abort after it returned, or be terminated after
   * cancelGraceMs. 'abort' listeners fire at that read (or when the message
   * comes, whichever is first).
   */
  function watchCancelCell(signal, t) {
    const proto = Object.getPrototypeOf(signal);
    const d = proto && Object.getOwnPropertyDescriptor(proto, 'aborted');
    const throwIf = proto && proto.throwIfAborted;
    if (!d || typeof d.get !== 'function') return;
    const abortedGet = d.get;
    Object.defineProperty(signal, 'aborted', {
      configurable: true,
      enumerable: false,
      get() { sawCancel(t); return abortedGet.call(this); },
    });
    if (typeof throwIf === 'function') {
      Object.defineProperty(signal, 'throwIfAborted', {
        configurable: true,
        enumerable: false,
        writable: true,
        value: function throwIfAborted() { sawCancel(t); return throwIf.call(this); },
      });
    }
  }

  /**
   * What currentTask() answers inside t: the one TaskContext (signal made on
   * first use, abort on cancel, read through the cancel cell when there is
   * one), its progress sent to the pool in t's batch.
   */
  class PoolTaskContext extends TaskContext {
    constructor(t) {
      super({ attempt: t.attempt, method: t.method });
      this.t = t;
    }

    /** @returns {AbortSignal} */
    get signal() {
      const made = this._signal === null;
      const s = super.signal;
      if (made && cancelCell !== null) watchCancelCell(s, this.t);
      return s;
    }

    /** @protected */
    _deliver(value) {
      const t = this.t;
      if (cur !== t || t.cancelled) return;
      // A value that cannot cross is refused here, at the task's own call,
      // with its path: found only when the batch is sent, it could no longer
      // be reported to anyone (the caller's onProgress would get undefined).
      // The check walks plain data without cloning it (the send clones the
      // value once; a check by structuredClone cloned every object report
      // twice) and trial-clones only objects of other classes
      // (holdsUncloneable); what is deeper than its bound is found at the
      // send (sendChecked).
      if (value !== null && (typeof value === 'object' || typeof value === 'function' || typeof value === 'symbol') &&
          holdsUncloneable(value, 0, new Set())) {
        throw dataCloneError(value, 'value', `a progress value of '${t.method}'`);
      }
      push(K_PROGRESS, t.id, value);
      scheduleFlush();
    }
  }

  /** Starts t; true when it finished synchronously. */
  function start(t) {
    cur = t;
    if (ch.slot) {
      Atomics.store(ch.slot, 0, t.id);
      // Never cleared: the calls handed before it (in hand-off order) have run.
      if (ch.slot.length > 1) Atomics.store(ch.slot, 1, t.id);
    } else if (started !== null && !started(t.id)) {
      started = null;
      flushEach = true;
    }
    const fn = fns[t.method];
    if (typeof fn !== 'function') {
      finish(t, false, missingMethodError(t.method, `the module '${moduleName}'`, fn));
      return true;
    }
    let r;
    try {
      r = runWithTask(t.ctx = new PoolTaskContext(t), fn, thisOf[t.method], t.args);
    } catch (e) {
      finish(t, false, e);
      return true;
    }
    // As `await r` would: a `then` getter that throws fails the call (the
    // throw must not escape pump(), which would leave `cur` set for ever).
    let then;
    try {
      then = r !== null && (typeof r === 'object' || typeof r === 'function') ? r.then : undefined;
    } catch (e) {
      finish(t, false, e);
      return true;
    }
    if (typeof then === 'function') {
      Promise.resolve(r).then((v) => { finish(t, true, v); pump(); }, (e) => { finish(t, false, e); pump(); });
      return false;
    }
    finish(t, true, r);
    return true;
  }

  /** Whether this worker now owns t (its cell said it was not taken back); the worker then runs it. */
  function claim(t) {
    return t.cell < 0 || cells === null || Atomics.compareExchange(cells, CELL_AT + t.cell, t.seq, 0) === t.seq;
  }

  let pumpQueued = false;
  /**
   * Runs pump() in a task of its own, behind the messages already waiting.
   * A 'run' message only queues its calls: run inside its handler, they
   * would go before the messages behind it (Node reads all waiting messages
   * in one turn, each 'run' running a call; a browser, one per turn), and a
   * cancel or reclaim of a call not started would come after that call ran.
   */
  function schedulePump() {
    if (pumpQueued) return;
    pumpQueued = true;
    ch.yieldNow(() => {
      pumpQueued = false;
      pump();
    });
  }

  /**
   * Runs the calls received, one after another, for up to a slice.
   * Without claim cells (processes, threads without SharedArrayBuffer) a
   * cancel of a call handed here and not started comes only as a message,
   * and a call cancelled while the one before it ran would start before its
   * 'cancel' was read. So the messages waiting are read before each call
   * after the first of a slice where that is synchronous (drain(): Node
   * threads), else by yielding to the event loop once READ_MS of calls ran
   * since they were last read (processes: a yield per tiny call cost about
   * as much as the call): a cancel that reached the worker READ_MS before
   * the call would start is honoured, one still on its way cannot be. With
   * cells, the pool takes the call's cell and the worker's claim fails.
   */
  function pump() {
    if (pumping || cur !== null) return;
    pumping = true;
    const t0 = now();
    let n = 0;
    let ran = false;
    try {
      while (qHead < queue.length) {
        if (ran && cells === null && (drain !== null || now() - t0 >= READ_MS)) {
          if (drain === null) {
            // Outcomes go out as they would have in one slice: every
            // FLUSH_EVERY calls, and at least every SLICE_MS.
            if (out.length >= 3 * FLUSH_EVERY || (out.length && now() - lastFlush >= SLICE_MS)) flush();
            ch.yieldNow(pump);
            return;
          }
          drain();
          if (qHead >= queue.length || cur !== null) break;
        }
        const t = queue[qHead];
        queue[qHead++] = undefined;
        if (qHead === queue.length) { queue = []; qHead = 0; }
        // Taken back by the pool (another worker runs it): nothing to report.
        if (!claim(t)) continue;
        if (out.length && (flushEach || ++n % FLUSH_EVERY === 0)) flush();
        ran = true;
        if (!start(t)) break;
        if (now() - t0 > SLICE_MS) {
          // Long run of sync tasks: report what is done and let messages
          // (cancel, more tasks) in before going on.
          flush();
          ch.yieldNow(pump);
          return;
        }
      }
    } finally {
      pumping = false;
    }
    flush();
    if (exiting && cur === null && qHead >= queue.length) ch.exit();
  }

  /**
   * Gives the pool back the newest `max` calls not started (all by default),
   * as one K_RETURNED entry naming them in hand-off order; `always`: sends
   * the entry even when there is none (the answer to 'reclaim'). A call the
   * pool took back already (its cell) is dropped without a word.
   */
  function giveBack(max = Infinity, always = false) {
    const ids = [];
    let i = queue.length;
    while (i > qHead && ids.length < max) {
      const t = queue[--i];
      if (t.cell < 0 || cells === null || Atomics.compareExchange(cells, CELL_AT + t.cell, t.seq, -t.seq) === t.seq) ids.push(t.id);
    }
    queue.length = i;
    if (qHead >= queue.length) { queue = []; qHead = 0; }
    if (ids.length === 0 && !always) return;
    ids.reverse();
    push(K_RETURNED, 0, ids);
  }

  function onCancel(id, why) {
    if (cur !== null && cur.id === id) {
      // Seen already through the cancel cell (sawCancel): done.
      if (cur.cancelled) return;
      cur.cancelled = true;
      const reason = why === 1
        ? new TimeoutError('The task timed out')
        : new CancelledError('The task was cancelled');
      if (cur.ctx !== null) cur.ctx.abort(reason);
      // Calls handed here but not started move to other workers.
      giveBack();
      flush();
      return;
    }
    for (let i = qHead; i < queue.length; i++) {
      if (queue[i].id === id) {
        queue.splice(i, 1);
        push(K_DROPPED, id, undefined);
        flush();
        return;
      }
    }
  }

  async function init(url) {
    moduleName = String(url);
    let ns;
    // While the module loads, the channel does not keep the worker alive: a
    // top-level await that nothing can settle any more ends the worker (the
    // pool then fails the load) instead of leaving it waiting for ever.
    if (ch.hold) ch.hold(false);
    try {
      ns = await import(url);
    } catch (e) {
      if (ch.hold) ch.hold(true);
      ch.send(['loadError', serializeError(e)]);
      return;
    }
    if (ch.hold) ch.hold(true);
    ({ fns, thisOf } = moduleTable(ns));
    ch.send(['ready']);
    pump();
  }

  // A call that ends the worker (process.exit, an uncaught error) does not
  // take the outcomes of the calls before it along: they go out first, so
  // the pool neither runs those calls again nor fails them.
  if (ch.onExit) ch.onExit(flush);

  ch.onMessage((m) => {
    switch (m[0]) {
      case 'run': {
        const a = m[1];
        for (let i = 0; i < a.length; i += 7) {
          queue.push({
            id: a[i], method: a[i + 1], args: a[i + 2], attempt: a[i + 3], fptr: a[i + 4], cell: a[i + 5], seq: a[i + 6],
            cancelled: false, ctx: null,
          });
        }
        if (fns !== null) schedulePump();
        break;
      }
      case 'cancel': onCancel(m[1], m[2]); break;
      case 'reclaim':
        giveBack(m[1], true);
        flush();
        break;
      case 'init': init(m[1]); break;
      case 'exit':
        exiting = true;
        if (cur === null && qHead >= queue.length) ch.exit();
        break;
      default: break;
    }
  });
}
