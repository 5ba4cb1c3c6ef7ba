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
 * A worker died (exit, kill, uncaught error, out of memory) while running the task.
 * `exitCode` and `signal` say how.
 */
export class WorkerCrashedError extends Error {
  /**
   * @param {string} [message]
   * @param {{ exitCode?: number|null, signal?: string|null } & ErrorOptions} [info]
   */
  constructor(message = 'Worker crashed while running the task', info = undefined) {
    super(message, info && info.cause !== undefined ? { cause: info.cause } : undefined);
    this.name = 'WorkerCrashedError';
    this.exitCode = info && info.exitCode !== undefined ? info.exitCode : null;
    this.signal = info && info.signal !== undefined ? info.signal : null;
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
