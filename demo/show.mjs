/**
 * What the demo shows besides bars: sub-totals of task progress, the
 * summary table, a text thumbnail of the image, result comparison.
 */

/** Milliseconds as `840 ms` or `3.21 s`. */
export function formatMs(ms) {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/**
 * A sub-total bar fed by progress from inside tasks: each task reports its
 * units done so far; the demo adds the increments here.
 */
export class SubTotal {
  /**
   * @param {import('../bindings/progress/bar.js').ProgressBar} bar
   * @param {number} total
   */
  constructor(bar, total) {
    this.bar = bar;
    this.total = total;
    this.completed = 0;
    this.t0 = performance.now();
    this.bar.update(this.report(false));
  }

  report(final) {
    return { completed: Math.min(this.completed, this.total), failed: 0, total: this.total, elapsedMs: performance.now() - this.t0, final };
  }

  add(units) {
    this.completed += units;
    this.bar.update(this.report(false));
  }

  close() {
    this.bar.update(this.report(true));
  }
}

/** Same tile bytes or same count. */
export function sameResult(a, b) {
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length)) === 0;
  return a === b;
}

/** The summary: mode, tasks, wall time, speed-up against sync. */
export class Table {
  constructor() { this.rows = []; }

  add(mode, tasks, ms, syncMs, on) {
    this.rows.push({ mode, tasks, ms, speedup: syncMs / ms, on });
  }

  render() {
    const head = ['mode', 'tasks', 'wall time', 'speed-up', 'on'];
    const cells = this.rows.map((r) => [r.mode, String(r.tasks), `${(r.ms / 1000).toFixed(2)} s`, `${r.speedup.toFixed(2)}x`, r.on]);
    const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
    const line = (c) => c.map((x, i) => (i === 1 || i === 2 || i === 3 ? x.padStart(widths[i]) : x.padEnd(widths[i]))).join('  ').trimEnd();
    return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
  }
}

/**
 * The image, assembled from the tiles of `results`, as text `cols` wide
 * (a character is about twice as tall as wide).
 */
export function thumbnail(jobs, results, size, cols) {
  const img = new Uint8Array(size.width * size.height);
  for (const job of jobs) {
    if (!job.tile) continue;
    const { x, y, w, h } = job.tile;
    const t = results[job.key];
    for (let j = 0; j < h; j++) img.set(t.subarray(j * w, (j + 1) * w), (y + j) * size.width + x);
  }
  const rows = Math.round((cols * size.height) / size.width / 2);
  const ramp = ' .:-=+*#%';
  const lines = [];
  for (let r = 0; r < rows; r++) {
    let s = '';
    for (let c = 0; c < cols; c++) {
      const v = img[Math.floor(((r + 0.5) * size.height) / rows) * size.width + Math.floor(((c + 0.5) * size.width) / cols)];
      s += v === 255 ? '@' : ramp[Math.min(ramp.length - 1, Math.floor((Math.log1p(v) / Math.log(256)) * ramp.length * 1.6))];
    }
    lines.push(s.trimEnd());
  }
  return lines.join('\n');
}
