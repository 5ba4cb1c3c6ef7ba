// Mode 'c' with large buffers: a call's input copy is freed in the core's
// memory when its kernel returns, and its output once its result was read,
// not when its future is garbage-collected: calls awaited one at a time with
// every future kept alive, n x size beyond the core's memory (2 GiB), all
// succeed, on both cores (the pthreads core, and the single-threaded one,
// CONCURRY_WASM_CORE=st, whose kernel workers run the same code). Before,
// the 7th sum_bytes of 256 MiB failed with "too large for the core's memory
// now", the 4th reverse_bytes. (Cancel of the byte kernels:
// tests/c-kernel-cancel.) Each run is a child process: a fresh core's memory
// per run.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const fixture = (name) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

function run(script, args, core) {
  const env = { ...process.env };
  delete env.CONCURRY_WASM_CORE;
  if (core) env.CONCURRY_WASM_CORE = core;
  const out = execFileSync(process.execPath, [fixture(script), ...args], { env, encoding: 'utf8', timeout: 170_000 });
  return JSON.parse(out.trim().split('\n').pop());
}

const MB = 256;
const N = 9; // 9 x 256 MiB = 2.25 GiB > the core's 2 GiB

describe.each([['pthreads', undefined], ['single-threaded', 'st']])("mode 'c' on the %s core", (_, core) => {
  test.each(['sum_bytes', 'reverse_bytes'])(`%s: ${N} calls of ${MB} MiB, futures kept alive, all succeed`, (kernel) => {
    const r = run('c-big-input-run.mjs', [kernel, String(MB), String(N)], core);
    expect(r.results).toEqual(Array(N).fill('ok'));
    expect(r.checks).toBe(N + 1); // every value right, every kept future still done
  }, 180_000);
});

test(`mode 'c': reverse_bytes on ${MB} MiB cancelled while it runs, ${N} times, futures kept alive: the stopped kernels' outputs are freed`, () => {
  const r = run('c-big-input-run.mjs', ['reverse_bytes', String(MB), String(N), 'cancel']);
  expect(r.results).toEqual(Array(N).fill('cancelled'));
  expect(r.checks).toBe(N + 1);
}, 180_000);
