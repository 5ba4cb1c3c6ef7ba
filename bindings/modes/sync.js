/**
 * Mode `sync`: a call runs at call time on the caller's thread; a return or
 * throw gives a done SyncFuture, a returned Promise a PromiseFuture (whose
 * cancel and timeout fire the task's signal). A call whose arguments hold
 * futures runs once they are done (a PromiseFuture). See local.js.
 * @module concurry-wasm/modes/sync
 */
import { createLocalBackend } from './local.js';

/**
 * @param {string|object} target a module URL (resolved) or an object of functions
 * @param {{ maxQueued: number, unwrapFutures: boolean }} opts normalized worker options
 */
export function createBackend(target, opts) {
  return createLocalBackend('sync', target, opts);
}
