/**
 * The demo's CPU work in JavaScript, the same computations as the core's
 * built-in C kernels `mandelbrot` and `primes` (wasm/src/kernels_builtin.c),
 * so that every mode returns the same results: the demo checks they do.
 *
 * Loaded three ways: by thread and process workers (createWorker on this
 * file), and imported by demo/main.mjs for the sync baseline. Each task
 * reports its progress from inside (`currentTask().progress(units)`, units
 * done so far) and stops when its call is cancelled or times out
 * (`currentTask().signal`).
 */
import { currentTask } from 'concurry-wasm/worker';
import { mandelbrotTile } from './mandelbrot-kernel.mjs';

/** Progress is reported every this many rows / numbers (a message each in thread and process modes). */
export const ROWS_PER_REPORT = 16;
export const NUMBERS_PER_REPORT = 50_000;

/**
 * A tile of width x height pixels over [x0, x1] x [y0, y1], one byte per
 * pixel: 255 * iterations / maxIter (255 = inside the set). As the C kernel
 * (mandelbrot-kernel.mjs). Progress: rows done.
 * @returns {Uint8Array}
 */
export function mandelbrot(width, height, x0, y0, x1, y1, maxIter) {
  const task = currentTask();
  // Before row `done` (and once after the last): report, then stop if asked to.
  return mandelbrotTile(width, height, x0, y0, x1, y1, maxIter, (done) => {
    if (done > 0 && (done % ROWS_PER_REPORT === 0 || done === height)) task.progress(done);
    if (done < height && task.signal.aborted) throw task.signal.reason;
  });
}

/**
 * How many primes p with lo <= p < hi, by trial division (as the C kernel).
 * Progress: numbers examined.
 * @returns {number}
 */
export function primes(lo, hi) {
  const task = currentTask();
  let count = 0;
  for (let n = lo; n < hi; n++) {
    if ((n - lo) % NUMBERS_PER_REPORT === 0 && n !== lo) {
      if (task.signal.aborted) throw task.signal.reason;
      task.progress(n - lo);
    }
    if (n < 2) continue;
    if (n < 4) { count++; continue; }
    if ((n & 1) === 0) continue;
    let prime = 1;
    for (let d = 3; d * d <= n; d += 2) {
      if (n % d === 0) { prime = 0; break; }
    }
    count += prime;
  }
  task.progress(hi - lo);
  return count;
}

/**
 * Busy-waits `ms` milliseconds in 5 ms slices, yielding to the event loop
 * between them so that a cancel or timeout (a message from the caller) is
 * seen at once: the task the demo times out and cancels, as a well-behaved
 * long task would be written.
 * @returns {Promise<number>} ms
 */
export async function spin(ms) {
  const task = currentTask();
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const slice = Math.min(end, Date.now() + 5);
    while (Date.now() < slice);
    await new Promise((resolve) => setImmediate(resolve));
    if (task.signal.aborted) throw task.signal.reason;
  }
  return ms;
}
