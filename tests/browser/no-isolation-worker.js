// Module worker of tests/browser/no-isolation.html: the same checks in a
// worker of a page that is not cross-origin isolated.
import { runNoIsolationChecks } from './no-isolation-checks.js';

runNoIsolationChecks('worker').then(
  (r) => postMessage(r),
  (e) => postMessage({ where: 'worker', error: String((e && e.stack) || e), checks: [] }));
