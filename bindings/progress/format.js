/**
 * Text of one progress bar line, after tqdm (the original's bar):
 *
 *   tiles:  45%|█████▍      | 45/100 [00:01<00:01, 40.21it/s, 2 failed]
 *
 * Pure functions of a report and the bar's options: no clock, no stream.
 * Every number shown comes from the report (counts and elapsedMs are the
 * core's), so a line never shows more than the core reported.
 * @module concurry-wasm/progress/format
 */

/** End states of a bar, and the running one. */
export const RUNNING = 'running';
export const DONE = 'done';
export const FAILED = 'failed';
export const STOPPED = 'stopped';

/*
 * tqdm's end colours in the original: success green, failure red, stopped
 * grey. SGR codes: 32 green, 31 red, 90 bright black (grey).
 */
const STATE_SGR = { [DONE]: '32', [FAILED]: '31', [STOPPED]: '90' };
const NAMED_SGR = {
  black: '30', red: '31', green: '32', yellow: '33', blue: '34', magenta: '35', cyan: '36', white: '37',
  grey: '90', gray: '90',
};
const RESET = '\x1b[0m';

/* tqdm's partial blocks: a cell is 8 eighths. */
const EIGHTHS = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
const FULL = '█';

/**
 * The state a final report ends a bar in: a failure wins (red), then a wait
 * that ended before every future was done (timeout, abort, FIRST_COMPLETED,
 * an iterator left early: grey), else success (green).
 * @param {{ completed: number, failed: number, total: number }} r
 * @returns {string} DONE, FAILED or STOPPED
 */
export function endState(r) {
  if (r.failed > 0) return FAILED;
  if (r.completed < r.total) return STOPPED;
  return DONE;
}

/**
 * The SGR parameter for a colour name ('green', ...) or '#rrggbb', or null.
 * @param {string|undefined} color
 * @returns {string|null}
 */
export function colorSgr(color) {
  if (!color) return null;
  const named = NAMED_SGR[color.toLowerCase()];
  if (named) return named;
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (m) return `38;2;${parseInt(m[1], 16)};${parseInt(m[2], 16)};${parseInt(m[3], 16)}`;
  return null;
}

/** mm:ss, or h:mm:ss from an hour on (tqdm's format_interval). */
export function formatInterval(ms) {
  if (!(ms >= 0) || !Number.isFinite(ms)) return '?';
  const t = Math.floor(ms / 1000);
  const h = Math.floor(t / 3600);
  const m = Math.floor(t / 60) % 60;
  const s = t % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** `40.21it/s`, `15.6kit/s`, or `1.52s/it` when slower than one a second (as tqdm). */
export function formatRate(n, ms, unit) {
  if (!(ms > 0) || n <= 0) return `?${unit}/s`;
  const perS = (n * 1000) / ms;
  if (perS >= 1e6) return `${(perS / 1e6).toFixed(1)}M${unit}/s`;
  if (perS >= 1e4) return `${(perS / 1e3).toFixed(1)}k${unit}/s`;
  if (perS >= 1) return `${perS >= 100 ? perS.toFixed(0) : perS.toFixed(2)}${unit}/s`;
  return `${(ms / 1000 / n).toFixed(2)}s/${unit}`;
}

/**
 * The bar cells: `cells` wide, `frac` (0..1) filled, in eighths.
 * @param {number} frac
 * @param {number} cells
 */
export function barCells(frac, cells) {
  if (cells <= 0) return '';
  const eighths = Math.floor(Math.min(Math.max(frac, 0), 1) * cells * 8);
  const full = Math.floor(eighths / 8);
  const rest = eighths % 8;
  let s = FULL.repeat(full);
  if (full < cells) s += EIGHTHS[rest] + ' '.repeat(cells - full - 1);
  return s;
}

/**
 * The counts a bar shows for a report: `total` from the bar's options when
 * given, and `completed` never above the total shown (the report's own
 * counts are already clamped by the core: failed <= completed <= total).
 * @param {{ completed: number, failed: number, total: number }} r
 * @param {{ total?: number }} o
 */
export function shownCounts(r, o) {
  const total = o.total !== undefined ? o.total : r.total;
  return { n: Math.min(r.completed, total), failed: Math.min(r.failed, r.completed), total };
}

/**
 * One line for a report.
 * @param {{ completed: number, failed: number, total: number, elapsedMs: number }} r
 * @param {{ desc?: string, unit?: string, total?: number, width?: number, color?: string }} o
 * @param {{ state: string, cols: number, colors: boolean, bar: boolean }} how
 *   `cols`: the columns the line may use (visible characters); `bar`: false
 *   for a plain line (no bar cells, the end state spelled out).
 * @returns {string}
 */
export function formatLine(r, o, how) {
  const unit = o.unit || 'it';
  const { n, failed, total } = shownCounts(r, o);
  const frac = total > 0 ? n / total : 1;
  const pct = `${String(Math.floor(frac * 100)).padStart(3)}%`;
  const elapsed = formatInterval(r.elapsedMs);
  let remaining = '?';
  if (n > 0 && r.elapsedMs > 0) remaining = formatInterval((r.elapsedMs / n) * (total - n));
  else if (n >= total) remaining = formatInterval(0);
  let post = `${n}/${total} [${elapsed}<${remaining}, ${formatRate(n, r.elapsedMs, unit)}`;
  if (failed > 0) post += `, ${failed} failed`;
  post += ']';
  const desc = o.desc ? `${o.desc}: ` : '';

  if (!how.bar) {
    const end = how.state === RUNNING ? '' : ` ${how.state}`;
    return `${desc}${pct} ${post}${end}`;
  }

  // desc + pct + '|' + cells + '| ' + post, the cells taking what is left.
  const fixed = desc.length + pct.length + 3 + post.length;
  // Explicit `width` cells, else what the columns leave (at most 60); never past the columns.
  const cells = Math.min(o.width !== undefined ? o.width : 60, how.cols - fixed);
  if (cells < 1) {
    // No room for cells: the counts alone, cut to the columns.
    const text = `${desc}${pct} ${post}`;
    return text.length > how.cols ? text.slice(0, Math.max(0, how.cols)) : text;
  }
  let cellText = barCells(frac, cells);
  const sgr = how.state === RUNNING ? colorSgr(o.color) : STATE_SGR[how.state];
  if (how.colors && sgr) cellText = `\x1b[${sgr}m${cellText}${RESET}`;
  return `${desc}${pct}|${cellText}| ${post}`;
}
