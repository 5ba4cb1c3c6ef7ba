// What createWorker() rejects with when a task module cannot load: shared by
// the load-error tests (modes-load-error, modes-load-error-dom,
// modes-error-class), which each write their own modules in a temp dir.
import { createWorker } from '../bindings/index.js';

/**
 * The error createWorker(target, { mode }) rejects with; throws if it resolves.
 * @param {URL|string} target the module
 * @param {string} mode
 */
export async function loadErrorOf(target, mode) {
  try {
    const w = await createWorker(target, { mode, maxWorkers: 1 });
    await w.stop();
  } catch (e) {
    return e;
  }
  throw new Error(`createWorker(${target}, ${mode}) resolved`);
}
