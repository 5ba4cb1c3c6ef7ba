/**
 * Mode `asyncio`: a call runs on the event loop (a microtask after the call,
 * or once its argument futures are done); its future is a PromiseFuture.
 * cancel() fires the task's signal and cancels the future at once; a timeout
 * fails it with TimeoutError and fires the signal. See local.js.
 * @module concurry-wasm/modes/asyncio
 */
import { createLocalBackend } from './local.js';

/**
 * @param {string|object} target a module URL (resolved) or an object of functions
 * @param {{ maxQueued: number, unwrapFutures: boolean }} opts normalized worker options
 */
export function createBackend(target, opts) {
  return createLocalBackend('asyncio', target, opts);
}
