/**
 * Entry of a pool child process (child_process.fork, serialization
 * 'advanced'): adapts the IPC channel to the one runtime (runtime.js). The
 * child leaves when its parent goes away (the channel disconnects), so a
 * parent that exits or dies never leaves it behind.
 * @module concurry-wasm/modes/process-entry
 */
import { writeSync } from 'node:fs';
import { startRuntime } from './runtime.js';
import { inspect } from 'node:util';
import { serializeError } from './boundary.js';
import { crashText } from './crash-text.js';

/* fd 4: the pipe on which the pool learns which call runs (process.js). */
const STARTED_FD = 4;
const idBuf = Buffer.alloc(4);

process.on('disconnect', () => process.exit(0));

/* A send that fails once the channel is closed (EPIPE, the parent gone or
 * disconnecting from an idle child while an answer to 'reclaim' was on its
 * way) is reported here instead of as an 'error' event, which nothing
 * handles: the child died printing a stack trace on the parent's stderr.
 * There is nobody left to tell; 'disconnect' ends the child. (A value that
 * cannot be cloned still throws, synchronously: runtime.js handles that.) */
const ignoreClosed = () => {};

/* Why this child is about to die: an uncaught exception or an unhandled
 * rejection (Node's default turns it into one). A monitor, so Node's own
 * handling (the stack on stderr, exit code 1) is unchanged. The parent's
 * WorkerCrashedError then names it and has it as `cause`, as a thread
 * worker's 'error' event gives thread mode (process.js). Sent before the
 * runtime's exit hook posts the last outcomes; the write is synchronous
 * while the pipe has room, as theirs is.
 * The monitor also fires when an 'uncaughtException' handler of the task
 * module keeps the child alive: then the child is still here on the next
 * turn of its loop (a dying one never gets there, nor does one whose handler
 * exits at once, for which the error is the right cause), and 'survived'
 * withdraws the report, so that a later exit is not blamed on it. */
process.on('uncaughtExceptionMonitor', (err, origin) => {
  if (!process.connected) return;
  let rec;
  try { rec = serializeError(err); } catch { rec = serializeError(new Error('an uncaught error (it could not be read)')); }
  // Worded here, where the value is as thrown (a symbol, an object with no
  // prototype, an Error with no message): the crash message says what it was.
  const why = crashText(err, origin, inspect);
  try { process.send(['crashed', rec, why], undefined, undefined, ignoreClosed); } catch { return; /* crashing anyway */ }
  setImmediate(() => {
    if (process.connected) process.send(['survived'], undefined, undefined, ignoreClosed);
  });
});

startRuntime({
  send: (m) => { process.send(m, undefined, undefined, ignoreClosed); },
  onMessage: (fn) => process.on('message', fn),
  slot: null,
  started(id) {
    idBuf.writeInt32LE(id, 0);
    try {
      return writeSync(STARTED_FD, idBuf, 0, 4) === 4;
    } catch {
      return false; // no pipe (or it broke): outcomes go one by one instead
    }
  },
  ring: null,
  flushEach: false,
  transfers: false,
  yieldNow: (fn) => setImmediate(fn),
  exit: () => process.exit(0),
  // This child is the runtime's own process (IPC writes are synchronous while the pipe has room).
  onExit: (fn) => process.on('exit', fn),
  hold: (on) => { if (process.channel) { if (on) process.channel.ref(); else process.channel.unref(); } },
});
