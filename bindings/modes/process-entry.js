/**
 * Entry of a pool child process (child_process.fork, serialization
 * 'advanced'): adapts the IPC channel to the one runtime (runtime.js). The
 * child leaves when its parent goes away (the channel disconnects), so a
 * parent that exits or dies never leaves it behind.
 * @module concurry-wasm/modes/process-entry
 */
import { startRuntime } from './runtime.js';

process.on('disconnect', () => process.exit(0));

startRuntime({
  send: (m) => { process.send(m); },
  onMessage: (fn) => process.on('message', fn),
  slot: null,
  ring: null,
  flushEach: true,
  transfers: false,
  yieldNow: (fn) => setImmediate(fn),
  exit: () => process.exit(0),
});
