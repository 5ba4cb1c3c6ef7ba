/**
 * Error classes of concurry-wasm (DESIGN.md: "Errors, exported as classes").
 *
 * Every future raises the same types whatever runs it (Rule 4 of the
 * original, Concurry's design):
 * `CancelledError` for a cancelled future, `TimeoutError` when a timeout passes,
 * `InvalidStateError` for `resultNow()`/`exceptionNow()` on a pending future, and
 * the task's own error, unwrapped, when it failed.
 * @module concurry-wasm/errors
 */

/** The future was cancelled before it finished. */
export class CancelledError extends Error {
  /** @param {string} [message] @param {ErrorOptions} [options] */
  constructor(message = 'Future was cancelled', options) {
    super(message, options);
    this.name = 'CancelledError';
  }
}

/**
 * A timeout passed before the condition held. From `wait`/`gather` it carries
 * `completed` and `total` (the message says "k of n completed"); the futures stay
 * usable afterwards.
 */
export class TimeoutError extends Error {
  /**
   * @param {string} [message]
   * @param {{ completed?: number, total?: number, timeout?: number } & ErrorOptions} [info]
   */
  constructor(message = 'Future did not complete within timeout', info = undefined) {
    super(message, info && info.cause !== undefined ? { cause: info.cause } : undefined);
    this.name = 'TimeoutError';
    if (info) {
      if (info.completed !== undefined) this.completed = info.completed;
      if (info.total !== undefined) this.total = info.total;
      if (info.timeout !== undefined) this.timeout = info.timeout;
    }
  }
}

/** The operation does not fit the future's state (e.g. `resultNow()` on a pending future). */
export class InvalidStateError extends Error {
  /** @param {string} [message] @param {ErrorOptions} [options] */
  constructor(message = 'Invalid state for this operation', options) {
    super(message, options);
    this.name = 'InvalidStateError';
  }
}

/**
 * A worker died (exit, kill, uncaught error at top level, out of memory) while
 * running the call. `exitCode` or `signal` says how (null when unknown),
 * `method` names the call, `attempts` is how many times it ran (1 + the
 * retries spent on it).
 */
export class WorkerCrashedError extends Error {
  /**
   * @param {string} [message]
   * @param {{ exitCode?: number|null, signal?: string|null, method?: string|null, attempts?: number } & ErrorOptions} [info]
   */
  constructor(message = 'Worker crashed while running the task', info = undefined) {
    super(message, info && info.cause !== undefined ? { cause: info.cause } : undefined);
    this.name = 'WorkerCrashedError';
    this.exitCode = info && info.exitCode !== undefined ? info.exitCode : null;
    this.signal = info && info.signal !== undefined ? info.signal : null;
    this.method = info && info.method !== undefined ? info.method : null;
    this.attempts = info && info.attempts !== undefined ? info.attempts : 1;
  }
}

/**
 * A worker's queue is full: `call()` throws it synchronously when `maxQueued`
 * calls are already waiting (`await worker.whenAvailable()` first).
 */
export class QueueFullError extends Error {
  /**
   * @param {string} [message]
   * @param {{ maxQueued?: number, queued?: number } & ErrorOptions} [info]
   */
  constructor(message = 'The worker\'s queue is full', info = undefined) {
    super(message, info && info.cause !== undefined ? { cause: info.cause } : undefined);
    this.name = 'QueueFullError';
    if (info && info.maxQueued !== undefined) this.maxQueued = info.maxQueued;
    if (info && info.queued !== undefined) this.queued = info.queued;
  }
}

/**
 * A value could not be cloned to or from a worker. `path` names where it sits
 * (`args[1].config.fn`, `result.handler`); the message says what it is.
 */
export class DataCloneError extends Error {
  /**
   * @param {string} [message]
   * @param {{ path?: string } & ErrorOptions} [info]
   */
  constructor(message = 'A value could not be cloned', info = undefined) {
    super(message, info && info.cause !== undefined ? { cause: info.cause } : undefined);
    this.name = 'DataCloneError';
    this.path = info && info.path !== undefined ? info.path : null;
  }
}

/**
 * Remote mode: `stop()` ended the handle (connections closed, local workers
 * ended), but the cancels or timeouts of some calls did not reach Redis (it
 * stayed away for connectTimeout): their jobs may still run. `jobs` lists
 * them: `{ id, method, reason: 'cancel' | 'timeout' | 'withdraw' }` ('withdraw': a
 * call failed as "outcome unknown" whose job could not be withdrawn). Thrown by an awaited
 * `stop()` only: `[Symbol.asyncDispose]` reports it as a process warning
 * instead, and a `stop()` nobody awaits drops it.
 */
export class UndeliveredCancelError extends Error {
  /**
   * @param {string} [message]
   * @param {{ jobs?: Array<{ id: string, method: string, reason: 'cancel'|'timeout'|'withdraw' }> } & ErrorOptions} [info]
   */
  constructor(message = 'Cancels did not reach Redis: their jobs may still run', info = undefined) {
    super(message, info && info.cause !== undefined ? { cause: info.cause } : undefined);
    this.name = 'UndeliveredCancelError';
    this.jobs = info && Array.isArray(info.jobs) ? info.jobs : [];
  }
}

/**
 * A failure reported by C code (a C task's non-zero code, or a core error code)
 * that has no JavaScript error of its own.
 */
export class CoreError extends Error {
  /** @param {string} message @param {number} code @param {string} [codeName] */
  constructor(message, code, codeName) {
    super(message);
    this.name = 'CoreError';
    this.code = code;
    if (codeName) this.codeName = codeName;
  }
}
