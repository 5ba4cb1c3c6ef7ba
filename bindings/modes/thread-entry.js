/**
 * Entry of a pool thread (worker_threads in Node, a module Web Worker in
 * browsers): adapts the channel to the one runtime (runtime.js).
 * @module concurry-wasm/modes/thread-entry
 */
import { startRuntime } from './runtime.js';
import { IS_NODE as isNode } from '../env.js';
import { serializeError } from './boundary.js';
import { crashText } from './crash-text.js';


if (isNode) {
  const { parentPort, workerData, receiveMessageOnPort } = await import('node:worker_threads');
  // Outcomes go through a port of their own, which the pool can read
  // synchronously (receiveMessageOnPort) when the ring says a call is done.
  const out = workerData && workerData.port ? workerData.port : parentPort;
  const slot = workerData && workerData.slot ? new Int32Array(workerData.slot) : null;
  // Why this thread is about to die, as process-entry.js says it for a
  // child (same record, same words): the worker's 'error' event alone gives
  // a symbol or an object as it is, an unhandled non-Error rejection as a
  // plain Error, and no words for what has no message. On parentPort, which
  // Node drains before the worker's 'exit'. 'survived' withdraws it when an
  // 'uncaughtException' handler of the task module kept the thread alive.
  const { inspect } = await import('node:util');
  process.on('uncaughtExceptionMonitor', (err, origin) => {
    let rec;
    try { rec = serializeError(err); } catch { rec = serializeError(new Error('an uncaught error (it could not be read)')); }
    try { parentPort.postMessage(['crashed', rec, crashText(err, origin, inspect)]); } catch { return; /* crashing anyway */ }
    setImmediate(() => { try { parentPort.postMessage(['survived']); } catch { /* closing */ } });
  });
  let handler = null;
  startRuntime({
    send: (m, t) => out.postMessage(m, t),
    onMessage: (fn) => { handler = fn; parentPort.on('message', fn); },
    // Read by the runtime between calls when there are no claim cells: a
    // message read here is not emitted again.
    drain: () => {
      for (let r = receiveMessageOnPort(parentPort); r !== undefined; r = receiveMessageOnPort(parentPort)) handler(r.message);
    },
    slot,
    ring: workerData && workerData.ring ? workerData.ring : null,
    flushEach: false,
    transfers: true,
    yieldNow: (fn) => setImmediate(fn),
    exit: () => process.exit(0),
    hold: (on) => { if (on) parentPort.ref(); else parentPort.unref(); },
    // This thread's own process object: its 'exit' is this thread's.
    onExit: (fn) => process.on('exit', fn),
  });
  // Registered after the runtime's own exit listener (which posts the last
  // outcomes): a pool thread blocked in waitSync reads those, then this
  // (thread.js, exitCode()). Not written when terminated or out of memory.
  if (slot !== null && slot.length > 2) process.on('exit', (code) => { Atomics.store(slot, 2, (code | 0) + 1); });
} else {
  // A module Web Worker: the slot comes with the first message.
  let started = false;
  // A Web Worker that closes itself sends its owner no event: say so first.
  const close = self.close.bind(self);
  self.close = () => { self.postMessage(['closed']); close(); };
  // An unhandled rejection ends a Node worker (Node's default, an uncaught
  // error): only its running call fails, with WorkerCrashedError, and it is
  // replaced. A browser only logs it inside the worker, and the page hears
  // nothing; so the worker does as Node does: it posts what it finished (the
  // runtime's exit hooks), says why it crashes ('crashed': thread.js
  // terminates it and reports exit code 1 with this error), and closes.
  const exitHooks = [];
  self.addEventListener('unhandledrejection', (ev) => {
    for (const fn of exitHooks) { try { fn(); } catch { /* crashing anyway */ } }
    let rec;
    try { rec = serializeError(ev.reason); } catch { rec = serializeError(new Error('an unhandled rejection')); }
    self.postMessage(['crashed', rec, crashText(ev.reason, 'unhandledRejection')]);
    close();
  });
  // Yielding (runtime.js, after a slice of calls, and to run what a message
  // queued) through a MessageChannel of its own: its task comes after the
  // messages already waiting, and it has none of setTimeout's 4 ms clamp
  // once timers nest.
  const yields = [];
  const yc = new MessageChannel();
  yc.port1.onmessage = () => { const fn = yields.shift(); if (fn) fn(); };
  const yieldNow = (fn) => { yields.push(fn); yc.port2.postMessage(0); };
  self.addEventListener('message', function first(ev) {
    if (started) return;
    started = true;
    self.removeEventListener('message', first);
    const { slot } = ev.data;
    const listeners = [];
    self.addEventListener('message', (e) => { for (const fn of listeners) fn(e.data); });
    startRuntime({
      send: (m, t) => self.postMessage(m, t || []),
      onMessage: (fn) => listeners.push(fn),
      slot: slot ? new Int32Array(slot) : null,
      ring: null,
      flushEach: false,
      transfers: true,
      yieldNow,
      exit: () => self.close(),
      onExit: (fn) => exitHooks.push(fn),
    });
  });
}
