// Task module of the demo's thread mode: each pool worker (a module Web
// Worker) imports this file and runs `mandelbrot` for the tiles it is handed.
// The bytes move back to the page instead of being copied (transfer()).
import { transfer } from '/bindings/worker.js';
import { mandelbrotTile } from './mandelbrot.mjs';

/**
 * One tile: the same arguments and bytes as the core's C kernel `mandelbrot`.
 * @returns {Uint8Array}
 */
export function mandelbrot(width, height, x0, y0, x1, y1, maxIter) {
  const px = mandelbrotTile(width, height, x0, y0, x1, y1, maxIter);
  return transfer(px, [px.buffer]);
}

/** This worker's id, random and fixed when the module loaded (see modes.js allWorkersUp). */
const id = Math.random().toString(36).slice(2);
export function workerId() { return id; }
