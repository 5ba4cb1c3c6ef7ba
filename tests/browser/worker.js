// Module worker of the browser test: runs the same checks off the main thread.
import { runChecks } from './checks.js';

runChecks('worker', (name) => postMessage({ at: name })).then(
  (r) => postMessage(r),
  (e) => postMessage({ where: 'worker', error: String((e && e.stack) || e), checks: [] }));
