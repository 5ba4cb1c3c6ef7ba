/**
 * Entry of a worker of mode 'c' over the single-threaded core (c-worker.js):
 * it loads the core (in a page that is not cross-origin isolated, or in Node
 * with CONCURRY_WASM_CORE=st, the single-threaded build) and runs each
 * kernel call it is sent on its own thread, through the same c.js code as
 * the -pthread build (a kernel pool without threads runs a call inline).
 *
 * Protocol (arrays):
 *   pool -> worker  ['call', id, method, args]
 *   worker -> pool  ['ready'] | ['loadError', message]
 *                   ['ok', id, value]            value: a number or a Uint8Array (moved)
 *                   ['err', id, { name, message, code, codeName }]
 * @module concurry-wasm/modes/c-worker-entry
 */
const isNode = typeof process === 'object' && process !== null &&
  typeof process.versions === 'object' && typeof process.versions.node === 'string';

let post;
let listen;
if (isNode) {
  const { parentPort } = await import('node:worker_threads');
  post = (m, t) => parentPort.postMessage(m, t);
  listen = (fn) => parentPort.on('message', fn);
} else {
  post = (m, t) => self.postMessage(m, t || []);
  listen = (fn) => self.addEventListener('message', (e) => fn(e.data));
}

/** A plain record of an error, for the pool to rebuild. */
function record(e) {
  if (!(e instanceof Error)) return { name: 'Error', message: String(e) };
  return { name: e.name, message: e.message, code: e.code, codeName: e.codeName };
}

const NO_OPTIONS = { timeout: -1, signal: null, onProgress: null };

let backend = null;
try {
  const { createBackend } = await import('./c.js');
  // inline: this worker is where the kernels run (no worker of its own).
  backend = await createBackend('builtin', { maxWorkers: 1, maxQueued: Infinity, unwrapFutures: false, inline: true });
} catch (e) {
  post(['loadError', e && e.message ? e.message : String(e)]);
}

if (backend) {
  listen(async (m) => {
    if (!Array.isArray(m) || m[0] !== 'call') return;
    const [, id, method, args] = m;
    try {
      const f = backend.call(method, args, NO_OPTIONS);
      const e = await f.exception();
      if (e) { post(['err', id, record(e)]); return; }
      const v = f.resultNow();
      if (v instanceof Uint8Array) post(['ok', id, v], [v.buffer]);
      else post(['ok', id, v]);
    } catch (e) {
      post(['err', id, record(e)]);
    }
  });
  post(['ready']);
}
