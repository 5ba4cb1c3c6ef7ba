// Tasks of bench/pools.mjs for concurry-wasm's thread and process modes.
/** The tiny task. */
export function add(a, b) { return a + b; }
/** process.hrtime (ns, bigint) taken when the task finishes, after `ms` asleep. */
export function stampAfter(ms) {
  return new Promise((r) => setTimeout(() => r(process.hrtime.bigint()), ms));
}
