/**
 * `concurry-wasm/worker`: what a task can use from inside, in every mode.
 *
 *   import { currentTask, transfer } from 'concurry-wasm/worker';
 *   export async function crunch(buf) {
 *     const task = currentTask();
 *     for (let i = 0; i < 10; i++) {
 *       if (task.signal.aborted) throw task.signal.reason;
 *       task.progress(i / 10);
 *       ...
 *     }
 *     return transfer(out, [out.buffer]);
 *   }
 *
 * Loads no WebAssembly: a module of tasks that imports it stays light.
 * @module concurry-wasm/worker
 */
export { currentTask, transfer, TaskContext } from './task-context.js';
