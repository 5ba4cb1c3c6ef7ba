// A CPU kernel as C tasks on 1 vs 2 pthreads (mode 'c'): the built-in
// `primes(lo, hi)` over [0, LIMIT) split into CHUNKS calls, gathered.
//   node bench/c-kernels.mjs [--runs N] [--limit L] [--chunks K] [--kernel primes|mandelbrot] [--json]
// Runs alternate between the two pools (one of 1 pthread, one of 2, both
// made and warmed first) and the median of each is reported with the
// speedup (target >= 1.7x on 2 pthreads). Figures go to BENCHMARKS.md.
// The machine's other load shows in the result: run it on an idle machine.
import os from 'node:os';
import { createWorker, gather } from '../bindings/index.js';

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const RUNS = Number(opt('--runs', 9));
const LIMIT = Number(opt('--limit', 3e6));
const CHUNKS = Number(opt('--chunks', 32));
const KERNEL = opt('--kernel', 'primes');
const JSON_OUT = args.includes('--json');
if (!(RUNS >= 1) || !(LIMIT >= CHUNKS) || !(CHUNKS >= 1) || !['primes', 'mandelbrot'].includes(KERNEL)) {
  throw new RangeError('usage: node bench/c-kernels.mjs [--runs N>=1] [--limit L>=chunks] [--chunks K>=1] [--kernel primes|mandelbrot] [--json]');
}

const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };

/** The calls of one run: CHUNKS equal ranges (primes) or tile rows (mandelbrot). */
function calls(w) {
  if (KERNEL === 'primes') {
    const step = Math.ceil(LIMIT / CHUNKS);
    return Array.from({ length: CHUNKS }, (_, i) => w.primes(i * step, Math.min(LIMIT, (i + 1) * step)));
  }
  // A 1024 x 1024 view of the set in CHUNKS horizontal bands, 500 iterations.
  const W = 1024, H = 1024, band = Math.ceil(H / CHUNKS);
  return Array.from({ length: CHUNKS }, (_, i) => {
    const y0 = -1.5 + (3 * i * band) / H;
    const y1 = -1.5 + (3 * Math.min(H, (i + 1) * band)) / H;
    return w.mandelbrot(W, Math.min(band, H - i * band), -2.2, y0, 0.8, y1 - 3 / H, 500);
  });
}

const one = await createWorker('builtin', { mode: 'c', maxWorkers: 1 });
const two = await createWorker('builtin', { mode: 'c', maxWorkers: 2 });
let check = null;
async function run(w) {
  const t = performance.now();
  const out = await gather(calls(w));
  const ms = performance.now() - t;
  const sum = KERNEL === 'primes' ? out.reduce((a, b) => a + b, 0) : out.reduce((a, b) => a + b.length, 0);
  if (check === null) check = sum;
  else if (sum !== check) throw new Error(`results differ between runs: ${sum} vs ${check}`);
  return ms;
}

await run(one); // warm-up (JIT, memory)
await run(two);
const t1 = [];
const t2 = [];
for (let r = 0; r < RUNS; r++) {
  for (const [w, out] of r % 2 ? [[two, t2], [one, t1]] : [[one, t1], [two, t2]]) out.push(await run(w));
}
await one.stop();
await two.stop();

const m1 = med(t1);
const m2 = med(t2);
const res = {
  kernel: KERNEL, limit: KERNEL === 'primes' ? LIMIT : undefined, chunks: CHUNKS, runs: RUNS,
  result: check, cpus: os.cpus().length, load1: os.loadavg()[0],
  oneThreadMs: m1, twoThreadsMs: m2, speedup: m1 / m2,
};
if (JSON_OUT) console.log(JSON.stringify(res));
else {
  console.log(`${KERNEL}${KERNEL === 'primes' ? ` [0, ${LIMIT})` : ' 1024x1024'} in ${CHUNKS} C tasks, median of ${RUNS} (alternating), ${res.cpus} CPUs, load ${res.load1.toFixed(2)}`);
  console.log(`  1 pthread   ${m1.toFixed(1).padStart(8)} ms`);
  console.log(`  2 pthreads  ${m2.toFixed(1).padStart(8)} ms   speedup ${(m1 / m2).toFixed(2)}x (target >= 1.7x)`);
}
