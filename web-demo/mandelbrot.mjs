// The image of the web demo: views, the tile grid, the Mandelbrot kernel in
// JavaScript and the palette. Plain ES module (its one import has none
// either), loaded by the page, by the thread-mode task module (tiles.mjs) and
// by the browser test in Node (tests/browser/run.mjs), so all three agree on
// every pixel.
//
// The JavaScript kernel, mandelbrotTile, is the demo's
// (demo/mandelbrot-kernel.mjs): the C kernel `mandelbrot` of the core
// (wasm/src/kernels_builtin.c, k_mandelbrot) line for line, so a tile is
// byte-for-byte the same whichever mode computed it: one byte per pixel,
// 255 * k / maxIter truncated, where k is the iteration count (255 = never
// escaped).
export { mandelbrotTile } from '../demo/mandelbrot-kernel.mjs';

/** Named regions of the complex plane, 4:3 like the canvas. */
export const VIEWS = {
  full: { label: 'Full set', x0: -2.2, x1: 0.8, y0: -1.125, y1: 1.125 },
  seahorse: { label: 'Seahorse valley', x0: -0.7675, x1: -0.7275, y0: 0.085, y1: 0.115 },
  elephant: { label: 'Elephant valley', x0: 0.25, x1: 0.35, y0: 0.0, y1: 0.075 },
};

/** Canvas and tile size in pixels: 12 x 9 tiles of 64 x 64. */
export const WIDTH = 768;
export const HEIGHT = 576;
export const TILE = 64;

/**
 * The tiles of a view, row by row: where each goes on the canvas and the
 * arguments of `mandelbrot` (C kernel and JS alike) that compute it. Pixel
 * (px, py) of the canvas is the point x0 + px * dx, y0 + py * dy of the view
 * (y grows downwards: the image is the plane mirrored, which the set's
 * symmetry hides for the full view).
 * @param {keyof typeof VIEWS} view
 * @param {number} maxIter
 * @returns {{ index: number, x: number, y: number, w: number, h: number, args: number[] }[]}
 */
export function tileGrid(view, maxIter) {
  const v = VIEWS[view];
  if (!v) throw new RangeError(`tileGrid(): view must be one of ${Object.keys(VIEWS).join(', ')}; got ${String(view)}`);
  if (!Number.isInteger(maxIter) || maxIter < 1 || maxIter > 1e6) {
    throw new RangeError(`tileGrid(): maxIter must be an integer in [1, 1e6]; got ${String(maxIter)}`);
  }
  const dx = (v.x1 - v.x0) / (WIDTH - 1);
  const dy = (v.y1 - v.y0) / (HEIGHT - 1);
  const tiles = [];
  for (let y = 0; y < HEIGHT; y += TILE) {
    for (let x = 0; x < WIDTH; x += TILE) {
      const w = Math.min(TILE, WIDTH - x);
      const h = Math.min(TILE, HEIGHT - y);
      tiles.push({
        index: tiles.length, x, y, w, h,
        args: [w, h, v.x0 + x * dx, v.y0 + y * dy, v.x0 + (x + w - 1) * dx, v.y0 + (y + h - 1) * dy, maxIter],
      });
    }
  }
  return tiles;
}

/**
 * The order in which the page submits the tiles: a fixed shuffle (a seeded
 * PRNG, the same for every run), so that the image fills in everywhere at
 * once and each worker's share mixes cheap tiles (far from the set) with
 * costly ones (inside it). In row order the pool's hand-off, which gives a
 * worker whose calls were quick several at a time, handed one worker a run
 * of costly tiles while the other idled.
 * @param {number} n
 * @returns {number[]} a permutation of 0..n-1
 */
export function submitOrder(n) {
  const order = Array.from({ length: n }, (_, i) => i);
  let seed = 0x9e3779b9;
  const next = () => {
    seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return seed / 2 ** 32;
  };
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/* Colour stops of the palette (position in [0, 1], RGB), a cycle that
 * starts and ends on deep blue. */
const STOPS = [
  [0, [0, 7, 100]], [0.16, [32, 107, 203]], [0.42, [237, 255, 255]],
  [0.6425, [255, 170, 0]], [0.8575, [0, 2, 0]], [1, [0, 7, 100]],
];

/**
 * The palette: RGBA for each byte a kernel writes. 255 (inside the set) is
 * black; escape bytes run through the colour cycle on a log scale, so the
 * few low iteration counts far from the set still get distinct colours.
 * @returns {Uint8ClampedArray} 256 * 4 bytes
 */
export function palette() {
  const lut = new Uint8ClampedArray(256 * 4);
  for (let v = 0; v < 256; v++) {
    let rgb = [0, 0, 0];
    if (v < 255) {
      let t = (2.5 * Math.log1p(v)) / Math.log(256);
      t -= Math.floor(t);
      let s = 0;
      while (STOPS[s + 1][0] < t) s++;
      const [a, ca] = STOPS[s];
      const [b, cb] = STOPS[s + 1];
      const u = (t - a) / (b - a);
      rgb = ca.map((c, i) => Math.round(c + (cb[i] - c) * u));
    }
    lut.set([rgb[0], rgb[1], rgb[2], 255], v * 4);
  }
  return lut;
}

/**
 * RGBA pixels of a tile's bytes through the palette.
 * @param {Uint8Array} bytes
 * @param {Uint8ClampedArray} lut from palette()
 * @returns {Uint8ClampedArray}
 */
export function colorize(bytes, lut) {
  const out = new Uint8ClampedArray(bytes.length * 4);
  for (let i = 0; i < bytes.length; i++) {
    const o = bytes[i] * 4;
    const p = i * 4;
    out[p] = lut[o];
    out[p + 1] = lut[o + 1];
    out[p + 2] = lut[o + 2];
    out[p + 3] = 255;
  }
  return out;
}
