/**
 * One progress bar: fed reports `{ completed, failed, total, elapsedMs,
 * final }` (the core's, for wait()/gather(); or any source's, e.g. the
 * demo's sub-total of `currentTask().progress` values), drawn on a terminal
 * stream in the stream's shared block, as plain lines on a non-terminal
 * stream when `plain` is set, else not at all.
 *
 * A bar never computes counts: it shows the last report it was given
 * (completed clamped to the total shown), so it cannot over-count. The
 * final report (or close()) fixes its end state: done (green), failed
 * (red), stopped (grey), as tqdm's bars in the original.
 * @module concurry-wasm/progress/bar
 */
import { formatLine, endState, RUNNING, FAILED, STOPPED } from './format.js';
import { defaultStream, isTerminal, useColors, terminalBlock, PlainLines, DEFAULT_REDRAW_MS } from './renderer.js';

/** Plain lines are sparse: one a second unless `mininterval` says otherwise. */
const DEFAULT_PLAIN_MS = 1000;

/**
 * @typedef {{ desc?: string, unit?: string, total?: number, width?: number, ncols?: number,
 *   color?: string, leave?: boolean, stream?: any, plain?: boolean, mininterval?: number }} BarOptions
 */

/**
 * How a bar with these options would be drawn: 'terminal', 'plain' or
 * null (nothing to draw on).
 * @param {BarOptions} o
 * @returns {'terminal'|'plain'|null}
 */
export function barMode(o) {
  const stream = o.stream !== undefined ? o.stream : defaultStream();
  if (stream == null) return null;
  if (isTerminal(stream)) return 'terminal';
  // A terminal where cli-progress cannot run (no Node): lines, as asked of a pipe with `plain`.
  if (o.plain === true || stream.isTTY === true) return 'plain';
  return null;
}

export class ProgressBar {
  /** @param {BarOptions} [o] validated options (see progress.js) */
  constructor(o = {}) {
    this.o = o;
    this.stream = o.stream !== undefined ? o.stream : defaultStream();
    this.mode = barMode(o);
    this.leave = o.leave !== false;
    this.state = RUNNING;
    /** @type {{ completed: number, failed: number, total: number, elapsedMs: number }|null} */
    this.report = null;
    this.block = null;
    this.lines = null;
    /** Shown by start() and no report since: the first report is painted at once too. */
    this.starting = false;
    this.colors = this.mode === 'terminal' && useColors(this.stream);
    if (this.mode === 'terminal') {
      this.mininterval = o.mininterval !== undefined ? o.mininterval : DEFAULT_REDRAW_MS;
    } else {
      this.mininterval = o.mininterval !== undefined ? o.mininterval : DEFAULT_PLAIN_MS;
      if (this.mode === 'plain') this.lines = new PlainLines(this.stream, o, this.mininterval);
    }
  }

  /** Whether the bar has reached its end state. */
  get closed() { return this.state !== RUNNING; }

  /**
   * Shows the bar before any report, with `r` (nothing done yet, of the
   * wait's total): drawn at once, as tqdm draws a bar when it starts.
   * Ignored once a report came (or the bar ended).
   * @param {{ completed: number, failed: number, total: number, elapsedMs: number }} r
   */
  start(r) {
    if (this.closed || this.report !== null) return;
    this.report = { completed: r.completed, failed: r.failed, total: r.total, elapsedMs: r.elapsedMs };
    if (this.mode === 'terminal') {
      this.starting = true;
      this.block = terminalBlock(this.stream);
      this.block.add(this);
    } else if (this.lines !== null) {
      this.lines.report(this.report, RUNNING);
    }
  }

  /**
   * Shows a report; a report with `final: true` ends the bar in the state
   * its counts give (endState). Reports after the end are ignored.
   * @param {{ completed: number, failed: number, total: number, elapsedMs: number, final?: boolean }} r
   */
  update(r) {
    if (this.closed) return;
    this.report = { completed: r.completed, failed: r.failed, total: r.total, elapsedMs: r.elapsedMs };
    if (r.final) {
      this.close(endState(this.report));
      return;
    }
    if (this.mode === 'terminal') {
      if (this.block === null) {
        this.block = terminalBlock(this.stream);
        this.block.add(this);
      } else if (this.starting) {
        // The first report after the start line: on screen at once as well.
        this.starting = false;
        this.block.paint();
      }
      // Later ones: painted by the block's timer, at most every mininterval.
    } else if (this.lines !== null) {
      this.lines.report(this.report, RUNNING);
    }
  }

  /**
   * Ends the bar: `state` 'done', 'failed' or 'stopped' (default: from the
   * last report's counts). Idempotent.
   * @param {string} [state]
   */
  close(state) {
    if (this.closed) return;
    const r = this.report || { completed: 0, failed: 0, total: this.o.total || 0, elapsedMs: 0 };
    this.report = r;
    this.state = state || endState(r);
    if (this.mode === 'terminal') {
      if (this.block === null) {
        this.block = terminalBlock(this.stream);
        this.block.add(this);
      }
      this.block.end(this);
    } else if (this.lines !== null) {
      this.lines.report(r, this.state);
    }
  }

  /**
   * The bar's text for a terminal `maxWidth` columns wide (called by the
   * renderer); one column is kept free so the line never wraps (colour
   * codes take no columns).
   * @param {number} maxWidth
   */
  line(maxWidth) {
    const r = this.report || { completed: 0, failed: 0, total: this.o.total || 0, elapsedMs: 0 };
    const cols = (this.o.ncols !== undefined ? Math.min(this.o.ncols, maxWidth) : maxWidth) - 1;
    return formatLine(r, this.o, { state: this.state, cols, colors: this.colors, bar: true });
  }
}

/*
 * A wait whose waiter is collected without a final report (a gather
 * iterator dropped without return()) would leave its bar live, and with it
 * the stream's block: every later bar would stack under it. The callback is
 * held only by its waiter, so its collection ends the bar (grey).
 */
const orphans = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry((held) => { if (held.bar !== null) held.bar.close(STOPPED); })
  : null;

/**
 * The progress callback of a wait with a bar: creates the bar at the first
 * report, feeds it every report, then calls the user's callback (if any).
 * If that callback throws (or its promise rejects) the wait ends with that
 * error and gets no final report: the bar ends red then.
 * @param {BarOptions} o
 * @param {((r: any) => unknown)|null} user
 * @returns {(r: any) => unknown}
 */
export function barCallback(o, user) {
  /** @type {{ bar: ProgressBar|null }} what the registry may close; holds nothing of the callback */
  const held = { bar: null };
  const callback = (r) => {
    if (held.bar === null) held.bar = new ProgressBar(o);
    const bar = held.bar;
    bar.update(r);
    if (user === null) return undefined;
    let out;
    try {
      out = user(r);
    } catch (e) {
      bar.close(FAILED);
      throw e;
    }
    if (out !== null && (typeof out === 'object' || typeof out === 'function')) {
      try {
        const then = out.then;
        if (typeof then === 'function') then.call(out, undefined, () => bar.close(FAILED));
      } catch {
        // The waiter reads `then` itself and reports what it throws.
      }
    }
    return out;
  };
  // The wait started and no report came yet (Waiter.start): the bar is
  // shown at once, at 0 of the total; the user's callback is not called.
  callback.start = (r) => {
    if (held.bar === null) held.bar = new ProgressBar(o);
    held.bar.start(r);
  };
  if (orphans !== null) orphans.register(callback, held);
  return callback;
}
