/**
 * The demo's workload: Mandelbrot tiles of one image and prime counts over
 * consecutive ranges, interleaved, each a job `{ key, method, args, rows,
 * numbers }` that every mode runs (the JS tasks in demo/tasks.mjs, the C
 * kernels of the same names). `rows` / `numbers` are the units the job's
 * progress reports count, for the sub-total bars.
 */

/** Workload sizes: `full` (the demo, ~15-25 s on 2 cores) and `quick` (the test). */
export const SIZES = {
  full: { width: 1920, height: 1320, tileCols: 4, tileRows: 4, maxIter: 1000, primesTo: 8_000_000, primeJobs: 8,
    view: [-2.2, -1.2, 0.8, 1.2] },
  quick: { width: 192, height: 128, tileCols: 2, tileRows: 2, maxIter: 300, primesTo: 200_000, primeJobs: 2,
    view: [-2.2, -1.2, 0.8, 1.2] },
};

const short = (n) => (n >= 1e6 && n % 1e5 === 0 ? `${n / 1e6}M` : n >= 1e3 && n % 100 === 0 ? `${n / 1e3}k` : String(n));

/**
 * @param {typeof SIZES.full} s
 * @returns {{ key: string, method: 'mandelbrot'|'primes', args: number[], rows: number, numbers: number,
 *   tile?: { x: number, y: number, w: number, h: number } }[]}
 */
export function makeJobs(s) {
  const [vx0, vy0, vx1, vy1] = s.view;
  const tw = s.width / s.tileCols;
  const th = s.height / s.tileRows;
  // The image's pixel (i, j) is at vx0 + i * (vx1 - vx0) / (width - 1), etc.
  const px = (vx1 - vx0) / (s.width - 1);
  const py = (vy1 - vy0) / (s.height - 1);
  const tiles = [];
  for (let r = 0; r < s.tileRows; r++) {
    for (let c = 0; c < s.tileCols; c++) {
      const x = c * tw;
      const y = r * th;
      tiles.push({
        key: `tile ${r},${c}`,
        method: 'mandelbrot',
        args: [tw, th, vx0 + x * px, vy0 + y * py, vx0 + (x + tw - 1) * px, vy0 + (y + th - 1) * py, s.maxIter],
        rows: th,
        numbers: 0,
        tile: { x, y, w: tw, h: th },
      });
    }
  }
  const primes = [];
  const step = s.primesTo / s.primeJobs;
  for (let i = 0; i < s.primeJobs; i++) {
    const lo = i * step;
    const hi = (i + 1) * step;
    primes.push({ key: `primes ${short(lo)}-${short(hi)}`, method: 'primes', args: [lo, hi], rows: 0, numbers: hi - lo });
  }
  // Interleaved, so that both kinds are in flight from the start.
  const jobs = [];
  for (let i = 0; i < Math.max(tiles.length, primes.length); i++) {
    if (i < tiles.length) jobs.push(tiles[i]);
    if (i < primes.length) jobs.push(primes[i]);
  }
  return jobs;
}
