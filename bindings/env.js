/**
 * Where this code runs: one definition of "is this Node" for the bindings
 * (the modes, task-context.js, sync-wait.js).
 * @module concurry-wasm/env
 */

/**
 * True in Node (worker threads and child processes included), read now:
 * for checks whose answer may change, as a test that hides `process` does.
 * @returns {boolean}
 */
export function isNodeNow() {
  const proc = /** @type {any} */ (globalThis).process;
  return typeof proc === 'object' && proc !== null &&
    typeof proc.versions === 'object' && proc.versions !== null && typeof proc.versions.node === 'string';
}

/** True in Node, read once when this module loads. */
export const IS_NODE = isNodeNow();
