// Mode 'c' on both cores refuses a call with the same errors (one check,
// bindings/modes/c-call.js): onProgress, an unknown kernel, a full queue, a
// stopped worker. Run in child processes, as the single-threaded core is
// chosen when the package loads (CONCURRY_WASM_CORE=st).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./fixtures/c-call-run.mjs', import.meta.url));

function run(core) {
  const { CONCURRY_WASM_CORE, ...rest } = process.env;
  const stdout = execFileSync(process.execPath, [script], {
    env: core ? { ...rest, CONCURRY_WASM_CORE: core } : rest, encoding: 'utf8', timeout: 20000,
  });
  return JSON.parse(stdout.trim().split('\n').pop());
}

const expected = {
  onProgress: ['TypeError', "callWith(): option 'onProgress' does not apply to mode 'c' (C kernels report no progress)"],
  unknown: ['TypeError', "The C kernels (kernels sleepThen, add) have no kernel 'primes' (there are: sleepThen, add); " +
    'a C function of your own is linked in with CY_KERNEL_EXPORT (README, "C tasks")'],
  full: ['QueueFullError', "C kernel 'sleepThen': the queue is full (maxQueued 1, 1 queued); await worker.whenAvailable() first"],
  stopping: ['InvalidStateError', "call('add'): the worker is stopped (stop() was called); create a new worker to run more calls"],
};

test.each([['pthreads core', ''], ['single-threaded core', 'st']])('%s: the errors a call is refused with', (_, core) => {
  expect(run(core)).toEqual(expected);
});
