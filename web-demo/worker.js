// Module worker of the demo: the same scenarios off the main thread. The
// package loads its own copy of the wasm core here (no init call).
import { runDemo } from './demo.js';

const log = (text) => postMessage({ type: 'log', text });
runDemo(log, (p) => postMessage({ type: 'progress', p })).then(
  (ms) => postMessage({ type: 'done', ms }),
  (e) => postMessage({ type: 'error', text: String((e && e.stack) || e) }));
