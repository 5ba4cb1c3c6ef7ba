/**
 * Process mode: a pool (pool.js) of child processes (child_process.fork,
 * serialization 'advanced', so Maps, Sets, typed arrays, BigInts and errors
 * travel as they do between threads), each running runtime.js through
 * process-entry.js. An idle child's handle and IPC channel are unref'd, so
 * the parent exits by itself; the child leaves when its channel closes.
 * Children start with the parent's Node flags (exec-argv.js) and environment.
 * @module concurry-wasm/modes/process
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Pool } from './pool.js';
import { ProcessFuture } from '../futures/task.js';
import { moduleURL } from './target.js';
import { K_OK, K_PROGRESS } from './runtime.js';
import { inheritedExecArgv } from './exec-argv.js';
import { deserializeError } from './boundary.js';

const MODE = 'process';
const ENTRY = fileURLToPath(new URL('./process-entry.js', import.meta.url));

/**
 * `v` with a buffer of its own when it is a typed array or DataView that
 * shares one. The IPC channel's deserializer makes each typed array a view
 * into the bytes of the message it came in (which hold the other outcomes
 * of the batch) or, when unaligned, into Node's shared Buffer pool (which
 * holds whatever else used it): through `.buffer` the caller would see them.
 * Only a view over part of a buffer is copied, so the cost is that of the
 * bytes the caller gets. (Typed arrays nested inside a result are left as
 * they come.)
 */
function ownBuffer(v) {
  if (!ArrayBuffer.isView(v) || v.byteLength === v.buffer.byteLength) return v;
  // A typed array has BYTES_PER_ELEMENT (instanceof would not do: the
  // deserializer's realm may not be the caller's, as under Jest).
  if (!('BYTES_PER_ELEMENT' in v)) return new DataView(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
  return /** @type {any} */ (v).slice();
}

/** A batch from a child: its results and progress values own their buffers (ownBuffer). */
function ownBuffers(m) {
  if (m[0] !== 'b') return;
  const a = m[1];
  for (let i = 0; i < a.length; i += 3) {
    const kind = a[i];
    if (kind === K_OK || kind === K_PROGRESS) {
      const v = a[i + 2];
      if (v !== null && typeof v === 'object') a[i + 2] = ownBuffer(v);
    }
  }
}

function spawnChild(url) {
  return (slot) => {
    const c = fork(ENTRY, [], {
      serialization: 'advanced',
      // fd 4: ids of the calls the child starts (process-entry.js).
      stdio: ['ignore', 'inherit', 'inherit', 'ipc', 'pipe'],
      // The parent's flags (preloads, loaders, conditions), as fork() and
      // thread mode pass them, less those a child must not repeat (exec-argv.js).
      execArgv: inheritedExecArgv(),
    });
    let exited = false;
    let err = null;
    let lastStarted = 0;
    let partial = null;
    const startedPipe = c.stdio[4];
    const h = {
      slot: null,
      /** The id of the last call the child started (0: none yet). */
      started: () => lastStarted,
      onmessage: null,
      onexit: null,
      post(m) {
        // A child that is going: its exit event requeues or fails what it held.
        if (!c.connected) return;
        c.send(m);
      },
      terminate() {
        // Idle children leave quietly (their channel closes); a child stuck
        // in a cancelled call is killed.
        if (slot.zombies > 0 || slot.inflight.size > 0 || !c.connected) c.kill('SIGKILL');
        else c.disconnect();
      },
      ref() { c.ref(); if (c.channel) c.channel.ref(); if (startedPipe) startedPipe.ref(); },
      unref() { c.unref(); if (c.channel) c.channel.unref(); if (startedPipe) startedPipe.unref(); },
    };
    if (startedPipe) {
      startedPipe.on('data', (chunk) => {
        let b = partial ? Buffer.concat([partial, chunk]) : chunk;
        const whole = b.length - (b.length % 4);
        if (whole >= 4) lastStarted = b.readInt32LE(whole - 4);
        partial = whole < b.length ? Buffer.from(b.subarray(whole)) : null;
        b = null;
      });
      startedPipe.on('error', () => {});
    }
    // Why the child dies (process-entry.js, before it exits): the crash's
    // cause, withdrawn by 'survived' when a handler of the task module kept
    // the child alive (a later exit has another cause).
    // { value, why }: the value may be falsy (`throw 0`).
    let crash = null;
    c.on('message', (m) => {
      if (m[0] === 'crashed') { crash = { value: deserializeError(m[1]), why: m[2] }; return; }
      if (m[0] === 'survived') { crash = null; return; }
      ownBuffers(m);
      h.onmessage(m);
    });
    c.on('error', (e) => {
      err = e;
      // Could not be started at all: no exit event follows.
      if (c.pid === undefined && !exited) { exited = true; h.onexit(null, null, e); }
    });
    // Reported once the child exited, the pipe of started ids is read to
    // its end (so the last id it wrote is known) and its IPC channel is
    // closed (so what it sent before dying, its last outcomes and why it
    // crashed, has been read).
    let exitInfo = null;
    let pipeDone = !startedPipe;
    let ipcDone = false;
    const report = () => {
      if (exited || exitInfo === null || !pipeDone || !(ipcDone || !c.connected)) return;
      exited = true;
      if (crash !== null) h.onexit(exitInfo[0], exitInfo[1], crash.value, crash.why);
      else h.onexit(exitInfo[0], exitInfo[1], err);
    };
    if (startedPipe) startedPipe.on('close', () => { pipeDone = true; report(); });
    c.on('disconnect', () => { ipcDone = true; report(); });
    c.on('exit', (code, signal) => {
      exitInfo = [code, signal];
      report();
    });
    c.send(['init', url]);
    return h;
  };
}

/**
 * A process pool over `target`'s module; resolves once one child has loaded
 * it (rejects with the load error if it cannot).
 * @param {string|URL} target
 * @param {object} opts createWorker()'s options, normalized (worker-options.js)
 * @returns {Promise<Pool>}
 */
export async function createBackend(target, opts) {
  const url = await moduleURL(target, MODE);
  const o = { ...opts };
  const pool = new Pool('process', spawnChild(url), url, o, ProcessFuture);
  await pool.start();
  return pool;
}
