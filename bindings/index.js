/**
 * concurry-wasm: one synchronization layer (futures, wait, gather) whose
 * semantics live in a C11 core, here loaded as WebAssembly at import.
 *
 *   import { wait, gather } from 'concurry-wasm';
 *   const [a, b] = await gather([fetchA(), fetchB()], { timeout: 5000 });
 *
 * All times are milliseconds.
 * @module concurry-wasm
 */
export { ready } from './core.js';
export {
  CancelledError, TimeoutError, InvalidStateError, WorkerCrashedError, QueueFullError, DataCloneError, CoreError,
  UndeliveredCancelError,
} from './errors.js';
export { BaseFuture, kFutureOf } from './futures/base.js';
export { SyncFuture } from './futures/sync.js';
export { PromiseFuture } from './futures/promise.js';
export { CFuture } from './futures/c.js';
export { ProbeFuture } from './futures/probe.js';
export { RemoteFuture } from './futures/remote.js';
export { wrapFuture } from './wrap.js';
export { wait } from './wait.js';
export { gather } from './gather.js';
export { waitSync, gatherSync } from './sync-wait.js';
export { ReturnWhen, PollingAlgorithm } from './options.js';
export {
  PollingStrategy, FixedPollingStrategy, AdaptivePollingStrategy,
  ExponentialPollingStrategy, ProgressivePollingStrategy,
} from './polling.js';
export { config } from './config.js';
export { createWorker } from './modes/create.js';
