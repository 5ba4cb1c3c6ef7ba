// Task module of the browser test's thread-mode checks (tests/browser/checks.js):
// every function here runs in a module Web Worker of a thread-mode pool.
import { currentTask } from '/bindings/worker.js';

export function add(a, b) { return a + b; }

/** An error class with a cause and own properties, to cross the boundary. */
export class QuotaError extends Error {
  constructor(message, props) {
    super(message, { cause: new TypeError('inner cause') });
    this.name = 'QuotaError';
    Object.assign(this, props);
  }
}
export function failQuota(message, props) { throw new QuotaError(message, props); }

/** Reports 1..n as progress, with a timer between, then returns 'done n'. */
export async function count(n) {
  const task = currentTask();
  for (let i = 1; i <= n; i++) {
    task.progress(i);
    await new Promise((r) => setTimeout(r, 1));
  }
  return `done ${n}`;
}

export async function sleepThen(ms, value) {
  await new Promise((r) => setTimeout(r, ms));
  return value;
}

/**
 * Busy for `ms` without yielding and without looking at the signal: only
 * terminating the worker can end it early (the cancelGraceMs path).
 */
export function spin(ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) { /* busy */ }
  return 'spun';
}

/** Which worker answered: a random id fixed when this module loaded. */
const id = Math.random().toString(36).slice(2);
export function whoAmI() { return id; }

/**
 * Ends its own worker (a Web Worker's close(), the browser's process.exit)
 * and never settles: only the pool noticing the exit can fail the call.
 */
export function closeSelf() {
  self.close();
  return new Promise(() => {});
}

/** Throws outside any call (an uncaught error in the worker) and never settles. */
export function throwLater(message) {
  setTimeout(() => { throw new Error(message); }, 1);
  return new Promise(() => {});
}
