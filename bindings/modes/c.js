/**
 * Mode `c`: C functions ("kernels", wasm/include/concurry-kernels.h) run as
 * tasks on a pthread pool of the core, called by name and awaited without
 * blocking the event loop: a call's future is a CFuture (`c-future-`) over
 * the core's own future for the call, so wait()/gather() wake on it through
 * Atomics.waitAsync like any C future, and waitSync()/gatherSync() can block
 * on it in a worker.
 *
 *   const w = await createWorker('builtin', { mode: 'c', maxWorkers: 2 });
 *   const n = await w.primes(0, 1e6);                 // 78498
 *   const px = await w.mandelbrot(256, 256, -2, -1.5, 1, 1.5, 500); // Uint8Array(65536)
 *
 * Target (DESIGN.md: a module URL or path, as for thread and process): a
 * module whose `kernels` export (or its default export's `kernels`) lists the
 * C kernels its worker calls, e.g. `export const kernels = ['fib', 'primes']`
 * (loaded here with import(); each name checked when the worker is created).
 * Two shorthands: `'builtin'` (every kernel registered in the core: the
 * built-ins and any linked in with CY_KERNEL_EXPORT / cy_kernel_register, see
 * README "C tasks"), and `{ kernels: ['name', ...] }` (the list itself).
 *
 * Arguments: numbers (each becomes a double) and at most one ArrayBuffer,
 * typed array or DataView (its bytes are copied in as the kernel's input;
 * `transfer` changes nothing, the bytes are copied either way). Result: the
 * kernel's output bytes as a Uint8Array copied out of wasm memory when it
 * made any, else its number. A kernel's non-zero return fails the call with
 * a CoreError carrying `code` (and `codeName` for the core's CY_E* codes).
 *
 * cancel(), `signal` and `timeout` decide the call at once (CancelledError,
 * TimeoutError): a queued task is removed; a running kernel cannot be
 * interrupted (a pthread cannot be killed safely), it is told through
 * cy_kernel_cancelled() and its thread is free once it returns (every
 * built-in checks within about a millisecond). `onProgress` and `retries`
 * do not apply: kernels report no progress, and a C task cannot crash on its
 * own (a trap ends the whole module), so there is nothing to retry
 * (`retries` is accepted and never used). Pool options: `maxWorkers` (the
 * pthreads), `maxQueued`; `balance` is moot (one shared queue, a free thread
 * takes the next call); `cancelGraceMs` has nothing to act on (a thread is
 * never terminated); `idleTimeout` and `maxTasksPerWorker` are refused (the
 * threads live as long as the worker).
 *
 * With the single-threaded core (no SharedArrayBuffer: a page that is not
 * cross-origin isolated) there are no pthreads: the kernels run on workers of
 * their own instead (c-worker.js), with the same handle.
 * @module concurry-wasm/modes/c
 */
import { CFuture, adoptCFuture } from '../futures/c.js';
import { SyncFuture } from '../futures/sync.js';
import { cancelledError } from '../futures/base.js';
import {
  C, Module, heap, keepAlive, cstr, errName, strerror, singleThreaded,
  CY_ECANCELED, CY_ETIMEDOUT, CY_ENOENT, CY_ENOMEM, STATE_SUCCEEDED, STATE_FAILED, STATE_CANCELLED, STATE_RUNNING,
} from '../core.js';
import { CoreError, TimeoutError } from '../errors.js';
import { describeValue as describe } from '../options.js';
import { unwrapArgs } from './unwrap.js';
import { moduleURL } from './target.js';
import { MAX_INPUT_BYTES, inputTooLarge } from './c-limits.js';
import { admitCall, KernelCallFuture } from './c-call.js';
import { CondWaiters } from './waiters.js';
import { builtinArityError } from './c-builtins.js';
import { moduleLoadError } from './load-error.js';
import { abortFanout } from './abort-fanout.js';

// Not over the single-threaded core's memory (not shared: Atomics.waitAsync
// throws there, and no other thread could change the word anyway).
const HAS_WAIT_ASYNC = typeof Atomics.waitAsync === 'function' && !singleThreaded;

/**
 * Releases a call (and with it its output) once its future is collected,
 * unless the future released it first (KernelFuture#_take: once its outcome
 * is read). The call's input copy is not held either way: the core frees it
 * when the kernel returns (kernel.c).
 */
const callRegistry = new FinalizationRegistry((call) => C.cy_kernel_call_release(call));

/** The names in the core's kernel registry. @returns {string[]} */
function kernelNames() {
  const n = C.cy_kernel_count();
  const names = [];
  for (let i = 0; i < n; i++) names.push(Module.UTF8ToString(C.cy_kernel_name(i)));
  return names;
}

/** The error of a failed kernel, by its code. */
function kernelError(method, code) {
  const name = code < 0 ? errName(code) : undefined;
  return new CoreError(`C kernel '${method}' failed with code ${code}` +
    (name ? ` (${name}: ${strerror(code)})` : ''), code, name);
}

/**
 * The future of one C kernel call: a CFuture over the call's future in the
 * core. running() follows the task (the call's own future stays pending
 * until decided, so that a stop can cancel it while the kernel runs).
 * @extends {CFuture}
 */
class KernelFuture extends CFuture {
  /** @protected */
  _state() {
    const s = C.cy_future_state(this._c);
    if (s < STATE_SUCCEEDED && this._call && C.cy_kernel_call_task_state(this._call) === STATE_RUNNING) return STATE_RUNNING;
    return s;
  }

  /** @protected */
  _outcome(state) {
    if (this._call && state >= STATE_SUCCEEDED) this._take(state);
    if (state === STATE_CANCELLED) return cancelledError(this);
    if (state === STATE_SUCCEEDED || state === STATE_FAILED) {
      // One value (one error object) per future, as a settled Promise has one.
      return state === STATE_SUCCEEDED ? this._value : this._error;
    }
    return super._outcome(state);
  }

  /**
   * @private Reads the decided call's outcome into JS (the output bytes
   * copied out), then releases the call: its output would otherwise stay
   * in the core's memory for as long as this future lives (a program that
   * keeps its futures would run out of it after a few large outputs).
   * After this, nothing reads _call: the future is done, so _state() needs
   * no task state and cancel() cannot succeed.
   */
  _take(state) {
    const call = this._call;
    if (state === STATE_SUCCEEDED) {
      const len = C.cy_kernel_call_output_len(call);
      if (len > 0) {
        const at = C.cy_kernel_call_output(call);
        this._value = heap().u8.slice(at, at + len);
      } else {
        this._value = C.cy_kernel_call_value(call);
      }
    } else if (state === STATE_FAILED) {
      this._error = this._failure();
    }
    this._call = 0;
    callRegistry.unregister(this);
    C.cy_kernel_call_release(call);
  }

  /** @private The error of a failed call: its timeout, or the kernel's code. */
  _failure() {
    if (C.cy_kernel_call_stopped(this._call) === CY_ETIMEDOUT) {
      return new TimeoutError(`C kernel '${this._method}' did not finish within its timeout of ${this._timeout} ms (${this.uuid})`,
        { timeout: this._timeout });
    }
    const sp = Module.stackSave();
    const code = Module.stackAlloc(8);
    C.cy_future_exception(this._c, 0, code, code + 4);
    const rc = heap().i32[code >> 2];
    Module.stackRestore(sp);
    return kernelError(this._method, rc);
  }

  /**
   * Cancels the call, queued or running: true when it is cancelled (now or
   * before). A running kernel is asked to stop (cy_kernel_cancelled) and
   * frees its thread when it returns.
   * @returns {boolean}
   */
  cancel() {
    if (this._call && C.cy_kernel_call_stop(this._call, CY_ECANCELED) === 0) return true;
    return this.cancelled();
  }

  /** The kernel's name. @returns {string} */
  get method() { return this._method; }
}

/** Staging space kept between calls; a larger one is freed after its call. */
const KEEP_STAGING = 1024 * 1024;

/** Bytes of a buffer argument, as a view. */
function bytesOf(a) {
  if (a instanceof ArrayBuffer || (typeof SharedArrayBuffer === 'function' && a instanceof SharedArrayBuffer)) return new Uint8Array(a);
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/**
 * Numbers and at most one buffer; an Error naming the argument otherwise.
 * @returns {{ nums: number[], input: Uint8Array|null } | Error}
 */
function convertArgs(method, args) {
  const nums = [];
  let input = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (typeof a === 'number') { nums.push(a); continue; }
    const isBuf = a instanceof ArrayBuffer || ArrayBuffer.isView(a) ||
      (typeof SharedArrayBuffer === 'function' && a instanceof SharedArrayBuffer);
    if (isBuf && input === null) {
      input = bytesOf(a);
      if (input.byteLength > MAX_INPUT_BYTES) return inputTooLarge(method, i, input.byteLength, '');
      input.index = i;
      continue;
    }
    return new TypeError(`C kernel '${method}': args[${i}] must be a number` +
      (isBuf ? ' (only one buffer argument is allowed, and args hold one already)' : ' or one ArrayBuffer, typed array or DataView (the input bytes)') +
      `; got ${describe(a)}`);
  }
  const arity = builtinArityError(method, args, nums.length);
  if (arity !== null) return arity;
  return { nums, input };
}

class CBackend {
  constructor(set, opts, names) {
    this.set = set;               // Set of allowed names, or null (every registered one)
    this.label = names;           // for messages
    this.nthreads = opts.maxWorkers;
    this.maxQueued = opts.maxQueued;
    this.unwrap = opts.unwrapFutures;
    this.pool = C.cy_kernel_pool_new(this.nthreads);
    if (!this.pool) throw new Error(`createWorker(): mode 'c' could not start a pool of ${this.nthreads} pthreads (out of memory)`);
    this.sig = C.cy_kernel_pool_signal(this.pool) >> 2;
    this.waitingArgs = 0;        // calls whose argument futures are pending
    this.argCalls = new Set();   // their futures (KernelCallFuture), cancelled by stop({ force })
    this.checks = new CondWaiters(); // whenIdle/whenAvailable
    this.armed = false;
    this.pollTimer = null;
    this.stopping = null;
    this.freed = false;
    this.st = C.malloc(20);
    this.argBuf = 0;
    this.argCap = 0;
    this.base = 0;               // the warm-up calls of createBackend, not the user's
    this.jsFailed = 0;           // calls failed or cancelled here, never in the core's pool
  }

  /** A call that fails here, at once (bad input, unknown kernel, timeout 0, ...): counted in stats().failed. */
  fail(e) {
    this.jsFailed++;
    return SyncFuture.failed(e);
  }

  counts() {
    // failed (WorkerStats): failed, timed out or cancelled; the core counts
    // its cancellations apart (u[4]), and those decided here (jsFailed).
    if (this.freed) return { queued: 0, running: 0, completed: this.final[2] - this.base, failed: this.final[3] + this.final[4] + this.jsFailed };
    C.cy_kernel_pool_stats(this.pool, this.st);
    const u = heap().u32;
    const at = this.st >> 2;
    // A task in flight is running if a thread could have it: counting from
    // the total, not the core's queued/running split, keeps a call that a
    // free thread has not yet dequeued from counting as queued.
    // Calls waiting on argument futures count the same way (DESIGN.md,
    // maxQueued; as the thread pool counts): of all accepted calls not done,
    // as many as there are threads are running, the rest queued.
    const live = u[at] + u[at + 1] + this.waitingArgs;
    const running = Math.min(live, this.nthreads);
    return { queued: live - running, running, completed: u[at + 2] - this.base, failed: u[at + 3] + u[at + 4] + this.jsFailed };
  }

  stats() {
    const c = this.counts();
    const workers = this.freed ? 0 : this.nthreads;
    return {
      workers, idle: workers - c.running, running: c.running, queued: c.queued,
      completed: c.completed, failed: c.failed, crashed: 0,
    };
  }

  /**
   * Wakes whenIdle/whenAvailable checks that now hold and arms for the rest.
   * The signal word is read before the checks: a task ending after them
   * bumps it, and the wait on the value read returns at once.
   */
  kick() {
    if (!this.checks.pending) return;
    const seen = this.freed ? 0 : Atomics.load(heap().i32, this.sig);
    if (this.checks.check()) this.arm(seen);
  }

  arm(seen) {
    if (this.armed) return;
    this.armed = true;
    keepAlive(true);
    const done = () => {
      this.armed = false;
      keepAlive(false);
      this.kick();
    };
    if (HAS_WAIT_ASYNC && !this.freed) {
      const res = Atomics.waitAsync(heap().i32, this.sig, seen);
      if (res.async) res.value.then(done);
      else queueMicrotask(done);
    } else {
      this.pollTimer = setTimeout(() => { this.pollTimer = null; done(); }, 2);
    }
  }

  until(cond) {
    const p = this.checks.until(cond);
    this.kick(); // arms the wait for it (nothing when cond held)
    return p;
  }

  whenIdle() {
    return this.until(() => { const c = this.counts(); return c.queued === 0 && c.running === 0; });
  }

  /** Whether a call now would be accepted under maxQueued (it queues only if every thread is busy). */
  wouldAccept() {
    if (this.maxQueued === Infinity) return true;
    const q = this.counts();
    const live = q.queued + q.running + 1;
    return live - Math.min(live, this.nthreads) <= this.maxQueued;
  }

  whenAvailable() {
    return this.until(() => this.freed || this.wouldAccept());
  }

  /** The call, started now: a KernelFuture (or a failed SyncFuture for bad input). */
  start(method, args, co) {
    const conv = convertArgs(method, args);
    if (conv instanceof Error) return this.fail(conv);
    const { nums, input } = conv;
    const need = nums.length * 8 + (input ? input.byteLength : 0);
    // Out of core memory: a failed future, the same for every size, and the
    // staging space left empty (never a capacity it does not have).
    const noRoom = () => (input
      ? inputTooLarge(method, input.index, input.byteLength, ' for the core\'s memory now (out of memory)')
      : new RangeError(`C kernel '${method}': out of core memory for its ${nums.length} arguments`));
    if (need > this.argCap) {
      if (this.argBuf) C.free(this.argBuf);
      this.argBuf = 0;
      this.argCap = 0;
      const cap = need > KEEP_STAGING ? need : Math.max(256, need * 2);
      const at = C.malloc(cap);
      if (!at) return this.fail(noRoom());
      this.argBuf = at;
      this.argCap = cap;
    }
    const h = heap();
    const argsAt = this.argBuf;
    for (let i = 0; i < nums.length; i++) h.f64[(argsAt >> 3) + i] = nums[i];
    const inAt = argsAt + nums.length * 8;
    if (input) h.u8.set(input, inAt);
    const sp = Module.stackSave();
    const out = Module.stackAlloc(4);
    const rc = C.cy_kernel_call_start(out, this.pool, cstr(method), argsAt, nums.length, input ? inAt : 0, input ? input.byteLength : 0);
    const call = heap().u32[out >> 2];
    Module.stackRestore(sp);
    if (this.argCap > KEEP_STAGING) {
      // The core copied the input: a large staging space is not kept.
      C.free(this.argBuf);
      this.argBuf = 0;
      this.argCap = 0;
    }
    if (rc === CY_ENOENT) return this.fail(this.missing(method));
    if (rc === CY_ENOMEM) return this.fail(noRoom());
    if (rc !== 0) return this.fail(new Error(`C kernel '${method}': cy_kernel_call_start failed: ${strerror(rc)} (${errName(rc)})`));
    const f = /** @type {KernelFuture} */ (adoptCFuture(C.cy_kernel_call_future(call), { owned: false, kind: KernelFuture }));
    f._call = call;
    f._method = method;
    f._timeout = co.timeout;
    callRegistry.register(f, call, f); // f: the token _take unregisters with
    this.watch(f, co);
    return f;
  }

  missing(method) {
    const names = this.set ? [...this.set] : kernelNames();
    return new TypeError(`The C kernels (${this.label}) have no kernel '${method}' (there are: ${names.join(', ')}); ` +
      'a C function of your own is linked in with CY_KERNEL_EXPORT (README, "C tasks")');
  }

  /** Timeout and signal of one call; both hold f (never a bare pointer). */
  watch(f, co) {
    const { signal, timeout } = co;
    if (timeout < 0 && !signal) return;
    let timer = null;
    let onAbort = null;
    if (timeout >= 0) {
      // f._call is 0 once f's outcome was read (done: nothing to stop).
      timer = setTimeout(() => { if (f._call) C.cy_kernel_call_stop(f._call, CY_ETIMEDOUT); }, timeout);
      if (typeof timer === 'object' && timer && typeof timer.unref === 'function') timer.unref();
    }
    if (signal) {
      if (signal.aborted) { f.cancel(); }
      else {
        // One listener per signal however many calls share it (abort-fanout.js); onAbort is this call's entry.
        onAbort = abortFanout.add(signal, () => f.cancel());
      }
    }
    if (f.done()) { if (timer) clearTimeout(timer); if (onAbort) abortFanout.remove(onAbort); return; }
    f.addDoneCallback(() => {
      if (timer) clearTimeout(timer);
      if (onAbort) abortFanout.remove(onAbort);
    });
  }

  call(method, args, co) {
    const refused = admitCall(this, method, co);
    if (refused) return this.fail(refused);
    if (co.signal && co.signal.aborted) {
      // Cancelled before it could start: it never runs.
      const f = new KernelCallFuture(new Promise(() => {}), () => {});
      f.cancel();
      return f;
    }
    let pending = null;
    try {
      pending = this.unwrap ? unwrapArgs(args) : null;
    } catch (e) {
      // A getter among the arguments threw while they were scanned: that call fails, no throw here.
      return this.fail(e);
    }
    if (co.timeout === 0) {
      // timeout: 0 (README): the call must be done when callWith returns; a
      // kernel call never is, so it fails now and never runs.
      if (pending) pending.catch(() => {});
      return this.fail(new TimeoutError(`C kernel '${method}' did not finish within its timeout of 0 ms`, { timeout: 0 }));
    }
    if (!pending) return this.start(method, args, co);
    // Arguments hold futures: the call waits for them (counted as queued),
    // then starts; its future follows the kernel's, and cancel() reaches the
    // kernel call once there is one.
    // cancel() (or stop({ force })) while it waits ends the wait at once:
    // the call leaves the counts then, not when its argument settles (which
    // may be never).
    this.waitingArgs++;
    let inner = null;
    let waiting = true;
    const settle = () => {
      if (!waiting) return;
      waiting = false;
      this.waitingArgs--;
      this.argCalls.delete(f);
      this.kick();
    };
    const p = pending.then((resolved) => {
      if (!waiting) return undefined; // cancelled while waiting: never started
      settle();
      inner = this.start(method, resolved, co);
      return inner.result();
    }, (e) => {
      if (waiting) this.jsFailed++;
      settle();
      throw e;
    });
    const f = new KernelCallFuture(p, () => {
      if (inner) inner.cancel();
      else if (waiting) { this.jsFailed++; settle(); }
    });
    this.argCalls.add(f);
    return f;
  }

  async stop({ force }) {
    if (force) {
      C.cy_kernel_pool_stop_all(this.pool, CY_ECANCELED);
      for (const f of this.argCalls) f.cancel();
      this.kick();
    }
    if (!this.stopping) {
      this.stopping = (async () => {
        await this.until(() => this.waitingArgs === 0);
        await this.whenIdle();
        // Every task has ended: the threads are idle and joining them is quick.
        C.cy_kernel_pool_stats(this.pool, this.st);
        const at = this.st >> 2;
        this.final = Array.from(heap().u32.subarray(at, at + 5));
        this.freed = true;
        Atomics.notify(heap().i32, this.sig);
        C.cy_kernel_pool_free(this.pool);
        this.pool = 0;
        C.free(this.st);
        if (this.argBuf) C.free(this.argBuf);
        this.argBuf = 0;
        if (this.pollTimer) {
          // A poll still armed (no Atomics.waitAsync) holds the process: let go of it.
          clearTimeout(this.pollTimer);
          this.pollTimer = null;
          if (this.armed) { this.armed = false; keepAlive(false); }
        }
      })();
    }
    return this.stopping;
  }
}

const TARGETS = "'builtin' (every C kernel registered in the core), a module URL or path whose 'kernels' export lists " +
  "the C kernels it calls, or { kernels: ['name', ...] }";

/**
 * The kernel set a target names: null (every registered kernel) for
 * 'builtin', else the Set of the names a module's `kernels` export or
 * `{ kernels: [...] }` lists, each checked against the core's registry.
 * Rejects with the module's own error when it cannot be loaded, and with a
 * TypeError naming `target` for anything else.
 * @param {unknown} target
 * @returns {Promise<{ set: Set<string>|null, label: string }>}
 */
async function parseTarget(target) {
  if (target === 'builtin') return { set: null, label: "'builtin'" };
  if (typeof target === 'string' || target instanceof URL) {
    const url = await moduleURL(target, 'c');
    let ns;
    try {
      ns = await import(url);
    } catch (e) {
      // Worded as the other modes word it: the module's own error class, the original as cause.
      throw moduleLoadError(e, url);
    }
    const def = ns.default;
    const list = ns.kernels !== undefined ? ns.kernels
      : def !== null && typeof def === 'object' ? def.kernels : undefined;
    const where = `the module '${url}'`;
    if (!Array.isArray(list)) {
      throw new TypeError(`createWorker(): mode 'c': 'target' ${where} must export 'kernels' (or a default export ` +
        `with 'kernels'), an array of the C kernel names its worker calls; got ${describe(list)}`);
    }
    return { set: kernelSet(list, `'kernels' of ${where}`), label: `kernels of ${url}` };
  }
  if (target !== null && typeof target === 'object' && !Array.isArray(target) && Array.isArray(target.kernels)) {
    const keys = Object.keys(target).filter((k) => k !== 'kernels');
    if (keys.length) throw new TypeError(`createWorker(): mode 'c': unknown key '${keys[0]}' in the target (expected { kernels: [names] })`);
    const set = kernelSet(target.kernels, 'target.kernels');
    return { set, label: `kernels ${[...set].join(', ')}` };
  }
  throw new TypeError(`createWorker(): mode 'c' needs ${TARGETS} as 'target'; got ${describe(target)}`);
}

/** The names of `list`, each a kernel registered in the core; `what` names the list in errors. */
function kernelSet(list, what) {
  const known = new Set(kernelNames());
  const set = new Set();
  list.forEach((k, i) => {
    if (typeof k !== 'string' || k.length === 0) throw new TypeError(`createWorker(): mode 'c': ${what}[${i}] must be a kernel name (a non-empty string); got ${describe(k)}`);
    if (!known.has(k)) {
      throw new TypeError(`createWorker(): mode 'c': no C kernel '${k}' (${what}[${i}]) is registered in the core; registered: ${[...known].join(', ')}`);
    }
    set.add(k);
  });
  return set;
}

/**
 * @param {unknown} target 'builtin', a module URL or path (its `kernels` export), or { kernels: string[] }
 * @param {{ maxWorkers: number, maxQueued: number, unwrapFutures: boolean }} opts normalized worker options
 */
export async function createBackend(target, opts) {
  // Pool options that would need a pthread to exit or be replaced: the
  // core's pool keeps its threads (a running kernel cannot be stopped), so
  // they are refused rather than ignored. balance is moot (one shared queue:
  // a free thread takes the next call), cancelGraceMs and retries have
  // nothing to act on (see the module's comment).
  if (opts.idleTimeout !== undefined && opts.idleTimeout !== -1) {
    throw new TypeError("createWorker(): option 'idleTimeout' does not apply to mode 'c' (its pthreads are kept for the worker's life)");
  }
  if (opts.maxTasksPerWorker !== undefined && opts.maxTasksPerWorker !== Infinity) {
    throw new TypeError("createWorker(): option 'maxTasksPerWorker' does not apply to mode 'c' (its pthreads are not recycled)");
  }
  const rc = C.cy_kernels_register_builtin();
  if (rc) throw new Error(`createWorker(): mode 'c': registering the built-in kernels failed: ${strerror(rc)}`);
  const { set, label } = await parseTarget(target);
  if (singleThreaded && !opts.inline) {
    // No pthreads in the single-threaded core: the kernels run on workers
    // of their own (c-worker.js), never on this thread. (opts.inline: the
    // worker's own backend, c-worker-entry.js.)
    const { CWorkerBackend } = await import('./c-worker.js');
    const wb = new CWorkerBackend(set, label, opts, (method) => CBackend.prototype.missing.call({ set, label }, method));
    await wb.start();
    return wb;
  }
  const b = new CBackend(set, opts, label);
  // Resolves once every thread of the pool runs: Emscripten starts a
  // pthread's Web Worker from this thread's event loop, so a thread not yet
  // started when waitSync() blocks this thread would never start (and the
  // calls queued for it would wait behind the others).
  const calls = C.malloc(Math.max(4, b.nthreads * 4));
  const n = C.cy_kernel_pool_warm(b.pool, calls);
  const ptrs = n > 0 ? Array.from(heap().u32.subarray(calls >> 2, (calls >> 2) + n)) : [];
  C.free(calls);
  if (n < 0) {
    await b.stop({ force: true });
    throw new Error(`createWorker(): mode 'c' could not start its ${b.nthreads} pthreads: ${strerror(n)}`);
  }
  try {
    for (const call of ptrs) {
      const f = adoptCFuture(C.cy_kernel_call_future(call), { owned: false });
      const e = await f.exception();
      if (e) throw new Error(`createWorker(): mode 'c': a pthread of the pool did not start: ${e.message}`, { cause: e });
    }
  } finally {
    for (const call of ptrs) C.cy_kernel_call_release(call);
  }
  b.base = n;
  return b;
}
