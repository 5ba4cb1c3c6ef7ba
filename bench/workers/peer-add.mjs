// The same tasks for piscina and tinypool (one argument per task).
/** The tiny task: { a, b } -> a + b. */
export default function add({ a, b }) { return a + b; }
/** process.hrtime (ns, bigint) taken when the task finishes, after `ms` asleep. */
export function stampAfter({ ms }) {
  return new Promise((r) => setTimeout(() => r(process.hrtime.bigint()), ms));
}
