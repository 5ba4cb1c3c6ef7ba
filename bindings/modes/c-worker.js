/**
 * Mode 'c' over the single-threaded core (a browser page that is not
 * cross-origin isolated, or Node with CONCURRY_WASM_CORE=st): that core has
 * no pthreads, so the kernels run on workers of our own (module Web Workers,
 * worker_threads in Node), each loading the core and running one call at a
 * time (c-worker-entry.js); `maxWorkers` of them, fed from one queue. The
 * calling thread never runs a kernel, so a page stays responsive.
 *
 * The same handle as c.js's: `c-future-` futures, numbers and one buffer in
 * (copied), a number or a Uint8Array out, CoreError with `code` for a
 * kernel's non-zero return, cancel/signal/timeout deciding a call at once,
 * maxQueued/QueueFullError, whenIdle/whenAvailable, stats, stop/force.
 * Differences (no memory is shared with the workers): a running kernel
 * cannot be told it was cancelled, so its worker is ended at once and
 * replaced (`cancelGraceMs` has nothing to wait for here), and a worker that
 * dies fails its running call with WorkerCrashedError.
 * @module concurry-wasm/modes/c-worker
 */
import { SyncFuture } from '../futures/sync.js';
import { CoreError, TimeoutError, WorkerCrashedError } from '../errors.js';
import { unwrapArgs } from './unwrap.js';
import { oversizedInput } from './c-limits.js';
import { admitCall, KernelCallFuture } from './c-call.js';
import { CondWaiters } from './waiters.js';
import { abortFanout } from './abort-fanout.js';

const isNode = typeof process === 'object' && process !== null &&
  typeof process.versions === 'object' && typeof process.versions.node === 'string';
const NodeWorker = isNode ? (await import('node:worker_threads')).Worker : null;

/** A kernel call's future; cancel() also removes or stops the call. */
class WorkerCallFuture extends KernelCallFuture {
  /** True while a worker runs the call (as a pthread's call is RUNNING in c.js). */
  running() {
    const rec = this._rec;
    return !this.done() && !!rec && rec.worker !== null && rec.worker.rec === rec;
  }
}

/** An Error from a worker's record, as c.js makes it. */
function rebuild(r) {
  if (r.name === 'CoreError') return new CoreError(r.message, r.code, r.codeName);
  if (r.name === 'TypeError') return new TypeError(r.message);
  if (r.name === 'RangeError') return new RangeError(r.message);
  const e = new Error(r.message);
  if (r.name) e.name = r.name;
  return e;
}

/** One worker: { post, terminate, ref(on) } over a Node or a Web Worker. */
function spawnWorker(onMessage, onExit) {
  if (isNode) {
    const w = new NodeWorker(new URL('./c-worker-entry.js', import.meta.url));
    let err = null;
    w.on('message', onMessage);
    w.on('error', (e) => { err = e; });
    w.on('exit', (code) => onExit(code, err));
    return {
      post: (m) => w.postMessage(m),
      // Ref'd first: an idle (unref'd) worker's exit event must keep Node
      // alive until it comes, or a stop() awaiting it never resolves.
      terminate: () => { w.ref(); w.terminate(); },
      ref: (on) => { if (on) w.ref(); else w.unref(); },
    };
  }
  // Written out so that bundlers bundle the entry with its imports.
  const w = new Worker(new URL('./c-worker-entry.js', import.meta.url), { type: 'module' });
  let gone = false;
  const exit = (code, err) => { if (!gone) { gone = true; onExit(code, err); } };
  w.onmessage = (ev) => onMessage(ev.data);
  w.onerror = (ev) => {
    ev.preventDefault();
    w.terminate();
    exit(1, ev.error || new Error(ev.message || 'the C kernel worker failed to load or crashed'));
  };
  return {
    post: (m) => w.postMessage(m),
    // A Web Worker has no exit event: terminate() is its exit.
    terminate: () => { w.terminate(); queueMicrotask(() => exit(null, null)); },
    ref: () => {},
  };
}

export class CWorkerBackend {
  constructor(set, label, opts, missing) {
    this.set = set;
    this.label = label;
    this.missing = missing;       // (method) => TypeError naming the kernels there are
    this.n = opts.maxWorkers;
    this.maxQueued = opts.maxQueued;
    this.unwrap = opts.unwrapFutures;
    this.workers = new Set();
    this.queue = [];
    this.waitingArgs = 0;
    this.live = new Set();        // every call not settled (queued, waiting or running)
    this.nextId = 1;
    this.completed = 0;
    this.failed = 0;
    this.crashed = 0;
    this.checks = new CondWaiters(); // whenIdle/whenAvailable
    this.stopping = null;
    this.ending = false;          // the workers are being ended: none is replaced
    /** A worker loading or loaded in reserve, not counted among the workers (see stopCall). */
    this.spare = null;
    /** Set at the first stopped call: from then on a spare is kept. */
    this.wantSpare = false;
    /** Workers ended for a stopped call, replaced already, their exit not yet seen (stop() waits for it). */
    this.dying = new Set();
    this.closing = false;         // stop() was called: no spare is started
  }

  /** Starts the workers; resolves once one has loaded the core (rejects with its load error). */
  start() {
    return new Promise((resolve, reject) => {
      this.onFirst = { resolve, reject };
      for (let i = 0; i < this.n; i++) this.spawn();
    });
  }

  /** A new worker, one of the pool's, or the spare (`spare`: kept aside until stopCall needs it). */
  spawn(spare = false) {
    const w = { h: null, ready: false, rec: null, spare, replaced: false, onGone: null };
    // Held (ref'd) while it loads and while it runs a call; idle, it never keeps the process alive.
    w.h = spawnWorker((m) => this.onMessage(w, m), (code, err) => this.onExit(w, code, err));
    if (spare) this.spare = w;
    else this.workers.add(w);
  }

  onMessage(w, m) {
    if (!Array.isArray(m)) return;
    if (m[0] === 'ready') {
      w.ready = true;
      w.h.ref(false);
      if (w.spare) return;
      // Loaded one at a time: the spare once this replacement is ready.
      if (this.wantSpare && this.spare === null && !this.closing) this.spawn(true);
      if (this.onFirst) { this.onFirst.resolve(); this.onFirst = null; }
      this.dispatch();
      return;
    }
    if (m[0] === 'loadError') {
      if (w.spare) { this.spare = null; w.replaced = true; w.h.terminate(); return; }
      const e = new Error(`createWorker(): mode 'c' could not load the core in its worker: ${m[1]}`);
      if (this.onFirst) { this.onFirst.reject(e); this.onFirst = null; }
      this.workers.delete(w);
      w.h.terminate();
      return;
    }
    const rec = w.rec;
    if (!rec || rec.id !== m[1]) return;
    this.release(w);
    if (rec.stopped) { /* cancelled or timed out: counted then, its outcome dropped */ }
    else if (m[0] === 'ok') { this.completed++; rec.resolve(m[2]); } else { this.failed++; rec.reject(rebuild(m[2])); }
    this.settle(rec);
    this.dispatch();
  }

  onExit(w, code, err) {
    if (w.onGone) w.onGone();
    if (w.spare) {
      // A spare that died unused (it was never given a call): the next stopped call starts another.
      if (this.spare === w) this.spare = null;
      return;
    }
    this.dying.delete(w);
    this.workers.delete(w);
    const rec = w.rec;
    w.rec = null;
    if (rec && !rec.stopped) {
      this.crashed++;
      rec.reject(new WorkerCrashedError(`C kernel '${rec.method}': its worker exited (code ${code}) while it ran`,
        { exitCode: code === undefined ? null : code, method: rec.method, attempts: 1, cause: err || undefined }));
    }
    if (rec) this.settle(rec);
    if (this.onFirst && this.workers.size === 0) {
      this.onFirst.reject(new Error(`createWorker(): mode 'c': its worker exited before it loaded (${err ? err.message : `code ${code}`})`));
      this.onFirst = null;
      return;
    }
    // Not replaced when the spare took its place already (stopCall).
    if (!this.ending && !w.replaced) this.spawn();
    this.dispatch();
  }

  release(w) {
    w.rec = null;
    w.h.ref(false);
  }

  settle(rec) {
    if (rec.timer) clearTimeout(rec.timer);
    if (rec.onAbort) abortFanout.remove(rec.onAbort);
    this.live.delete(rec);
    this.kick();
  }

  dispatch() {
    for (const w of this.workers) {
      if (!this.queue.length) break;
      if (!w.ready || w.rec) continue;
      const rec = this.queue.shift();
      w.rec = rec;
      rec.worker = w;
      w.h.ref(true);
      w.h.post(['call', rec.id, rec.method, rec.args]);
    }
    this.kick();
  }

  /**
   * Ends a call that was cancelled or timed out: out of the queue, or, when
   * it runs, its worker is ended at once and replaced. No memory is shared
   * with the worker, so nothing can tell the kernel to stop (the
   * cooperative cy_kernel_cancelled() of the pthreads core has no way in),
   * and waiting out cancelGraceMs would only hold the worker that long. A
   * worker holds one call at a time (the rest wait in this.queue), so no
   * other call is lost with it; the replacement starts loading the core now.
   */
  stopCall(rec) {
    if (rec.stopped) return;
    rec.stopped = true;
    this.failed++; // stats().failed: failed, timed out or cancelled
    if (rec.waiting) { rec.waiting = false; this.waitingArgs--; }
    const i = this.queue.indexOf(rec);
    if (i >= 0) { this.queue.splice(i, 1); this.settle(rec); return; }
    const w = rec.worker;
    if (w && w.rec === rec) {
      // Its exit (onExit) settles rec, uncounted as a crash.
      w.h.terminate();
      // Replaced now, not at its exit: by the spare (loaded, or further
      // along than a new worker would be) and another spare starts, else by
      // a new worker and a spare once that one is ready. A pool that stopped
      // one running call is likely to stop more (a cancelled batch,
      // timeouts), and each then finds a worker that has loaded the core.
      if (!this.closing) {
        w.replaced = true;
        this.workers.delete(w);
        this.dying.add(w);
        this.wantSpare = true;
        const s = this.spare;
        if (s !== null) {
          this.spare = null;
          s.spare = false;
          this.workers.add(s);
          this.spawn(true);
        } else {
          this.spawn();
        }
        this.dispatch();
      }
    } else if (!w) {
      this.settle(rec);
    }
  }

  /** As c.js (and the thread pool): of the accepted calls not done, as many as there are workers run, the rest are queued. */
  counts() {
    let busy = 0;
    for (const w of this.workers) if (w.rec) busy++;
    const live = busy + this.queue.length + this.waitingArgs;
    const running = Math.min(live, this.n);
    return { running, queued: live - running };
  }

  stats() {
    const { running, queued } = this.counts();
    const workers = this.workers.size;
    return { workers, idle: Math.max(0, workers - running), running, queued, completed: this.completed, failed: this.failed, crashed: this.crashed };
  }

  kick() { this.checks.check(); }

  until(cond) { return this.checks.until(cond); }

  whenIdle() { return this.until(() => this.live.size === 0); }

  wouldAccept() {
    if (this.maxQueued === Infinity) return true;
    const { running, queued } = this.counts();
    const live = running + queued + 1;
    return live - Math.min(live, this.n) <= this.maxQueued;
  }

  whenAvailable() { return this.until(() => this.stopping !== null || this.wouldAccept()); }

  /** A call that fails at once (bad input, unknown kernel, ...): counted in stats().failed. */
  fail(e) {
    this.failed++;
    return SyncFuture.failed(e);
  }

  call(method, args, co) {
    const refused = admitCall(this, method, co);
    if (refused) return this.fail(refused);
    // Checked here too (c.js checks in the kernel worker): an oversized buffer is never cloned to it.
    const big = oversizedInput(method, args);
    if (big) return this.fail(big);
    let pending = null;
    try {
      pending = this.unwrap ? unwrapArgs(args) : null;
    } catch (e) {
      // A getter among the arguments threw while they were scanned: that call fails, no throw here.
      return this.fail(e);
    }
    const rec = { id: this.nextId++, method, args, worker: null, stopped: false, timer: null, signal: co.signal, onAbort: null, resolve: null, reject: null };
    const p = new Promise((resolve, reject) => { rec.resolve = resolve; rec.reject = reject; });
    const f = new WorkerCallFuture(p, () => this.stopCall(rec));
    rec.f = f;
    f._rec = rec;
    this.live.add(rec);
    if (co.signal && co.signal.aborted) { f.cancel(); return f; }
    if (co.timeout === 0) {
      // timeout: 0 (README): the call must be done when callWith returns; a
      // kernel call never is, so it fails now and never runs.
      if (pending) pending.catch(() => {});
      rec.reject(new TimeoutError(`C kernel '${method}' did not finish within its timeout of 0 ms (${f.uuid})`, { timeout: 0 }));
      f._onCancel = null;
      this.stopCall(rec);
      return f;
    }
    if (co.timeout >= 0) {
      rec.timer = setTimeout(() => {
        rec.timer = null;
        rec.reject(new TimeoutError(`C kernel '${method}' did not finish within its timeout of ${co.timeout} ms (${f.uuid})`,
          { timeout: co.timeout }));
        f._onCancel = null;
        this.stopCall(rec);
      }, co.timeout);
      if (typeof rec.timer === 'object' && typeof rec.timer.unref === 'function') rec.timer.unref();
    }
    if (co.signal) {
      // One listener per signal however many calls share it (abort-fanout.js); rec.onAbort is this call's entry.
      rec.onAbort = abortFanout.add(co.signal, () => f.cancel());
    }
    if (!pending) {
      this.queue.push(rec);
      this.dispatch();
      return f;
    }
    // Arguments hold futures: the call waits for them (counted as queued;
    // a cancel or a stop ends the wait at once, stopCall).
    this.waitingArgs++;
    rec.waiting = true;
    pending.then((resolved) => {
      if (!rec.waiting) return;
      rec.waiting = false;
      this.waitingArgs--;
      if (rec.stopped) return;
      rec.args = resolved;
      this.queue.push(rec);
      this.dispatch();
    }, (e) => {
      if (!rec.waiting) return;
      rec.waiting = false;
      this.waitingArgs--;
      this.failed++;
      rec.reject(e);
      this.settle(rec);
    });
    return f;
  }

  async stop({ force }) {
    this.closing = true;
    if (force) {
      // Queued and running calls are cancelled; the workers end below.
      for (const rec of [...this.live]) {
        rec.f.cancel();
        this.stopCall(rec);
        this.settle(rec);
      }
      this.queue = [];
    }
    if (!this.stopping) {
      this.stopping = (async () => {
        await this.whenIdle();
        this.ending = true;
        const ws = [...this.workers, ...this.dying];
        if (this.spare !== null) { ws.push(this.spare); this.spare = null; }
        const exits = ws.map((w) => new Promise((r) => { w.onGone = r; }));
        for (const w of ws) { w.rec = null; w.h.terminate(); }
        await Promise.all(exits);
      })();
      this.kick();
    }
    return this.stopping;
  }
}
