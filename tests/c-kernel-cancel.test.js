// Mode 'c' (pthreads core): the built-in kernels see a cancel within a
// fraction of a millisecond whatever their arguments (README: "every
// built-in checks within about a millisecond"), so a cancelled call frees its
// thread long before it would have ended. Before: sum_bytes and
// reverse_bytes never checked (a 128 MiB call ran to its end), primes checked
// every 1024 numbers (near 2^53 each is ~5e7 divisions), mandelbrot once per
// row (a 1024-pixel row of 1e5 iterations each ran on), so the thread was
// free only when the kernel ended. Timed against the same call uncancelled,
// in the same child process (a fresh core, nothing else on its pool).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./fixtures/c-kernel-cancel-run.mjs', import.meta.url));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

test("mode 'c': a cancel of a long built-in call frees the thread long before the call would end", () => {
  const env = { ...process.env };
  delete env.CONCURRY_WASM_CORE;
  const r = JSON.parse(execFileSync(process.execPath, [script], { env, encoding: 'utf8', timeout: 110_000 }).trim().split('\n').pop());
  for (const k of ['sum_bytes', 'reverse_bytes', 'primes', 'mandelbrot']) {
    expect([k, r[k].cancelled]).toEqual([k, [true, true, true]]);
    // Before, freeMs was about runMs (the rest of the call); now a few ms.
    expect([k, median(r[k].freeMs) < median(r[k].runMs) / 4]).toEqual([k, true]);
  }
}, 120_000);
