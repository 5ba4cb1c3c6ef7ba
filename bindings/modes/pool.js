/**
 * The pool behind thread and process workers (DESIGN.md, "Workers"): one
 * queue of calls, balanced over up to `maxWorkers` workers (round-robin or
 * least-busy), backpressure (`maxQueued`, whenIdle, whenAvailable), idle
 * exits, recycling, cancel and timeouts that stop the work, crashes that fail
 * only the calls running on the dead worker, retries, and stop.
 *
 * The transport is the mode's (thread.js, process.js): `spawn(id)` gives a
 * handle `{ post(msg, transfer), terminate(), ref(), unref(), slot }` whose
 * owner sets `onmessage(msg)` and `onexit(exitCode, signal, error)`. The
 * worker side is runtime.js.
 *
 * Hand-off: calls go to workers in batches (one message carries many), and a
 * worker whose calls finish quickly is given several at a time (a pipeline,
 * up to PIPELINE), so tiny calls cost a fraction of a message each; a worker
 * running slow calls gets one at a time. A pipeline is a guess from the calls
 * before: when the calls of a burst differ in cost, one worker can be left
 * with a long pipeline while another runs dry. So a worker with nothing in
 * flight, when nothing is queued, takes half of the calls another worker was
 * handed and has not started (_steal): threads through their claim cells
 * (runtime.js) at once, even while that worker runs a long call; processes
 * and threads without SharedArrayBuffer by a 'reclaim' message the worker
 * answers between calls. The worker they are taken from gets no more until
 * it reports an outcome. A cancelled call a thread was handed and has not
 * started is removed the same way, through its cell, so it never runs.
 * Outcomes come back in batches too and reach the core in one
 * cy_js_complete per batch (futures/task.js).
 *
 * Invariants: every accepted call's future settles (result, error,
 * CancelledError, TimeoutError, WorkerCrashedError) whatever the workers do;
 * a call is in exactly one place (unwrapping, the queue, one worker's
 * `inflight`, or done); a worker with nothing in flight is unref'd, so an
 * idle pool never keeps the process alive.
 * @module concurry-wasm/modes/pool
 */
import { completeTasks, claimTask, finishClaim, OK, FAILED, CANCELLED } from '../futures/task.js';
import { CancelledError, TimeoutError, WorkerCrashedError, DataCloneError } from '../errors.js';
import { deserializeError, decodeResult, dataCloneError, findUncloneable } from './boundary.js';
import { unwrapArgs, findFuture } from './unwrap.js';
import { K_OK, K_ERR, K_PROGRESS, K_RETURNED, K_DROPPED, K_SETTLED, CANCEL_AT, CELL_AT, CELLS, SLOT_INTS } from './runtime.js';
import { Waiters } from './waiters.js';
import { refuseCall } from './admit.js';
import { moduleLoadError } from './load-error.js';
import { crashText } from './crash-text.js';
import { ringsAvailable, createRing, ringInfo, ringHead, freeRing, receiveMessageOnPort } from './ring.js';
import { abortFanout } from './abort-fanout.js';

/** An error entry whose payload was already rebuilt (by a synchronous read, _drainSync). */
const K_ERR_READY = 100;

/** Most calls handed to one worker at a time, when its calls are quick (a thread has a claim cell for each). */
const PIPELINE = CELLS;
/** A worker whose calls take less than this (ms, moving average) gets a pipeline. */
const QUICK_MS = 1;
/**
 * A worker without claim cells is asked for calls back ('reclaim') only when
 * those it has not started add up to at least this (ms, by its average) or
 * it has been silent that long (_worthReclaiming): a worker running sync
 * calls reads messages only between slices of this length (runtime.js
 * SLICE_MS), so less work is done before the request is read, and the
 * answer comes back empty (about half the requests did in runs of 20k tiny
 * calls, at the ends of rounds).
 */
const RECLAIM_MIN_MS = 8;

const T_UNWRAP = 0;
const T_QUEUED = 1;
const T_HANDED = 2;
const T_DONE = 3;

const W_STARTING = 0;
const W_READY = 1;
const W_DEAD = 2;

const now = typeof performance === 'object' ? () => performance.now() : () => Date.now();

function unrefTimer(t) {
  if (t && typeof t.unref === 'function') t.unref();
  return t;
}

/** One accepted call. */
class Task {
  constructor(pool, id, method, args, o) {
    this.pool = pool;
    this.id = id;
    this.method = method;
    this.args = args;
    this.transfer = o.transfer;
    this.onProgress = o.onProgress;
    this.retries = o.retries;
    this.state = T_UNWRAP;
    this.worker = null;
    /** Runs started (1 on the first hand-off). */
    this.attempts = 0;
    this.timer = null;
    /** With a timeout: when it passes (now()), for pumpSync(), which runs where timers cannot. */
    this.deadline = Infinity;
    this.timeout = -1;
    /** While handed to a thread with claim cells: its cell (else -1) and hand-off number there. */
    this.cell = -1;
    this.seq = 0;
    this.signal = null;
    this.onAbort = null;
    this.future = null;
  }

  /** Seen by the future: handed to a worker (running from the caller's view). */
  get started() { return this.state === T_HANDED; }

  /** The future's cancel(). */
  cancel() { return this.pool._stopTask(this, 0, null); }
}

/** One worker and what it holds. */
class Slot {
  constructor(id) {
    this.id = id;
    this.h = null;
    this.state = W_STARTING;
    /** id -> Task handed and not reported back, in hand-off order (the first is running). */
    this.inflight = new Map();
    /** Cancelled calls still in `inflight` (the worker is not given more until they leave). */
    this.zombies = 0;
    /** Held by cancelled calls alone (zombies > 0, nothing else in flight): counted in the pool's nHeld. */
    this.held = false;
    this.done = 0;
    this.avg = QUICK_MS * 2;
    this.mark = 0;
    this.expected = false;
    /** { value } once the worker reported what loading its module threw (any value: undefined too). */
    this.loadError = null;
    this.idleTimer = null;
    this.graceTimer = null;
    this.refd = true;
    /** Terminated because a cancelled call did not stop within cancelGraceMs. */
    this.stuck = false;
    /** The completion ring this worker publishes on (a cy_js_ring*), or 0. */
    this.ring = 0;
    this.ringInfo = null;
    /** The thread's slot when it has claim cells (runtime.js), else null; and the cells not in use. */
    this.cells = null;
    this.freeCells = null;
    /** Calls were taken back from it: it gets no more until it reports an outcome (or holds nothing). */
    this.barred = false;
    /** A 'reclaim' message is out (no claim cells); its answer (K_RETURNED) clears it. */
    this.reclaiming = false;
  }
}

/**
 * A pool of workers of one mode.
 */
export class Pool {
  /**
   * @param {'thread'|'process'} kind
   * @param {(slot: Slot) => any} spawn  starts a worker; returns its handle
   * @param {string} moduleURL
   * @param {{ maxWorkers: number, balance: string, maxQueued: number, idleTimeout: number,
   *   maxTasksPerWorker: number, resourceLimits: object|null, cancelGraceMs: number, retries: number,
   *   unwrapFutures: boolean }} opts createWorker()'s options as worker-options.js normalized them
   *   (maxQueued, maxTasksPerWorker: Infinity when unbounded; idleTimeout -1 for none)
   * @param {new (task: Task) => import('../futures/task.js').TaskFuture} Future
   */
  constructor(kind, spawn, moduleURL, opts, Future) {
    this.kind = kind;
    this.spawnFn = spawn;
    this.moduleURL = moduleURL;
    this.o = opts;
    this.Future = Future;
    /** @type {Slot[]} */ this.workers = [];
    this.nextWorkerId = 1;
    this.nextTaskId = 1;
    /** Hand-off numbers for claim cells: 1 .. 2^31-1, never 0. */
    this.nextSeq = 1;
    /** @type {(Task|undefined)[]} */ this.queue = [];
    this.qHead = 0;
    /** Accepted calls not yet handed (unwrapping or queued). */
    this.nWaiting = 0;
    /** Calls handed to workers, not reported back (zombies included). */
    this.nHanded = 0;
    /** Sum of the workers' zombies, and how many workers are held (Slot.held): kept as they change, not counted per call. */
    this.nZombies = 0;
    this.nHeld = 0;
    this.rr = 0;
    this.dispatchQueued = false;
    this.stopping = false;
    this.stopped = false;
    this.counts = { completed: 0, failed: 0, crashed: 0 };
    this.idleWaiters = new Waiters();
    this.availWaiters = new Waiters();
    this.exitWaiters = new Waiters();
    this.loadFailures = 0;
    /** Workers in a row that crashed before finishing any call. */
    this.barren = 0;
    this.firstReady = null;
    /** Calls whose argument futures are being awaited. @type {Set<Task>|null} */
    this._unwrapSet = null;
    /** Completion through the core (ring.js): thread workers in Node. */
    this.ring = kind === 'thread' && spawn.rings === true && ringsAvailable();
    /** Rings of workers that exited, for their replacements. */
    this.freeRings = [];
    /** Per ring: [tail, chunk tokens] the drainer may still touch until its head passes tail. */
    this.holds = new Map();
    /** Messages read synchronously (_drainSync), handled in order before any later one. */
    this.deferred = [];
    this.deferredQueued = false;
    /**
     * Whether a thread blocked in waitSync/gatherSync can run this pool
     * (pumpSync): thread workers in Node, whose messages can be read
     * synchronously and which say in their slot that they exited.
     */
    this.syncPump = kind === 'thread' && spawn.syncPump === true && receiveMessageOnPort !== null;
    /** Calls with a timeout, while they have one (pumpSync checks their deadlines). @type {Set<Task>|null} */
    this.timed = null;
  }

  /* ---- lifecycle ------------------------------------------------------- */

  /**
   * Starts the workers (maxWorkers of them; idle ones are unref'd) and
   * resolves once one has loaded the module; rejects with the module's load
   * error if the first cannot.
   * @returns {Promise<void>}
   */
  start() {
    return new Promise((resolve, reject) => {
      this.firstReady = { resolve, reject };
      this._spawn();
    }).then(() => {
      // The others start now but hold nothing: they never keep the process alive.
      for (let i = this.workers.length; i < this.o.maxWorkers; i++) {
        const w = this._spawn();
        if (w !== null) this._setRef(w, false);
      }
    });
  }

  _spawn() {
    const w = new Slot(this.nextWorkerId++);
    this.workers.push(w);
    if (this.ring) {
      try {
        w.ring = this.freeRings.length ? this.freeRings.pop() : createRing().ptr;
        w.ringInfo = ringInfo(w.ring);
      } catch {
        w.ring = 0; // out of core memory: this worker completes by message
      }
    }
    let h;
    try {
      h = this.spawnFn(w);
    } catch (e) {
      w.state = W_DEAD;
      this.workers.splice(this.workers.indexOf(w), 1);
      this._failStart(e);
      return null;
    }
    w.h = h;
    if (h.slot && h.slot.length >= SLOT_INTS) {
      w.cells = h.slot;
      w.freeCells = [];
      for (let c = CELLS - 1; c >= 0; c--) w.freeCells.push(c);
    }
    h.onmessage = (m) => this._onMessage(w, m);
    h.onexit = (code, signal, err, why) => this._onExit(w, code, signal, err, why);
    return w;
  }

  _failStart(e) {
    if (this.firstReady) {
      const fr = this.firstReady;
      this.firstReady = null;
      this.stopped = true;
      this.stopping = true;
      for (const w of this.workers) this._close(w);
      // Worded as sync and asyncio word it: the module's own error class, the original as cause.
      fr.reject(moduleLoadError(e, this.moduleURL));
      return;
    }
    // A replacement cannot load the module any more (it changed on disk, or
    // its import now throws): the calls waiting for a worker fail with that
    // error rather than wait for one that will never start.
    if (this.workers.some((x) => x.state === W_READY)) return;
    if (this.workers.some((x) => x.state === W_STARTING)) return;
    const fs = [];
    const vs = [];
    for (let i = this.qHead; i < this.queue.length; i++) {
      const t = this.queue[i];
      if (t === undefined || t.state !== T_QUEUED) continue;
      this._finishTask(t);
      fs.push(t.future);
      vs.push(e);
      this.counts.failed++;
    }
    this.queue = [];
    this.qHead = 0;
    const codes = fs.map(() => FAILED);
    completeTasks(fs, codes, vs);
    this._changed();
  }

  /** Ends worker w on purpose (idle, recycled, stopped, or past its grace). */
  _close(w) {
    if (w.state === W_DEAD || w.expected) return;
    w.expected = true;
    if (w.idleTimer) { clearTimeout(w.idleTimer); w.idleTimer = null; }
    try { w.h && w.h.terminate(); } catch { /* its exit event ends it */ }
  }

  _setRef(w, on) {
    if (w.refd === on || !w.h) return;
    w.refd = on;
    try { if (on) w.h.ref(); else w.h.unref(); } catch { /* gone */ }
  }

  /* ---- calls ----------------------------------------------------------- */

  /**
   * Accepted calls not running (DESIGN.md, maxQueued), with `extra` more:
   * of the live calls (unwrapping, queued, handed), as many as there are
   * workers to run them count as running, the rest as queued, as mode 'c'
   * counts. Counting from the total, not from where each call is, keeps
   * calls made in one go (handed a microtask later) and calls handed behind
   * a running one in a worker's pipeline alike.
   */
  queuedCount(extra = 0) {
    const live = this.nWaiting + this.nHanded - this.zombieCount() + extra;
    return live - Math.min(live, this._slots());
  }

  /** Workers that can run a call: maxWorkers, less those held by cancelled calls alone. */
  _slots() {
    return Math.max(0, this.o.maxWorkers - this.nHeld);
  }

  /** Cancelled calls still on workers. */
  zombieCount() {
    return this.nZombies;
  }

  /** Counts d more (or fewer) cancelled calls on w. */
  _zombie(w, d) {
    w.zombies += d;
    this.nZombies += d;
  }

  /** After w's inflight or zombies changed: whether cancelled calls alone hold it. */
  _reheld(w) {
    const h = w.state !== W_DEAD && w.zombies > 0 && w.inflight.size === w.zombies;
    if (h !== w.held) {
      w.held = h;
      this.nHeld += h ? 1 : -1;
    }
  }

  /**
   * Accepts a call. Throws QueueFullError (maxQueued reached) or
   * InvalidStateError (stopped) synchronously; everything else fails the future.
   * @param {string} method
   * @param {unknown[]} args
   * @param {{ signal: AbortSignal|null, timeout: number, transfer: Transferable[], onProgress: Function|null, retries: number|undefined,
   *   attempt?: number }} co `attempt`: the number of its first run (internal, default 1); `retries` then counts runs from 1
   */
  call(method, args, co) {
    refuseCall(this, method);
    const o = this.o;
    const transfer = co && co.transfer && co.transfer.length ? co.transfer : null;
    const t = new Task(this, this.nextTaskId++, method, args, {
      transfer,
      onProgress: (co && co.onProgress) || null,
      retries: co && co.retries !== undefined && co.retries !== null ? co.retries : o.retries,
    });
    // Runs made elsewhere before this call (remote mode: on a worker host that died): attempt numbers go on from there.
    if (co && co.attempt > 1) t.attempts = co.attempt - 1;
    const f = new this.Future(t);
    t.future = f;
    this.nWaiting++;
    const timeout = co && co.timeout !== undefined && co.timeout !== null ? co.timeout : -1;
    if (timeout >= 0 && timeout !== Infinity) {
      t.timer = unrefTimer(setTimeout(onTaskTimeout, timeout, t, timeout));
      t.deadline = now() + timeout;
      t.timeout = timeout;
      if (this.syncPump) (this.timed ??= new Set()).add(t);
    }
    const signal = co && co.signal;
    if (signal) {
      if (signal.aborted) {
        this._stopTask(t, 0, null);
        return f;
      }
      t.signal = signal;
      // One listener per signal however many calls share it (abort-fanout.js); t.onAbort is this call's entry.
      t.onAbort = abortFanout.add(signal, () => this._stopTask(t, 0, null));
    }
    if (timeout === 0) {
      // timeout: 0 (README): a call must be done when callWith returns; one
      // that needs a worker never is, so it fails now and never runs.
      this._stopTask(t, 1, 0);
      return f;
    }
    let p = null;
    if (!allPrimitive(args)) {
      // The scans read the arguments' members: a getter that throws fails
      // this call with a DataCloneError naming it (as the clone would), never
      // a synchronous throw past the accounting above.
      let at = null;
      try {
        if (o.unwrapFutures) p = unwrapArgs(args);
        else at = findFuture(args, 'args');
      } catch (e) {
        this._fail(t, dataCloneError(args, 'args', `the arguments of '${t.method}'`, e));
        return f;
      }
      if (!o.unwrapFutures) {
        // Cloned, a future would arrive as its internals: the call fails instead.
        if (at !== null) {
          this._fail(t, new DataCloneError(`Cannot send the arguments of '${t.method}': ${at} is a future, and a future cannot ` +
            `cross to a ${this.kind} worker (unwrapFutures is false); pass its value (await it first) or leave unwrapFutures on`, { path: at }));
          return f;
        }
      }
    }
    if (p === null) {
      if (this._move(t)) this._enqueue(t);
    } else {
      (this._unwrapSet ??= new Set()).add(t);
      p.then((a) => {
        this._unwrapSet.delete(t);
        if (t.state !== T_UNWRAP) return;
        t.args = a;
        if (this._move(t)) this._enqueue(t);
      }, (e) => {
        this._unwrapSet.delete(t);
        if (t.state !== T_UNWRAP) return;
        this._fail(t, e);
      });
    }
    return f;
  }

  /**
   * Thread mode moves the buffers of callWith({ transfer }) at the call (once
   * argument futures are resolved), as postMessage would: the caller's
   * buffers are detached now and the pool holds the only copies until the
   * hand-off. False (and t failed) when they cannot be moved or cloned.
   */
  _move(t) {
    if (t.transfer === null || this.kind !== 'thread') return true;
    try {
      [t.args, t.transfer] = structuredClone([t.args, t.transfer], { transfer: t.transfer });
      return true;
    } catch (e) {
      this._fail(t, e && e.name === 'DataCloneError'
        ? dataCloneError(t.args, 'args', `the arguments of '${t.method}'`, e) : e);
      return false;
    }
  }

  /** Fails a call that is not on a worker. */
  _fail(t, e) {
    this._finishTask(t);
    this.counts.failed++;
    completeTasks([t.future], [FAILED], [e]);
    this._changed();
  }

  _enqueue(t, front = false) {
    t.state = T_QUEUED;
    if (front) {
      if (this.qHead > 0) this.queue[--this.qHead] = t;
      else this.queue.unshift(t);
    } else this.queue.push(t);
    this._scheduleDispatch();
  }

  _scheduleDispatch() {
    if (!this.dispatchQueued) {
      this.dispatchQueued = true;
      queueMicrotask(() => this._dispatch());
    }
  }

  _retiring(w) {
    return this.o.maxTasksPerWorker !== Infinity && w.done + w.inflight.size >= this.o.maxTasksPerWorker;
  }

  _capacity(w) {
    if (w.state !== W_READY || w.zombies > 0 || w.expected) return 0;
    if (w.barred) {
      if (w.inflight.size > 0) return 0;
      w.barred = false;
    }
    let cap = (w.avg < QUICK_MS ? PIPELINE : 1) - w.inflight.size;
    if (this.o.maxTasksPerWorker !== Infinity) cap = Math.min(cap, this.o.maxTasksPerWorker - w.done - w.inflight.size);
    if (w.freeCells !== null && w.freeCells.length < cap) cap = w.freeCells.length;
    return cap;
  }

  /** Takes t off worker w's books (reported back, given back, taken back, or failed at the hand-off). */
  _unhand(w, t) {
    w.inflight.delete(t.id);
    this.nHanded--;
    if (t.cell >= 0) {
      w.freeCells.push(t.cell);
      t.cell = -1;
    }
  }

  /**
   * Nothing queued, a worker idle: it takes half (rounded up) of the calls
   * another worker holds and has not started, from the one with the most,
   * the newest of them. With claim cells they are handed to it at once (into
   * `batches`; those beyond its capacity are queued, and true returned);
   * without, a 'reclaim' message asks for them and its answer requeues them.
   * The worker they come from is barred until it reports an outcome, so they
   * go to the idle ones.
   * @param {Map<Slot, Task[]>} batches
   * @returns {boolean} whether calls were queued
   */
  _steal(batches) {
    const ws = this.workers;
    if (ws.length < 2) return false;
    let requeued = false;
    for (const x of ws) {
      if (x.inflight.size !== 0 || this._capacity(x) <= 0) continue;
      let victim = null;
      let most = 0;
      for (const v of ws) {
        if (v === x || v.state !== W_READY || v.reclaiming || v.inflight.size - v.zombies < 2) continue;
        const u = this._unstarted(v);
        if (u > most && (v.cells !== null || this._worthReclaiming(v, u))) { most = u; victim = v; }
      }
      if (victim === null) break; // nobody has anything to spare
      const k = (most + 1) >> 1;
      if (victim.cells === null) {
        victim.reclaiming = true;
        try { victim.h.post(['reclaim', k], null); } catch { victim.reclaiming = false; }
        continue;
      }
      // Newest first; each cell goes to exactly one side (see runtime.js).
      const cells = victim.cells;
      const taken = [];
      const list = [...victim.inflight.values()];
      for (let i = list.length - 1; i >= 0 && taken.length < k; i--) {
        const t = list[i];
        if (t.state !== T_HANDED || t.cell < 0) continue;
        if (Atomics.compareExchange(cells, CELL_AT + t.cell, t.seq, 0) === t.seq) taken.push(t);
        else break; // the worker claimed it: it has started the ones before it too
      }
      if (taken.length === 0) continue;
      victim.barred = true;
      for (const t of taken) {
        this._unhand(victim, t);
        t.attempts--;
        t.worker = null;
        this.nWaiting++;
      }
      this._reheld(victim);
      // taken is newest first: the oldest go to x in hand-off order, the rest
      // to the front of the queue (front one by one from the newest: in order).
      let cap = this._capacity(x);
      let j = taken.length - 1;
      for (; j >= 0 && cap > 0; j--, cap--) this._hand(x, taken[j], batches);
      for (let i = 0; i <= j; i++) {
        this._enqueue(taken[i], true);
        requeued = true;
      }
    }
    return requeued;
  }

  /**
   * Whether to ask v (no claim cells) for some of its `u` calls not started:
   * they add up to RECLAIM_MIN_MS by its average, or it has reported no
   * outcome for that long (a call far longer than the average it showed so
   * far, say a burst of heavy calls after tiny ones, holds it).
   */
  _worthReclaiming(v, u) {
    return u * v.avg >= RECLAIM_MIN_MS || now() - v.mark >= RECLAIM_MIN_MS;
  }

  /** Calls handed to v, live, and not started (with claim cells: exact; else all but the first). */
  _unstarted(v) {
    let n = 0;
    if (v.cells === null) {
      for (const t of v.inflight.values()) if (t.state === T_HANDED) n++;
      return n - 1;
    }
    for (const t of v.inflight.values()) {
      if (t.state === T_HANDED && t.cell >= 0 && Atomics.load(v.cells, CELL_AT + t.cell) === t.seq) n++;
    }
    return n;
  }

  _nextQueued() {
    while (this.qHead < this.queue.length) {
      const t = this.queue[this.qHead];
      this.queue[this.qHead++] = undefined;
      if (t !== undefined && t.state === T_QUEUED) return t;
    }
    this.queue = [];
    this.qHead = 0;
    return null;
  }

  _hasQueued() {
    while (this.qHead < this.queue.length) {
      const t = this.queue[this.qHead];
      if (t !== undefined && t.state === T_QUEUED) return true;
      this.qHead++;
    }
    if (this.qHead) { this.queue = []; this.qHead = 0; }
    return false;
  }

  /** Hands queued calls to workers with room, one message per worker; then lets idle workers take from busy ones. */
  _dispatch() {
    this.dispatchQueued = false;
    const ws = this.workers;
    const batches = new Map();
    const leastBusy = this.o.balance === 'least-busy';
    for (;;) {
      if (!this._hasQueued()) {
        // Calls _steal could not hand to the idle worker at once are queued: hand them on.
        if (this.nHanded > 0 && !this.stopped && this._steal(batches)) continue;
        break;
      }
      let pick = null;
      if (leastBusy) {
        let best = Infinity;
        for (let i = 0; i < ws.length; i++) {
          const w = ws[i];
          if (this._capacity(w) > 0 && w.inflight.size < best) { best = w.inflight.size; pick = w; }
        }
      } else {
        for (let k = 0; k < ws.length; k++) {
          const w = ws[(this.rr + k) % ws.length];
          if (this._capacity(w) > 0) { pick = w; this.rr = (this.rr + k + 1) % ws.length; break; }
        }
      }
      if (pick === null) break;
      const t = this._nextQueued();
      this._hand(pick, t, batches);
    }
    for (const [w, b] of batches) this._post(w, b);
    if (this._hasQueued()) {
      // Room for more workers: start one per call waiting, up to maxWorkers.
      // A worker starting for calls that wait is ref'd: the calls keep the
      // process alive until it can run them (a replacement for a crashed
      // worker starts unref'd, as idle workers are, and a call made while it
      // loads would otherwise let Node exit with that call pending).
      let alive = 0;
      let starting = 0;
      for (const w of ws) {
        if (w.state !== W_DEAD && !w.expected) alive++;
        if (w.state === W_STARTING && !w.expected) { starting++; this._setRef(w, true); }
      }
      if (alive < this.o.maxWorkers && starting === 0) this._spawn();
    }
  }

  _hand(w, t, batches) {
    t.state = T_HANDED;
    t.worker = w;
    t.attempts++;
    this.nWaiting--;
    this.nHanded++;
    if (w.inflight.size === 0) w.mark = now();
    w.inflight.set(t.id, t);
    if (w.freeCells !== null) {
      // Published before the hand-off message: the worker claims against it.
      t.cell = w.freeCells.pop();
      t.seq = this.nextSeq;
      this.nextSeq = this.nextSeq === 0x7fffffff ? 1 : this.nextSeq + 1;
      Atomics.store(w.cells, CELL_AT + t.cell, t.seq);
    }
    if (w.held) this._reheld(w);
    if (w.idleTimer) { clearTimeout(w.idleTimer); w.idleTimer = null; }
    this._setRef(w, true);
    let b = batches.get(w);
    if (!b) { b = []; batches.set(w, b); }
    b.push(t);
  }

  /** Posts a batch; a batch that cannot be cloned fails only its culprits. */
  _post(w, tasks) {
    const msg = [];
    let tl = null;
    for (const t of tasks) {
      if (t.worker !== w) continue; // taken back within the same dispatch (_steal)
      msg.push(t.id, t.method, t.args, t.attempts, ringFuture(w, t), t.cell, t.seq);
      if (t.transfer && this.kind === 'thread') (tl ??= []).push(...t.transfer);
    }
    if (msg.length === 0) return;
    try {
      w.h.post(['run', msg], tl);
      return;
    } catch (e) {
      this._postEach(w, tasks, e);
    }
  }

  _postEach(w, tasks, cause) {
    const fs = [];
    const vs = [];
    for (const t of tasks) {
      if (t.worker !== w) continue;
      let err = null;
      if (findUncloneable(t.args, 'args') !== null) {
        err = dataCloneError(t.args, 'args', `the arguments of '${t.method}'`, cause);
      } else {
        try {
          w.h.post(['run', [t.id, t.method, t.args, t.attempts, ringFuture(w, t), t.cell, t.seq]], t.transfer && this.kind === 'thread' ? t.transfer : null);
          continue;
        } catch (e) {
          err = e && e.name === 'DataCloneError'
            ? dataCloneError(t.args, 'args', `the arguments of '${t.method}'`, e)
            : e;
        }
      }
      this._unhand(w, t);
      this._reheld(w);
      this._finishTask(t);
      this.counts.failed++;
      fs.push(t.future);
      vs.push(err);
    }
    if (fs.length) {
      completeTasks(fs, fs.map(() => FAILED), vs);
      this._afterWorkerChange(w);
    }
  }

  /** Clears a task's timer and signal listener and marks it done. */
  _finishTask(t) {
    if (t.state === T_UNWRAP || t.state === T_QUEUED) this.nWaiting--;
    t.state = T_DONE;
    if (t.timer !== null) { clearTimeout(t.timer); t.timer = null; }
    if (this.timed !== null && t.deadline !== Infinity) this.timed.delete(t);
    if (t.onAbort !== null) {
      abortFanout.remove(t.onAbort);
      t.onAbort = null;
      t.signal = null;
    }
  }

  /**
   * Cancel (why 0) or timeout (why 1) of a call: a waiting call is removed;
   * a running one is told to stop, and its worker is replaced if it has not
   * stopped within cancelGraceMs. The future settles now. Returns true when
   * the future is cancelled (or failed with the timeout) by this.
   */
  _stopTask(t, why, timeout) {
    if (t.state === T_DONE) return t.future.cancelled();
    const code = why === 1 ? FAILED : CANCELLED;
    // The core decides first: a worker completing through the ring may have
    // won already, and then the call is simply done (its message brings the
    // value) and nothing is stopped.
    if (!claimTask(t.future, code)) return false;
    let wasHanded = t.state === T_HANDED;
    const w = t.worker;
    // Handed, not started, and its claim cell taken here: the worker will
    // skip it (runtime.js), so it is removed now, as a queued call is,
    // whatever messages the worker has still to read before the cancel.
    let removed = false;
    if (wasHanded && t.cell >= 0 && Atomics.compareExchange(w.cells, CELL_AT + t.cell, t.seq, 0) === t.seq) {
      this._unhand(w, t);
      t.worker = null;
      this._reheld(w);
      wasHanded = false;
      removed = true;
    }
    this._finishTask(t);
    if (wasHanded) {
      this._zombie(w, 1);
      this._reheld(w);
      markCancelled(w, t.id, why);
      try { w.h.post(['cancel', t.id, why], null); } catch { /* dying: its exit settles the rest */ }
      if (w.graceTimer === null) {
        w.graceTimer = setTimeout(() => {
          w.graceTimer = null;
          if (w.zombies > 0) { w.stuck = true; this._close(w); }
        }, this.o.cancelGraceMs);
      }
    }
    let value;
    // stats().failed: calls that failed, timed out or were cancelled (WorkerStats).
    this.counts.failed++;
    if (why === 1) {
      value = new TimeoutError(`The call '${t.method}' did not complete within ${timeout} ms (${this.kind} worker)`, { timeout });
    }
    finishClaim(t.future, code, value);
    if (removed) this._afterWorkerChange(w);
    else this._changed();
    return true;
  }

  /**
   * Reads, synchronously, what the workers have posted and the event loop
   * has not delivered yet (Node's receiveMessageOnPort): the values of calls
   * the ring already completed in the core. Values are applied at once;
   * everything else is handled in order in a microtask (not from inside the
   * caller, which may be a wait in the middle of a poll).
   */
  _drainSync() {
    if (receiveMessageOnPort === null) return;
    for (const w of this.workers) {
      const port = w.h && w.h.port;
      if (!port) continue;
      for (;;) {
        let r;
        try { r = receiveMessageOnPort(port); } catch { r = undefined; }
        if (r === undefined) break;
        const m = r.message;
        if (m[0] === 'b') this._preApply(w, m[1]);
        this.deferred.push(w, m);
      }
    }
    if (this.deferred.length && !this.deferredQueued) {
      this.deferredQueued = true;
      queueMicrotask(() => { this.deferredQueued = false; this._processDeferred(); });
    }
  }

  /**
   * Whether call t can complete while the thread that made it is blocked in
   * waitSync/gatherSync (pumpSync runs the pool then): true, or why not.
   * @param {Task} t
   * @returns {true|string}
   */
  blockable(t) {
    if (!this.syncPump) {
      return this.kind === 'process'
        ? "a process-mode call's outcome comes over the child's IPC channel, which only this thread's event loop reads"
        : "a Web Worker's messages reach this thread only through its event loop";
    }
    if (t.state === T_UNWRAP) return 'the futures among its arguments are awaited on this thread\'s event loop before the call is made';
    return true;
  }

  /**
   * What this thread's event loop does for the pool, done synchronously for
   * a thread blocked in waitSync/gatherSync on its calls (block() in
   * sync-wait.js calls it between sleeps; Node thread pools only, see
   * syncPump): hands queued calls to workers, reads and handles what the
   * workers posted (outcomes, ready, load errors; receiveMessageOnPort),
   * handles workers that exited (they say so in their slot before the exit
   * event could be delivered; the exit event then finds them gone), and
   * times out calls whose timeout passed (their timers cannot fire here).
   */
  pumpSync() {
    if (!this.syncPump) return;
    if (this.deferred.length) this._processDeferred();
    const ws = this.workers.slice(); // _onExit changes the list
    for (const w of ws) {
      const port = w.h && w.h.port;
      if (!port || w.state === W_DEAD) continue;
      for (;;) {
        let r;
        try { r = receiveMessageOnPort(port); } catch { r = undefined; }
        if (r === undefined) break;
        this._handle(w, r.message);
      }
      const code = w.h.exitCode ? w.h.exitCode() : null;
      if (code !== null && w.state !== W_DEAD) this._onExit(w, code, null, null);
    }
    if (this.timed !== null && this.timed.size) {
      const t1 = now();
      for (const t of this.timed) {
        if (t1 >= t.deadline && t.timer !== null) {
          clearTimeout(t.timer);
          onTaskTimeout(t, t.timeout);
        }
      }
    }
    if (this.dispatchQueued) this._dispatch();
  }

  /** Gives live calls of batch `a` their values now (errors rebuilt once, kept in the batch). */
  _preApply(w, a) {
    for (let i = 0; i < a.length; i += 3) {
      const kind = a[i];
      if (kind !== K_OK && kind !== K_ERR) continue;
      const t = w.inflight.get(a[i + 1]);
      if (t === undefined || t.state !== T_HANDED || !t.future._pending) continue;
      if (kind === K_ERR) {
        a[i + 2] = deserializeError(a[i + 2]);
        a[i] = K_ERR_READY;
      } else {
        a[i + 2] = decodeResult(a[i + 2]); // again in _onBatch: a no-op on what it made
      }
      t.future._v = a[i + 2];
    }
  }

  _processDeferred() {
    while (this.deferred.length) {
      const d = this.deferred;
      this.deferred = [];
      for (let i = 0; i < d.length; i += 2) this._handle(d[i], d[i + 1]);
    }
  }

  /* ---- messages from workers ---------------------------------------------- */

  _onMessage(w, m) {
    if (this.deferred.length) this._processDeferred();
    this._handle(w, m);
  }

  _handle(w, m) {
    switch (m[0]) {
      case 'b': this._onBatch(w, m[1], m[2]); break;
      case 'ready':
        if (w.state !== W_STARTING) break;
        w.state = W_READY;
        this.loadFailures = 0;
        if (this.firstReady) {
          const fr = this.firstReady;
          this.firstReady = null;
          fr.resolve();
        }
        this._afterWorkerChange(w);
        break;
      case 'loadError': {
        // The value itself, whatever it is: a top-level await may reject
        // with undefined, null or 0, which must not read as "no load error".
        w.loadError = { value: deserializeError(m[1]) };
        this._close(w);
        break;
      }
      default: break;
    }
  }

  _onBatch(w, a, ringTail) {
    let fs = null;
    let cs = null;
    let vs = null;
    let requeued = false;
    let n = 0;
    /* Chunks of the futures the ring may name: kept until the drainer passed ringTail. */
    const hold = ringTail !== undefined && w.ring ? [] : null;
    for (let i = 0; i < a.length; i += 3) {
      const kind = a[i];
      const id = a[i + 1];
      if (kind === K_PROGRESS) {
        const t = w.inflight.get(id);
        if (t !== undefined && t.state === T_HANDED && t.onProgress !== null) {
          try {
            t.onProgress(a[i + 2]);
          } catch (e) {
            // eslint-disable-next-line no-console
            console.error('concurry-wasm: exception in an onProgress callback:', e);
          }
        }
        continue;
      }
      if (kind === K_RETURNED) {
        const ids = a[i + 2];
        w.reclaiming = false;
        if (ids.length) w.barred = true;
        // Given back in hand-off order; requeued at the front in that order.
        for (let j = ids.length - 1; j >= 0; j--) {
          const t = w.inflight.get(ids[j]);
          if (t === undefined) continue;
          this._unhand(w, t);
          if (t.state !== T_HANDED) { this._zombie(w, -1); continue; }
          t.attempts--;
          t.worker = null;
          this.nWaiting++;
          this._enqueue(t, true);
          requeued = true;
        }
        continue;
      }
      const t = w.inflight.get(id);
      if (t === undefined) continue;
      this._unhand(w, t);
      if (hold !== null && (hold.length === 0 || hold[hold.length - 1] !== t.future._k)) hold.push(t.future._k);
      if (t.state !== T_HANDED) {
        // A cancelled call reported back (settled, dropped, or its outcome):
        // its worker is free of it.
        this._zombie(w, -1);
        if (kind !== K_DROPPED) w.done++;
        continue;
      }
      if (kind === K_DROPPED || kind === K_SETTLED) continue; // not sent for live calls
      w.done++;
      n++;
      this._finishTask(t);
      t.worker = null;
      if (fs === null) { fs = []; cs = []; vs = []; }
      fs.push(t.future);
      if (kind === K_OK) {
        this.counts.completed++;
        cs.push(OK);
        vs.push(decodeResult(a[i + 2]));
      } else {
        this.counts.failed++;
        cs.push(FAILED);
        vs.push(kind === K_ERR_READY ? a[i + 2] : deserializeError(a[i + 2]));
      }
    }
    if (hold !== null) this._hold(w.ring, ringTail, hold);
    if (n > 0) {
      w.barred = false;
      const t1 = now();
      const per = (t1 - w.mark) / n;
      w.avg = w.avg * 0.7 + per * 0.3;
      w.mark = t1;
    }
    this._reheld(w);
    if (w.zombies === 0 && w.graceTimer !== null) { clearTimeout(w.graceTimer); w.graceTimer = null; }
    if (fs !== null) completeTasks(fs, cs, vs, w.ring !== 0);
    if (requeued) this._scheduleDispatch();
    this._afterWorkerChange(w);
  }

  /**
   * Keeps `tokens` (chunks of C futures) alive until the drainer's head on
   * `ring` has passed `tail`: until then it may still complete them.
   */
  _hold(ring, tail, tokens) {
    let q = this.holds.get(ring);
    const head = ringHead(ring);
    if (q === undefined) {
      if (tokens.length === 0 || ((head - tail) | 0) >= 0) return;
      q = [];
      this.holds.set(ring, q);
    }
    if (tokens.length) q.push(tail, tokens);
    let k = 0;
    while (k < q.length && ((head - q[k]) | 0) >= 0) k += 2;
    if (k) q.splice(0, k);
  }

  /** After w's load changed: idle handling, recycling, more work, waiters. */
  _afterWorkerChange(w) {
    if (w.state === W_READY && w.inflight.size === 0) {
      if (this._retiring(w) || this.stopped) {
        this._close(w);
      } else {
        this._setRef(w, false);
        if (this.o.idleTimeout >= 0 && this.o.idleTimeout !== Infinity && w.idleTimer === null) {
          w.idleTimer = unrefTimer(setTimeout(() => {
            w.idleTimer = null;
            if (w.inflight.size === 0 && w.state === W_READY) this._close(w);
          }, this.o.idleTimeout));
        }
      }
    }
    if (this._hasQueued()) this._dispatch();
    // Idle with nothing queued: it may take calls another worker has not started (_steal).
    else if (w.inflight.size === 0 && w.state === W_READY && this.nHanded > 0 && !this.stopped) this._dispatch();
    this._changed();
  }

  /** Resolves whenIdle/whenAvailable waiters whose condition now holds. */
  _changed() {
    if (this.idleWaiters.pending && this.nWaiting === 0 && this.nHanded - this.zombieCount() === 0) this.idleWaiters.flush();
    if (this.availWaiters.pending && this._available()) this.availWaiters.flush();
  }

  _available() {
    return this.o.maxQueued === Infinity || this.queuedCount(1) <= this.o.maxQueued;
  }

  /* ---- worker exits ----------------------------------------------------- */

  /**
   * @param {object} w
   * @param {number|null} code
   * @param {string|null} signal
   * @param {unknown} err why it died (what its top level threw, ...), or null
   * @param {string} [why] err in words, from the worker (crash-text.js)
   */
  _onExit(w, code, signal, err, why) {
    if (w.state === W_DEAD) return;
    // What the worker posted before it died counts (outcomes the ring may
    // already have completed among them): read it all before deciding.
    if (this.deferred.length) this._processDeferred();
    const port = w.h && w.h.port;
    if (port && receiveMessageOnPort !== null) {
      for (;;) {
        let r;
        try { r = receiveMessageOnPort(port); } catch { r = undefined; }
        if (r === undefined) break;
        this._handle(w, r.message);
      }
    }
    if (w.state === W_DEAD) return;
    const wasStarting = w.state === W_STARTING;
    w.state = W_DEAD;
    if (w.idleTimer) { clearTimeout(w.idleTimer); w.idleTimer = null; }
    if (w.graceTimer) { clearTimeout(w.graceTimer); w.graceTimer = null; }
    const i = this.workers.indexOf(w);
    if (i >= 0) this.workers.splice(i, 1);
    if (this.rr >= this.workers.length) this.rr = 0;
    const crashed = !w.expected;
    if (crashed && !wasStarting) this.counts.crashed++;
    if (wasStarting) {
      // Exit code 0 while loading: the module's top-level code ended the
      // worker, or left nothing to run while an await of it was pending
      // (runtime.js lets go of the channel while loading).
      const e = w.loadError ? w.loadError.value : err || new Error(`The ${this.kind} worker for '${this.moduleURL}' exited while loading it` +
        ` (${signal ? `signal ${signal}` : `exit code ${code}`})` +
        (code === 0 && !signal && !w.expected ? ': a top-level await that nothing can settle (or a process.exit(0) at the top level)' : ''));
      this._failStart(e);
    }
    // Which calls had started: with claim cells, those whose cell the worker
    // claimed (runtime.js). Else in hand-off order (the order the worker runs
    // them), every call up to the last one it started. Threads publish that
    // id (and the running one) in a shared Int32; processes write it on a
    // pipe; with neither, each outcome is sent before the next call starts,
    // so the first call not reported back is the one running. A started call
    // is never run again silently: whether it was running or had finished
    // with its outcome lost with the worker, it fails with
    // WorkerCrashedError, or is run again as a retry (within `retries`,
    // attempts counted). Calls after it had not started: requeued.
    let lastStarted = 0;
    let runningId = 0;
    if (w.h) {
      if (w.h.slot) {
        runningId = Atomics.load(w.h.slot, 0);
        lastStarted = w.h.slot.length > 1 ? Atomics.load(w.h.slot, 1) : runningId;
      } else if (w.h.started) {
        lastStarted = w.h.started();
      } else {
        for (const [id, t] of w.inflight) { lastStarted = id; void t; break; }
      }
      // Reported back already: so were the calls before it; none left had started.
      if (!w.inflight.has(lastStarted)) lastStarted = 0;
    }
    const fs = [];
    const vs = [];
    const back = [];
    /** The crash in words for the message (worded once, when a call fails). */
    let words;
    let before = lastStarted !== 0;
    const cells = w.cells;
    for (const [id, t] of w.inflight) {
      this.nHanded--;
      let started = before;
      if (id === lastStarted) before = false;
      if (cells !== null && t.cell >= 0) started = Atomics.load(cells, CELL_AT + t.cell) === 0;
      if (t.state !== T_HANDED) continue;
      if (started) {
        if (t.attempts <= t.retries) {
          back.push(t);
        } else {
          this._finishTask(t);
          this.counts.failed++;
          fs.push(t.future);
          const how = signal ? `signal ${signal}` : `exit code ${code}`;
          const lost = id !== lastStarted || (runningId === 0 && !!w.h.slot);
          if (words === undefined) words = typeof why === 'string' && why ? why : (err !== null && err !== undefined ? crashText(err) : '');
          vs.push(new WorkerCrashedError(
            `The ${this.kind} worker ${lost ? `that ran '${t.method}' crashed before its outcome was sent back` : `running '${t.method}' crashed`}` +
            ` (${how}${words ? `: ${words}` : ''}) after ${t.attempts} attempt${t.attempts === 1 ? '' : 's'}`,
            { exitCode: signal ? null : code, signal: signal || null, method: t.method, attempts: t.attempts, cause: err === null ? undefined : err }));
        }
      } else {
        t.attempts--;
        back.push(t);
      }
    }
    w.inflight.clear();
    this._zombie(w, -w.zombies);
    this._reheld(w);
    // The replacement goes on from where this worker's ring stopped.
    if (w.ring) { this.freeRings.push(w.ring); w.ring = 0; }
    for (let j = back.length - 1; j >= 0; j--) {
      const t = back[j];
      t.worker = null;
      this.nWaiting++;
      this._enqueue(t, true);
    }
    if (fs.length) completeTasks(fs, fs.map(() => FAILED), vs);
    if (!this.stopped && this._hasQueued()) this._dispatch();
    // A worker that crashed or was terminated for a stuck call is replaced at
    // once (idle, so unref'd); one that left on purpose (idle, recycled) comes
    // back on demand.
    // Workers that die with nothing done (a module whose timer throws, say)
    // are not restarted in a loop: after three in a row, only on demand.
    if (crashed && !wasStarting) this.barren = w.done === 0 ? this.barren + 1 : 0;
    if (!this.stopping && !wasStarting && (crashed || w.stuck) && this.barren < 3) {
      let alive = 0;
      for (const x of this.workers) if (x.state !== W_DEAD && !x.expected) alive++;
      if (alive < this.o.maxWorkers) {
        const r = this._spawn();
        if (r !== null && !this._hasQueued()) this._setRef(r, false);
      }
    }
    this._changed();
    if (this.workers.length === 0) this.exitWaiters.flush();
  }

  /* ---- stop, stats, backpressure ------------------------------------------ */

  /**
   * stop(): lets queued and running calls finish, then ends the workers.
   * stop({ force: true }): cancels what is queued and running, then ends them.
   * Resolves once every worker has exited.
   * @param {{ force?: boolean }} [options]
   * @returns {Promise<void>}
   */
  async stop(options) {
    const force = !!(options && options.force);
    this.stopping = true;
    if (force) {
      const waiting = [];
      for (let i = this.qHead; i < this.queue.length; i++) {
        const t = this.queue[i];
        if (t !== undefined && t.state === T_QUEUED) waiting.push(t);
      }
      for (const t of this.unwrapping()) waiting.push(t);
      const fs = [];
      for (const t of waiting) {
        this._finishTask(t);
        fs.push(t.future);
      }
      this.queue = [];
      this.qHead = 0;
      // Running calls: cancelled in the core unless a worker's ring
      // completion won already (then its message, read when the worker
      // exits, gives the value).
      const running = [];
      for (const w of this.workers) {
        for (const t of w.inflight.values()) {
          if (t.state !== T_HANDED || !claimTask(t.future, CANCELLED)) continue;
          this._finishTask(t);
          this._zombie(w, 1);
          running.push(t.future);
        }
        this._reheld(w);
      }
      this.counts.failed += fs.length + running.length; // cancelled: counted as failed (WorkerStats)
      completeTasks(fs, fs.map(() => CANCELLED), fs.map(() => undefined));
      for (const f of running) finishClaim(f, CANCELLED, undefined);
      this.stopped = true;
      this._closeAll();
    } else {
      await this.whenIdle();
      this.stopped = true;
      this._closeAll();
    }
    this._changed();
    if (this.workers.length) await this.exitWaiters.wait();
    // Every worker is gone: what they published completes, and the rings go.
    for (const ring of this.freeRings) freeRing(ring);
    this.freeRings = [];
    this.holds.clear();
  }

  /**
   * Ends every worker for stop(), each ref'd until its exit: stop()'s promise
   * settles on the exit events, and an unref'd child (idle ones are) would
   * let Node leave first, with that promise never settled.
   */
  _closeAll() {
    for (const w of this.workers) {
      this._setRef(w, true);
      this._close(w);
    }
  }

  /** Calls still unwrapping their arguments (for stop({force})). */
  unwrapping() {
    return this._unwrapSet ? [...this._unwrapSet].filter((t) => t.state === T_UNWRAP) : [];
  }

  /** @returns {{ workers: number, idle: number, running: number, queued: number, completed: number, failed: number, crashed: number }} */
  stats() {
    let workers = 0;
    let idle = 0;
    for (const w of this.workers) {
      if (w.state === W_DEAD) continue;
      workers++;
      if (w.state === W_READY && w.inflight.size === 0) idle++;
    }
    // As queuedCount(): of the live calls, as many as there are workers to
    // run them are running, so running + queued is every accepted call not
    // done, also in the microtask before the hand-off.
    const live = this.nWaiting + this.nHanded - this.zombieCount();
    const running = Math.min(live, this._slots());
    return {
      workers, idle: Math.max(0, Math.min(idle, workers - running)), running, queued: live - running,
      completed: this.counts.completed, failed: this.counts.failed, crashed: this.counts.crashed,
    };
  }

  /** Resolves when nothing is queued or running. @returns {Promise<void>} */
  whenIdle() {
    if (this.nWaiting === 0 && this.nHanded - this.zombieCount() === 0) return Promise.resolve();
    return this.idleWaiters.wait();
  }

  /** Resolves when a call would be accepted under maxQueued. @returns {Promise<void>} */
  whenAvailable() {
    if (this._available()) return Promise.resolve();
    return this.availWaiters.wait();
  }
}

/**
 * The C future a worker completes through its ring for call t, or 0 (by
 * message): a call with onProgress completes by message, behind its
 * progress reports, so that nothing sees it done before they were delivered.
 */
function ringFuture(w, t) {
  return w.ring && t.onProgress === null ? t.future._c : 0;
}

/**
 * Names call `id` in worker w's cancel cell (runtime.js CANCEL_AT; threads
 * with a slot), so that the task, if it runs there, sees its signal abort at
 * its next read even while it runs synchronously. Only a call the worker
 * claimed comes here: on a thread with a slot every handed call has a claim
 * cell, and one not claimed yet is taken back through it (_stopTask) and
 * never starts; a claimed call starts at once (runtime.js pump), so `id` is
 * running or about to, with the slot's running id 0 in between. The check
 * against overwriting the cell of another running call is a guard only.
 */
function markCancelled(w, id, why) {
  const slot = w.h && w.h.slot;
  if (!slot || slot.length <= CANCEL_AT) return;
  const running = Atomics.load(slot, 0);
  const prev = Atomics.load(slot, CANCEL_AT);
  if (running !== id && running !== 0 && (prev === running || prev === -running)) return;
  Atomics.store(slot, CANCEL_AT, why === 1 ? -id : id);
}

/** True when no argument is an object or function (nothing to unwrap; the common tiny call). */
function allPrimitive(args) {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a !== null && (typeof a === 'object' || typeof a === 'function')) return false;
  }
  return true;
}

function onTaskTimeout(t, timeout) {
  t.timer = null;
  t.pool._stopTask(t, 1, timeout);
}
