/**
 * The Mandelbrot kernel in JavaScript, shared by the demo (demo/tasks.mjs:
 * thread, process and sync modes) and the web demo (web-demo/mandelbrot.mjs).
 * A plain ES module with no imports, so a browser page loads it as it is.
 *
 * It is the core's C kernel `mandelbrot` (wasm/src/kernels_builtin.c,
 * k_mandelbrot) line for line, with the same double arithmetic in the same
 * order, so a tile is byte-for-byte the same whichever mode computed it: one
 * byte per pixel, 255 * k / maxIter truncated, where k is the iteration count
 * (255 = never escaped). The demos compare the modes' results on that.
 */

/**
 * A tile of width x height pixels over [x0, x1] x [y0, y1], row by row.
 * @param {number} width @param {number} height
 * @param {number} x0 @param {number} y0 @param {number} x1 @param {number} y1
 * @param {number} maxIter
 * @param {(rowsDone: number) => void} [onRow] called before each row and once
 *   after the last, with the rows done so far (0 .. height): where a task
 *   reports progress or stops (it may throw, which ends the tile)
 * @returns {Uint8Array} width * height bytes
 */
export function mandelbrotTile(width, height, x0, y0, x1, y1, maxIter, onRow) {
  const px = new Uint8Array(width * height);
  const dx = width > 1 ? (x1 - x0) / (width - 1) : 0;
  const dy = height > 1 ? (y1 - y0) / (height - 1) : 0;
  for (let j = 0; j < height; j++) {
    if (onRow !== undefined) onRow(j);
    const ci = y0 + dy * j;
    for (let i = 0; i < width; i++) {
      const cr = x0 + dx * i;
      let zr = 0;
      let zi = 0;
      let k = 0;
      while (k < maxIter && zr * zr + zi * zi <= 4.0) {
        const t = zr * zr - zi * zi + cr;
        zi = 2 * zr * zi + ci;
        zr = t;
        k++;
      }
      px[j * width + i] = Math.trunc((255.0 * k) / maxIter);
    }
  }
  if (onRow !== undefined) onRow(height);
  return px;
}
