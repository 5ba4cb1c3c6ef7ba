// Task module of the bundled app's thread-mode pool (runs in a Web Worker).
// It imports the package by its bare name, so it must be bundled: it is a
// second entry of the build (README's vite.config.js block), emitted as src/tasks.js, the
// path the dev server serves it at.
import { currentTask } from 'concurry-wasm/worker';

export function square(x) { return x * x; }
export async function slowEcho(ms, value) {
  await new Promise((r) => setTimeout(r, ms));
  return value;
}
/** Reports 1..n through currentTask().progress, then returns n. */
export function countUp(n) {
  const task = currentTask();
  for (let i = 1; i <= n; i++) task.progress(i);
  return n;
}
