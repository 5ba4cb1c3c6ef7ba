// Type declarations of concurry-wasm (bindings/index.js). All times are milliseconds.

/* ---- errors ---------------------------------------------------------------- */

/** The future was cancelled: `result()`/`exception()` of a cancelled future reject with it. */
export class CancelledError extends Error {
  constructor(message?: string, options?: ErrorOptions);
  name: 'CancelledError';
}
/**
 * A timeout passed: of `wait()`/`gather()` (message "k of n completed"), of
 * `result({ timeout })`, or a call's own `timeout` (the future fails with it).
 */
export class TimeoutError extends Error {
  constructor(message?: string, info?: { completed?: number; total?: number; timeout?: number; cause?: unknown });
  name: 'TimeoutError';
  /** wait()/gather(): how many futures had completed. */
  completed?: number;
  /** wait()/gather(): how many futures there were. */
  total?: number;
  /** The timeout that passed, in ms. */
  timeout?: number;
}
/** An operation the future or worker is not in a state for: `resultNow()` before done, `call()` after `stop()`. */
export class InvalidStateError extends Error {
  constructor(message?: string, options?: ErrorOptions);
  name: 'InvalidStateError';
}
/** The worker running the call died (exit, kill, uncaught error outside the task, out of memory) and no retry was left. */
export class WorkerCrashedError extends Error {
  constructor(message?: string, info?: { exitCode?: number | null; signal?: string | null; method?: string | null; attempts?: number; cause?: unknown });
  name: 'WorkerCrashedError';
  /** The worker's exit code, or null (killed by a signal, or unknown). */
  exitCode: number | null;
  /** The signal that killed the worker, or null. */
  signal: string | null;
  /** The method of the call that was running. */
  method: string | null;
  /** How many times the call ran (1 + retries spent on it; 0 for a remote job dropped unrun). */
  attempts: number;
  /**
   * Remote mode: 'ERR_CALLER_UNRESPONSIVE' when a worker dropped the job without running it because
   * the caller's liveness key expired (its event loop blocked longer than max(120 s, 3 x connectTimeout + 5 s)).
   */
  code?: string;
}
/**
 * Remote mode: `stop()` ended everything, but the cancels or timeouts of some calls did not reach
 * Redis (away for connectTimeout): their jobs may still run. Thrown by an awaited `stop()` only;
 * `[Symbol.asyncDispose]` emits it as a process warning, and a `stop()` nobody awaits drops it.
 */
export class UndeliveredCancelError extends Error {
  constructor(message?: string, info?: { jobs?: UndeliveredJob[]; cause?: unknown });
  name: 'UndeliveredCancelError';
  /** The calls whose cancel or timeout was not delivered. */
  jobs: UndeliveredJob[];
}
/** A call listed by UndeliveredCancelError. */
export interface UndeliveredJob {
  /** The BullMQ job id. */
  id: string;
  method: string;
  /** 'withdraw': the job of a call already failed as "outcome unknown" (Redis was away), not removed. */
  reason: 'cancel' | 'timeout' | 'withdraw';
}
/** `call()` beyond `maxQueued` queued calls; thrown synchronously. */
export class QueueFullError extends Error {
  constructor(message?: string, info?: { maxQueued?: number; queued?: number; cause?: unknown });
  name: 'QueueFullError';
  maxQueued?: number;
  queued?: number;
}
/** A value that could not be cloned to or from a worker; `path` names it (`args[1].config.fn`). */
export class DataCloneError extends Error {
  constructor(message?: string, info?: { path?: string; cause?: unknown });
  name: 'DataCloneError';
  path: string | null;
}
/** A failure reported by C code (a C task's non-zero code). */
export class CoreError extends Error {
  constructor(message: string, code: number, codeName?: string);
  name: 'CoreError';
  code: number;
  codeName?: string;
  /** The task's failure payload (a pointer), for C futures. */
  payload?: number;
}

/* ---- futures --------------------------------------------------------------- */

export interface ResultOptions {
  /** ms; undefined, null or Infinity: none. */
  timeout?: number | null;
}

/** Objects that stand for a future (worker handles) expose it under this key. */
export declare const kFutureOf: unique symbol;

export abstract class BaseFuture<T = unknown> implements PromiseLike<T> {
  /** Prefix of uuid naming the kind ('sync-future-', 'promise-future-', 'c-future-', ...). */
  static readonly UUID_PREFIX: string;
  /** Unique id; its prefix names the kind of future. */
  readonly uuid: string;
  /** True once it has a result, an exception or was cancelled. */
  done(): boolean;
  cancelled(): boolean;
  /** True while the work runs (a worker call started, a C task on a thread). */
  running(): boolean;
  /** Cancels unless done: true if it did (the future is cancelled at once; a queued call is removed, a running one's signal fires). */
  cancel(): boolean;
  /** The value; rejects with the task's own error, CancelledError, or TimeoutError when `timeout` passes first (the future goes on). */
  result(options?: ResultOptions): Promise<T>;
  /** null for a successful future. */
  exception(options?: ResultOptions): Promise<unknown>;
  /** Throws InvalidStateError if not done. */
  resultNow(): T;
  /** The error (null for a success); throws InvalidStateError if not done, CancelledError if cancelled. */
  exceptionNow(): unknown;
  /** fn(this) exactly once, at once if already done. */
  addDoneCallback(fn: (future: this) => void): void;
  /** Thenable: `await future` gives `result()`. */
  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2>;
}

/** A future done from the start, with a value (`sync-future-`). */
export class SyncFuture<T = unknown> extends BaseFuture<T> {
  constructor(value: T);
  /** A SyncFuture failed with `error`. */
  static failed(error: unknown): SyncFuture<never>;
}

/** A Promise (or any thenable) as a future (`promise-future-`); cancel() only marks the future, it cannot stop the promise's work. */
export class PromiseFuture<T = unknown> extends BaseFuture<T> {
  constructor(promise: PromiseLike<T>);
}

/**
 * A future of the C core (cy_future*); its result is the task's void* as a
 * number. Made by the package for C tasks, never from a number by user code
 * (the constructor throws a TypeError).
 */
export class CFuture extends BaseFuture<number> {
  private constructor();
  /** The cy_future* in wasm memory. */
  readonly ptr: number;
}

export type ProbeResult<T> = null | undefined | false | { value: T } | { error: unknown };
/**
 * Probe-only work: waits call the probe when the polling strategy says so.
 * The probe answers synchronously; one that returns a Promise, or any other
 * truthy answer that is neither `{ value }` nor `{ error }`, fails the future
 * with a TypeError.
 */
export class ProbeFuture<T = unknown> extends BaseFuture<T> {
  constructor(probe: () => ProbeResult<T>);
}

/**
 * The future of a remote-mode call (uuid prefix 'remote-future-'): a job on
 * Redis. Its state, once known, stays cached in the core (never fetched
 * again); done() is never true before the result can be read. Made by
 * remote workers only; cancel() removes a queued job or stops a running one
 * on whichever machine runs it. waitSync/gatherSync refuse it.
 */
export class RemoteFuture<T = unknown> extends ProbeFuture<T> {
  private constructor();
}

/** A BaseFuture as is; a worker handle's future; a thenable as PromiseFuture; anything else as SyncFuture. */
export function wrapFuture<T>(x: T): T extends BaseFuture<infer U> ? BaseFuture<U> : BaseFuture<Awaited<T>>;

/* ---- options ----------------------------------------------------------------- */

/** When wait() returns (the original's return_when). */
export declare const ReturnWhen: {
  readonly ALL_COMPLETED: 'ALL_COMPLETED';
  readonly FIRST_COMPLETED: 'FIRST_COMPLETED';
  readonly FIRST_EXCEPTION: 'FIRST_EXCEPTION';
};
type Upper = 'ALL_COMPLETED' | 'FIRST_COMPLETED' | 'FIRST_EXCEPTION';
/** Case-insensitive. */
export type ReturnWhenValue = Upper | Lowercase<Upper> | (string & {});

/** Names of the built-in polling strategies. */
export declare const PollingAlgorithm: {
  readonly Fixed: 'fixed';
  readonly Adaptive: 'adaptive';
  readonly Exponential: 'exponential';
  readonly Progressive: 'progressive';
};
/** Case-insensitive strategy name, or an instance. */
export type PollingOption = 'fixed' | 'adaptive' | 'exponential' | 'progressive' | (string & {}) | PollingStrategy;

/** What progress callbacks get, as the core counts it. */
export interface ProgressReport {
  /** Futures done so far, failures included. */
  completed: number;
  /** Of those, how many failed or were cancelled. */
  failed: number;
  /** How many futures the wait has. */
  total: number;
  /** ms since the wait started. */
  elapsedMs: number;
  /** True on the last report of a wait: exactly once, before it settles. */
  final: boolean;
}
/**
 * A bar like tqdm's: drawn on `stream` (default stderr) when it is a TTY, one
 * shared block of lines per stream for concurrent bars; ends green (all
 * done), red (a failure) or grey (stopped early: timeout, abort, ...).
 */
export interface ProgressBarOptions {
  /** Label before the bar. */
  desc?: string;
  /** Unit of the rate (default 'it'). */
  unit?: string;
  /** The core reports at most every `miniters` completions (and always at the end). */
  miniters?: number;
  /** Redraws at most every `mininterval` ms (default 100; plain lines: 1000). */
  mininterval?: number;
  /** The total to show (default: the number of futures). */
  total?: number;
  /** Bar cells (default: what the columns leave, at most 60). */
  width?: number;
  /** Columns of the whole line (default: the stream's). */
  ncols?: number;
  /** Colour while running: a name ('cyan', ...) or '#rrggbb'. */
  color?: string;
  /** Draw nothing (the callback still runs). */
  disable?: boolean;
  /** Keep the bar on screen in its end state (default true). */
  leave?: boolean;
  /** On a stream that is not a TTY: sparse plain lines instead of nothing. */
  plain?: boolean;
  /** Where to draw: an object with write() (and isTTY, columns); default process.stderr. */
  stream?: { write(chunk: string): unknown; isTTY?: boolean; columns?: number };
  /** Also called with each report. */
  callback?: (report: ProgressReport) => void;
}
/** `true`: a bar on stderr when it is a TTY; an object: bar options; a function: called with each report. */
export type ProgressOption = boolean | ((report: ProgressReport) => void) | ProgressBarOptions | null | undefined;

export interface WaitOptions {
  /** ms; on expiry wait() rejects with TimeoutError ("k of n completed"). 0: what is done at the call. */
  timeout?: number | null;
  /** 'ALL_COMPLETED' (default), 'FIRST_COMPLETED' or 'FIRST_EXCEPTION' (all done when nothing fails). */
  returnWhen?: ReturnWhenValue;
  /** Pace of probe rounds for futures that cannot notify (ProbeFutures); default config.defaults.defaultPolling. */
  polling?: PollingOption;
  /** Progress reports, the final one before wait() settles. */
  progress?: ProgressOption;
  /** Also wait on futures nested in arrays, objects, Maps and Sets. */
  recurse?: boolean;
  /** Aborting rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Cancel the futures still pending once the result is decided, the timeout passes or the signal aborts. */
  cancelPending?: boolean;
}
export interface GatherOptions {
  /** Failures become values in the result instead of rejecting (the first, in completion order). */
  returnExceptions?: boolean;
  /** An async iterator of [key, value] in completion order instead of a Promise. */
  iter?: boolean;
  /** ms; on expiry gather() rejects with TimeoutError ("k of n completed"). 0: what is done at the call. */
  timeout?: number | null;
  /** Pace of probe rounds for futures that cannot notify (ProbeFutures). */
  polling?: PollingOption;
  /** Progress reports, the final one before gather() settles. */
  progress?: ProgressOption;
  /** Resolve futures nested in arrays, objects, Maps and Sets, keeping the shape. */
  recurse?: boolean;
  /** Aborting rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * Cancel the futures still pending once the gather fails fast, its timeout
   * passes or its signal aborts; with `iter: true`, also when the loop is left
   * early (break, return(), an error).
   */
  cancelPending?: boolean;
}

/* ---- wait ------------------------------------------------------------------- */

/** wait()'s answer: the input's futures (values wrapped) split by state; every one stays usable. */
export interface WaitResult {
  done: Set<BaseFuture>;
  notDone: Set<BaseFuture>;
}

type AnyMap = Map<any, any>;
/** An iterator (a generator, map.values()) is list input: read once at the call, → array. */
type Structure = readonly unknown[] | Set<unknown> | AnyMap | IterableIterator<unknown> | Record<PropertyKey, unknown>;

/** A separate argument of the variadic forms: a future, a thenable or a primitive value. */
export type FutureLike = BaseFuture<unknown> | PromiseLike<unknown> | string | number | bigint | boolean | symbol | null | undefined;

/**
 * Waits until the `returnWhen` condition holds over the futures (an array,
 * Set, object, Map, one future or value); values count as done futures.
 */
export function wait(fs: Structure | FutureLike, options?: WaitOptions): Promise<WaitResult>;
/** Variadic: wait(f1, f2, ..., options?). */
export function wait(f1: FutureLike, f2: FutureLike | WaitOptions, ...rest: (FutureLike | WaitOptions)[]): Promise<WaitResult>;

/* ---- gather ----------------------------------------------------------------- */

/** The value a future-or-value gives. */
export type Resolved<T> = T extends BaseFuture<infer U> ? U : Awaited<T>;
/** With recurse: nested arrays/Sets/objects/Maps resolved keeping the shape. */
export type DeepResolved<T> =
  T extends BaseFuture<infer U> ? U :
  T extends PromiseLike<infer U> ? U :
  T extends readonly unknown[] ? { -readonly [K in keyof T]: DeepResolved<T[K]> } :
  T extends Set<infer V> ? DeepResolved<V>[] :
  T extends Map<infer K, infer V> ? Map<K, DeepResolved<V>> :
  T extends Record<PropertyKey, unknown> ? { -readonly [K in keyof T]: DeepResolved<T[K]> } :
  T;

type GatherOut<T> =
  T extends readonly unknown[] ? { -readonly [K in keyof T]: Resolved<T[K]> } :
  T extends Set<infer V> ? Resolved<V>[] :
  T extends Map<infer K, infer V> ? Map<K, Resolved<V>> :
  T extends IterableIterator<infer V> ? Resolved<V>[] :
  T extends BaseFuture<infer U> ? [U] :
  T extends PromiseLike<infer U> ? [U] :
  T extends Record<PropertyKey, unknown> ? { -readonly [K in keyof T]: Resolved<T[K]> } :
  [T];

type KeyOf<T> =
  T extends readonly unknown[] ? number :
  T extends Set<unknown> ? number :
  T extends Map<infer K, unknown> ? K :
  T extends IterableIterator<unknown> ? number :
  T extends BaseFuture<unknown> | PromiseLike<unknown> ? number :
  T extends Record<PropertyKey, unknown> ? ObjectKey<T> :
  number;

/** A dict key as iteration gives it: a string (numeric keys too, as objects hold them) or a symbol. */
type ObjectKey<T> = (keyof T & string) | (keyof T & symbol) | `${keyof T & number}`;

type ValueOf<T> =
  T extends readonly (infer V)[] ? Resolved<V> :
  T extends Set<infer V> ? Resolved<V> :
  T extends Map<unknown, infer V> ? Resolved<V> :
  T extends IterableIterator<infer V> ? Resolved<V> :
  T extends BaseFuture<infer U> ? U :
  T extends PromiseLike<infer U> ? U :
  T extends Record<PropertyKey, infer V> ? Resolved<V> :
  T;

type WithExceptions<V, O> = O extends { returnExceptions: true } ? V | Error : V;
type WithExceptionsOut<T, O> =
  O extends { returnExceptions: true }
    ? T extends Map<infer K, infer V> ? Map<K, V | Error>
    : T extends readonly unknown[] ? { [K in keyof T]: T[K] | Error }
    : { [K in keyof T]: T[K] | Error }
    : T;

/** gather(fs, { iter: true }): [key, value] pairs in completion order. */
export function gather<T, O extends GatherOptions & { iter: true }>(
  fs: T, options: O,
): AsyncIterableIterator<[KeyOf<T>, WithExceptions<O extends { recurse: true } ? any : ValueOf<T>, O>]>;
/** gather(fs, { recurse: true }): nested shapes resolved. */
export function gather<const T, O extends GatherOptions & { recurse: true; iter?: false }>(
  fs: T, options: O,
): Promise<WithExceptionsOut<DeepResolved<T extends Set<infer V> ? V[] : T extends IterableIterator<infer V> ? V[] : T extends BaseFuture<unknown> | PromiseLike<unknown> ? [T] : T>, O>>;
/** gather(array) → array; gather(object) → object with the same keys; gather(Map) → Map; gather(iterator) → array; gather(single) → [value]. */
export function gather<const T, O extends GatherOptions & { iter?: false }>(
  fs: T, options?: O,
): Promise<WithExceptionsOut<GatherOut<T>, O>>;
/**
 * Options typed as the whole GatherOptions (`opts: GatherOptions | undefined`):
 * whether they iterate, recurse or return exceptions is known only at run
 * time, so the result is a Promise or (iter: true) an iterator, of any values.
 */
export function gather<const T>(
  fs: T, options?: GatherOptions,
): Promise<any> | AsyncIterableIterator<[KeyOf<T>, any]>;
/** Variadic: gather(f1, f2, ..., options?) → array. */
export function gather(f1: FutureLike, f2: FutureLike | GatherOptions, ...rest: (FutureLike | GatherOptions)[]): Promise<unknown[]>;

/* ---- blocking forms: waitSync / gatherSync ------------------------------------- */

/**
 * Options of waitSync(): wait()'s, less `signal` (nothing can abort it while
 * the thread is blocked) and with `progress` a function only.
 */
export interface WaitSyncOptions {
  timeout?: number | null;
  returnWhen?: ReturnWhenValue;
  polling?: PollingOption;
  progress?: ((report: ProgressReport) => void) | null;
  recurse?: boolean;
  cancelPending?: boolean;
}
/** Options of gatherSync(): gather()'s, less `signal` and `iter`, `progress` a function only. */
export interface GatherSyncOptions {
  returnExceptions?: boolean;
  timeout?: number | null;
  polling?: PollingOption;
  progress?: ((report: ProgressReport) => void) | null;
  recurse?: boolean;
  cancelPending?: boolean;
}
/**
 * wait(), blocking (worker threads, browser workers, Node's main thread):
 * Atomics.wait on the core. Only futures that can complete while this thread
 * blocks (C futures, ProbeFutures, done futures, thread-mode calls in Node);
 * a TypeError naming the kind of any other (process-mode calls among them),
 * and on a browser's main thread. Also a TypeError, saying why, wherever the
 * single-threaded core is loaded (no SharedArrayBuffer: a browser page that
 * is not cross-origin isolated), since nothing could complete a future then.
 */
export function waitSync(fs: Structure | FutureLike, options?: WaitSyncOptions): WaitResult;
/** Variadic: waitSync(f1, f2, ..., options?). */
export function waitSync(f1: FutureLike, f2: FutureLike | WaitSyncOptions, ...rest: (FutureLike | WaitSyncOptions)[]): WaitResult;
/** gather(), blocking: the values in the input's shape (same inputs and rules as waitSync). */
export function gatherSync<const T, O extends GatherSyncOptions & { recurse: true }>(
  fs: T, options: O,
): WithExceptionsOut<DeepResolved<T extends Set<infer V> ? V[] : T extends BaseFuture<unknown> | PromiseLike<unknown> ? [T] : T>, O>;
export function gatherSync<const T, O extends GatherSyncOptions>(fs: T, options?: O): WithExceptionsOut<GatherOut<T>, O>;
/** Variadic: gatherSync(f1, f2, ..., options?) → array. */
export function gatherSync(f1: FutureLike, f2: FutureLike | GatherSyncOptions, ...rest: (FutureLike | GatherSyncOptions)[]): unknown[];

/* ---- polling ------------------------------------------------------------------ */

/** A polling strategy backed by the core; subclass (no name) for a custom one. */
export class PollingStrategy {
  protected constructor(name?: string);
  /** A built-in by name (case-insensitive), its parameters from config.defaults. */
  static create(name: string): PollingStrategy;
  /** 'fixed', 'adaptive', 'exponential', 'progressive', or 'custom'. */
  readonly name: string;
  /** ms until the next probe round. */
  nextInterval(): number;
  /** A round found something done. */
  recordCompletion(): void;
  /** A round found nothing done. */
  recordNoCompletion(): void;
  /** Back to the initial state. */
  reset(): void;
  /** A built-in's parameters (those its constructor takes), as the core holds them; {} for a custom strategy. */
  readonly params: Record<string, number>;
}
export class FixedPollingStrategy extends PollingStrategy {
  constructor(params?: { interval?: number });
}
export class AdaptivePollingStrategy extends PollingStrategy {
  constructor(params?: { minInterval?: number; maxInterval?: number; initialInterval?: number; speedup?: number; slowdown?: number; emptyChecks?: number });
}
export class ExponentialPollingStrategy extends PollingStrategy {
  constructor(params?: { initialInterval?: number; maxInterval?: number; multiplier?: number });
}
export class ProgressivePollingStrategy extends PollingStrategy {
  constructor(params?: { minInterval?: number; maxInterval?: number; checksPerLevel?: number });
}

/* ---- config ------------------------------------------------------------------- */

/** The core's defaults (cy_config); an invalid value throws RangeError and changes nothing. */
export interface ConfigDefaults {
  /** ms, 10. */
  pollingFixedInterval: number;
  /** ms, 1. */
  pollingAdaptiveMinInterval: number;
  /** ms, 100. */
  pollingAdaptiveMaxInterval: number;
  /** ms, 10. */
  pollingAdaptiveInitialInterval: number;
  /** Factor on a round with a completion, 0.7. */
  pollingAdaptiveSpeedup: number;
  /** Factor after `pollingAdaptiveEmptyChecks` empty rounds, 1.3. */
  pollingAdaptiveSlowdown: number;
  /** 3. */
  pollingAdaptiveEmptyChecks: number;
  /** ms, 1. */
  pollingExponentialInitialInterval: number;
  /** ms, 1000. */
  pollingExponentialMaxInterval: number;
  /** 2. */
  pollingExponentialMultiplier: number;
  /** ms, 1 (levels 1, 5, 10, 50, 100 ms). */
  pollingProgressiveMinInterval: number;
  /** ms, 100. */
  pollingProgressiveMaxInterval: number;
  /** Rounds per level, 5. */
  pollingProgressiveChecksPerLevel: number;
  /** Progress reports at most every this many completions (and always at the end), 1. */
  progressMiniters: number;
  /** Strategy of waits without `polling`, 'adaptive'. */
  defaultPolling: string;
}
/** Global configuration: `config.defaults.pollingFixedInterval = 5` sets it in the core. */
export declare const config: {
  readonly defaults: ConfigDefaults;
  /** Restores the built-in defaults. */
  reset(): void;
  /** A plain copy of the current defaults. */
  snapshot(): ConfigDefaults;
};

/** Resolves once the wasm core is loaded (it loads at import). */
export function ready(): Promise<void>;

/* ---- workers (createWorker) ------------------------------------------------ */

declare global {
  // Symbol.asyncDispose (lib esnext.disposable, Node >= 20) for projects whose lib predates it.
  interface SymbolConstructor {
    readonly asyncDispose: unique symbol;
  }
}

/** Execution modes of createWorker(). */
export type WorkerMode = 'sync' | 'asyncio' | 'thread' | 'process' | 'c' | 'remote';

/** Options of createWorker(); pool options apply to thread, process and c. */
export interface WorkerOptions {
  /** Default 'sync' (case-insensitive). */
  mode?: WorkerMode;
  /** Pool size, an integer >= 1 (sync/asyncio: 1 only; remote: jobs each local worker runs at once). Default: cores − 1, at least 1. */
  maxWorkers?: number;
  /** How calls are handed to workers (default 'round-robin'). */
  balance?: 'round-robin' | 'least-busy';
  /** Accepted calls not yet running; a call beyond it throws QueueFullError. Default Infinity. */
  maxQueued?: number;
  /** ms; idle workers exit, new ones start on demand. null/Infinity: never. */
  idleTimeout?: number | null;
  /** A worker is replaced after this many calls (leaky tasks). */
  maxTasksPerWorker?: number;
  /** Thread mode in Node only (a browser rejects it with a TypeError). */
  resourceLimits?: {
    maxOldGenerationSizeMb?: number;
    maxYoungGenerationSizeMb?: number;
    codeRangeSizeMb?: number;
    stackSizeMb?: number;
  };
  /** ms a cancelled or timed-out running call may take before its worker is replaced. Default 1000. */
  cancelGraceMs?: number;
  /** Re-runs of a call whose worker crashed. Default 0. */
  retries?: number;
  /** Await futures and Promises among the arguments (nested too). Default true; when false, a future among the arguments of a thread/process call fails it with DataCloneError. */
  unwrapFutures?: boolean;
  /** Remote mode (required there): the Redis URL, 'redis://host:port' or 'rediss://...'. */
  redis?: string;
  /** Remote mode: the queue's name (no ':'); default 'concurry'. concurry-worker --queue serves it. */
  queue?: string;
  /** Remote mode: worker processes started on this machine, for a one-machine setup; default 0. */
  localWorkers?: number;
  /** Remote mode: ms to reach Redis before createWorker rejects (naming the URL); default 5000. */
  connectTimeout?: number;
  /**
   * Remote mode: how long finished jobs (completed or failed) stay in Redis, where a caller that missed an
   * event reads the outcome: `age` in ms (>= 1000, whole seconds; default 3600000), `count` per queue
   * (>= 1; default 100000); Infinity for no limit. A job removed before its caller read it fails the call
   * with WorkerCrashedError.
   */
  keepFinished?: { age?: number; count?: number };
  /**
   * Remote mode: most calls per BullMQ job (an integer 1..1000; default 64; 1: a job per call). Calls
   * made in the same tick travel in batch jobs of min(maxBatch, floor(n / 16)) calls (at least 16 jobs
   * when there are that many calls; fewer than 32 calls go one job each); each call keeps its own
   * outcome, progress, cancel, timeout and retries, and settles when it finishes.
   */
  maxBatch?: number;
}

/**
 * What a call can move instead of copy: an ArrayBuffer, a MessagePort, or another
 * transferable of the platform (ImageBitmap, OffscreenCanvas, streams). Spelled out
 * structurally so that a project without the DOM lib (Node: `lib: es2023`,
 * `types: node`) type-checks; the DOM's `Transferable` values are assignable to it.
 */
export type TransferItem =
  | ArrayBuffer
  | { postMessage(message: any, ...rest: any[]): void; close(): void }
  | { close(): void; readonly width: number; readonly height: number }
  | { getContext(...args: any[]): unknown; readonly width: number; readonly height: number }
  | { getReader(...args: any[]): unknown }
  | { getWriter(...args: any[]): unknown }
  | { readonly readable: unknown; readonly writable: unknown };

/** Per-call options of callWith(). */
export interface CallOptions {
  /** Aborting cancels the call, as cancel() does. */
  signal?: AbortSignal | null;
  /** ms from the call, queue time included; the future fails with TimeoutError. */
  timeout?: number | null;
  /** ArrayBuffers or MessagePorts (or other transferables) to move (thread mode); each checked at the call (a typed array: pass its .buffer). */
  transfer?: TransferItem[] | null;
  /** Gets each `currentTask().progress(value)` of the task, in order, before the result. */
  onProgress?: ((value: any) => void) | null;
  /** Re-runs after a crash of the worker, for this call (default: the worker's `retries`). */
  retries?: number;
}

/** Counters of a worker. */
export interface WorkerStats {
  /** Workers alive. */
  workers: number;
  /** Of those, with nothing to do. */
  idle: number;
  /** Calls running now. */
  running: number;
  /** Calls accepted and not running (waiting for argument futures included). */
  queued: number;
  /** Calls that succeeded. */
  completed: number;
  /** Calls that failed, timed out or were cancelled. */
  failed: number;
  /**
   * Workers that died (not counting those that died while starting up). In remote mode, where the
   * workers are other processes, calls that failed with WorkerCrashedError.
   */
  crashed: number;
}

type AnyFn = (...args: any[]) => any;
type FnKeys<T> = { [K in keyof T]: T[K] extends AnyFn ? K : never }[keyof T] & string;
type FnArgs<T, K extends keyof T> = T[K] extends (...args: infer A) => any ? A : never;
type FnResult<T, K extends keyof T> = T[K] extends (...args: any[]) => infer R ? Awaited<R> : never;
/** Arguments may be futures or Promises (unwrapFutures). */
type MaybeFutures<A extends any[]> = { [I in keyof A]: A[I] | BaseFuture<A[I]> | PromiseLike<A[I]> };

/** The handle's own members (methods of the target with these names go through call()). */
export interface WorkerMethods<T = Record<string, AnyFn>> {
  readonly mode: WorkerMode;
  /** Calls `method` with `args`; throws QueueFullError beyond maxQueued, InvalidStateError after stop(). */
  call<K extends FnKeys<T>>(method: K, ...args: MaybeFutures<FnArgs<T, K>>): BaseFuture<FnResult<T, K>>;
  call(method: string, ...args: unknown[]): BaseFuture<any>;
  /** call() with per-call options (signal, timeout, transfer, onProgress, retries). */
  callWith<K extends FnKeys<T>>(options: CallOptions, method: K, ...args: MaybeFutures<FnArgs<T, K>>): BaseFuture<FnResult<T, K>>;
  callWith(options: CallOptions, method: string, ...args: unknown[]): BaseFuture<any>;
  /**
   * Drains; `{ force: true }` cancels queued and running calls. Later calls throw InvalidStateError.
   * Remote mode: also waits (up to connectTimeout) for cancels and timeouts made while Redis was
   * away to reach it; if some could not, rejects after closing with UndeliveredCancelError
   * (`error.jobs`). A stop() that nobody awaits never rejects unhandled for it.
   */
  stop(options?: { force?: boolean }): Promise<void>;
  /** Counters, read now. */
  stats(): WorkerStats;
  /** Resolves when nothing is queued or running; rejects with InvalidStateError once stop() was called. */
  whenIdle(): Promise<void>;
  /** Resolves when a call would be accepted under maxQueued; rejects with InvalidStateError once stop() was called (also while waiting). */
  whenAvailable(): Promise<void>;
  /**
   * stop(), for `await using`; remote mode's UndeliveredCancelError is emitted as a process warning
   * rather than thrown (no SuppressedError at the end of a scope for it): call stop() to catch it.
   */
  [Symbol.asyncDispose](): Promise<void>;
  /** Never thenable. */
  readonly then?: undefined;
}

/** A worker handle: its own members, and each function of the target as a method returning a future. */
export type WorkerHandle<T = Record<string, AnyFn>> = WorkerMethods<T> & {
  readonly [K in Exclude<FnKeys<T>, keyof WorkerMethods<T>>]: (...args: MaybeFutures<FnArgs<T, K>>) => BaseFuture<FnResult<T, K>>;
};

/**
 * Creates a worker running `target`'s functions: a module URL or path (every
 * mode; `export default` objects too), or an object of functions (sync,
 * asyncio). Rejects for bad options and for a module that cannot be loaded.
 * Type the module with `createWorker<typeof import('./tasks.js')>(...)`.
 */
/**
 * Mode 'c': C kernels of the core, by name. The target is a module URL or
 * path whose `kernels` export (or its default export's `kernels`) lists the
 * kernels its worker calls, or 'builtin' (every registered kernel: primes,
 * mandelbrot, fib, spin, sleep, fail, sum_bytes, reverse_bytes, add, sleepThen, and any
 * linked in with CY_KERNEL_EXPORT), or { kernels: [names] }.
 * Arguments are numbers and at most one ArrayBuffer/view (input bytes); a
 * call gives the kernel's number, or its output bytes as a Uint8Array.
 */
export function createWorker(target: 'builtin' | string | URL | { kernels: readonly string[] }, options: WorkerOptions & { mode: 'c' }): Promise<WorkerHandle<Record<string, (...args: (number | ArrayBuffer | ArrayBufferView)[]) => number | Uint8Array>>>;
export function createWorker<T = Record<string, AnyFn>>(target: string | URL, options?: WorkerOptions): Promise<WorkerHandle<T>>;
export function createWorker<T extends object>(target: T, options?: WorkerOptions): Promise<WorkerHandle<T>>;
