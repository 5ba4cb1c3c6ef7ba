/**
 * A list of callers waiting for one condition of a backend (idle, a free
 * queue place, every worker exited): `wait()` hands out a promise, and
 * `flush()` resolves all of those handed out so far once the owner sees the
 * condition hold. The owner tests its condition; this only keeps the list,
 * so that each backend's whenIdle()/whenAvailable() bookkeeping is not
 * written again.
 */
export class Waiters {
  constructor() {
    /** @type {Array<() => void>} */
    this.list = [];
  }

  /** Whether anyone waits: lets the owner skip testing a costly condition. @returns {boolean} */
  get pending() {
    return this.list.length !== 0;
  }

  /** @returns {Promise<void>} resolved by the next flush() */
  wait() {
    return new Promise((resolve) => { this.list.push(resolve); });
  }

  /**
   * Resolves every waiter registered so far. The list is swapped out first:
   * a waiter added while these run (their continuations run later, as
   * microtasks, but a resolver may be any function) waits for the next flush.
   */
  flush() {
    if (this.list.length === 0) return;
    const ws = this.list;
    this.list = [];
    for (const r of ws) r();
  }
}

/**
 * Callers each waiting for a condition of their own (mode 'c': whenIdle,
 * whenAvailable), tested again whenever the owner says something changed:
 * `until(cond)` resolves at once if cond() holds, else at the first check()
 * that finds it true.
 */
export class CondWaiters {
  constructor() {
    /** @type {Array<[() => boolean, () => void]>} */
    this.list = [];
  }

  /** Whether anyone waits. @returns {boolean} */
  get pending() {
    return this.list.length !== 0;
  }

  /** @param {() => boolean} cond @returns {Promise<void>} */
  until(cond) {
    if (cond()) return Promise.resolve();
    return new Promise((resolve) => { this.list.push([cond, resolve]); });
  }

  /**
   * Resolves the waiters whose condition now holds, in the order they came.
   * @returns {boolean} whether some still wait
   */
  check() {
    if (this.list.length === 0) return false;
    const still = [];
    for (const w of this.list) {
      if (w[0]()) w[1]();
      else still.push(w);
    }
    this.list = still;
    return still.length !== 0;
  }
}
