/**
 * Where bars are drawn: one shared multi-bar block per terminal stream, so
 * that bars of concurrent waits/gathers each keep their own line instead of
 * overwriting each other, and plain lines for streams that are not
 * terminals.
 *
 * Terminal bars are drawn by cli-progress's MultiBar (cursor movement,
 * redraw only on change, one block of lines for every live bar). A bar's
 * text comes from ./format.js, from the last report it was given: cli-progress
 * counts nothing itself, its redraw timer only repaints. A block lives while
 * any of its bars does: when the last one ends, the block is closed (bars
 * with `leave: false` erased, the others left in their final state) and the
 * next bar starts a new block below it.
 *
 * cli-progress is loaded (synchronously, through createRequire) the first
 * time a terminal bar is drawn, and only in Node: browsers never load it.
 * Its redraw timer is unref'ed: a bar never keeps a process alive.
 * @module concurry-wasm/progress/renderer
 */
import { formatLine, RUNNING } from './format.js';

const isNode = typeof process !== 'undefined' && process.versions != null && typeof process.versions.node === 'string';
const nodeRequire = isNode ? (await import('node:module')).createRequire(import.meta.url) : null;

/** @type {any} */
let cli = null;
/** cli-progress, or null where it cannot run (no Node). */
function cliProgress() {
  if (cli === null && nodeRequire !== null) cli = nodeRequire('cli-progress');
  return cli;
}

/** The process's stderr, or null (browsers). */
export function defaultStream() {
  return isNode ? process.stderr : null;
}

/** Whether `stream` is a terminal that bars can be drawn on with cursor movement. */
export function isTerminal(stream) {
  return stream != null && stream.isTTY === true && nodeRequire !== null;
}

/** Colours unless NO_COLOR is set or the stream says it has none. */
export function useColors(stream) {
  if (isNode && process.env.NO_COLOR) return false;
  return typeof stream.hasColors !== 'function' || stream.hasColors() === true;
}

/** The redraw period of a block when no bar asks for another (tqdm's mininterval, 0.1 s). */
export const DEFAULT_REDRAW_MS = 100;

/**
 * What a renderer needs of a bar.
 * @typedef {{ line(maxWidth: number): string, leave: boolean, mininterval: number }} BarView
 */

/**
 * The block of terminal bars of one stream.
 */
class TerminalBlock {
  /** @param {any} stream */
  constructor(stream) {
    this.stream = stream;
    /** @type {any} cli-progress MultiBar while a bar is live, else null */
    this.multi = null;
    /** @type {Map<BarView, any>} the block's bars (live and ended) and their cli-progress bars */
    this.bars = new Map();
    /** @type {Set<BarView>} */
    this.live = new Set();
  }

  /** @param {BarView} view */
  add(view) {
    if (this.multi === null) {
      const { MultiBar } = cliProgress();
      this.multi = new MultiBar({
        stream: this.stream,
        // The text is ours; cli-progress only places it.
        format: (_opts, params, payload) => payload.view.line(params.maxWidth),
        // No terminal mode changes (line wrap, cursor) that a crash would leave behind.
        linewrap: true,
        hideCursor: false,
        clearOnComplete: false,
        stopOnComplete: false,
        gracefulExit: false,
        fps: 1000 / DEFAULT_REDRAW_MS,
      });
      const multi = this.multi;
      // Lines fit the columns already (BarView.line); cli-progress would cut
      // them by length, colour codes included, when its terminal wraps.
      multi.terminal.linewrap = false;
      multi.on('update-post', () => unrefTimer(multi));
    }
    this.live.add(view);
    // Before create(): it arms the block's first redraw with this period.
    this.schedule();
    this.bars.set(view, this.multi.create(1, 0, { view }));
    // On screen at once (as tqdm draws a bar when it starts); later reports at the block's pace.
    this.multi.update();
    unrefTimer(this.multi);
  }

  /** Paints the block now (a bar's first report after its start line). */
  paint() {
    if (this.multi === null) return;
    this.multi.update();
    unrefTimer(this.multi);
  }

  /** The block repaints at the smallest mininterval of its live bars (at most every 10 ms). */
  schedule() {
    let ms = Infinity;
    for (const v of this.live) ms = Math.min(ms, v.mininterval);
    if (ms !== Infinity) this.multi.schedulingRate = Math.max(ms, 10);
  }

  /**
   * A bar reached its end state: painted at once (so it is on screen before
   * its wait settles); when it was the block's last live bar, the block ends.
   * @param {BarView} view
   */
  end(view) {
    if (!this.live.delete(view)) return;
    const multi = this.multi;
    if (this.live.size !== 0) {
      this.schedule();
      if (!view.leave) this.erase(view);
      multi.update();
      if (!view.leave) {
        // The block is a line shorter: clear the last line it used.
        multi.terminal.newline();
        multi.terminal.clearBottom();
      }
      unrefTimer(multi);
      return;
    }
    let erased = 0;
    for (const v of [...this.bars.keys()]) {
      if (v.leave) continue;
      this.erase(v);
      erased++;
    }
    // Nothing left to show: stop() then clears the block instead of painting it.
    if (multi.bars.length === 0) multi.options.clearOnComplete = true;
    multi.stop();
    // Lines of erased bars below the kept ones.
    if (erased !== 0 && multi.bars.length !== 0) multi.terminal.clearBottom();
    this.multi = null;
    this.bars.clear();
  }

  /**
   * Takes a bar out of the block. The bars below it move up a line, so each
   * is repainted even if its text did not change (cli-progress repaints a
   * bar only when its text changed, and its own remove() relies on that).
   * @param {BarView} view
   */
  erase(view) {
    const multi = this.multi;
    const b = this.bars.get(view);
    this.bars.delete(view);
    const i = multi.bars.indexOf(b);
    if (i >= 0) multi.bars.splice(i, 1);
    for (const other of multi.bars) other.lastDrawnString = null;
  }
}

/** cli-progress re-arms its redraw timer after each paint: never let it hold the process. */
function unrefTimer(multi) {
  const t = multi.timer;
  if (t !== null && typeof t === 'object' && typeof t.unref === 'function') t.unref();
}

/** @type {WeakMap<object, TerminalBlock>} */
const blocks = new WeakMap();

/**
 * The shared block of a terminal stream.
 * @param {object} stream
 * @returns {TerminalBlock}
 */
export function terminalBlock(stream) {
  let b = blocks.get(stream);
  if (b === undefined) {
    b = new TerminalBlock(stream);
    blocks.set(stream, b);
  }
  return b;
}

/**
 * Plain lines for a stream that is not a terminal: one line when the bar
 * starts, then at most one per `mininterval` ms, and always its final line
 * (with the end state spelled out). Each line is one write, so lines of
 * concurrent bars interleave whole.
 */
export class PlainLines {
  /**
   * @param {any} stream
   * @param {object} o  bar options (desc, unit, total, ncols)
   * @param {number} mininterval
   */
  constructor(stream, o, mininterval) {
    this.stream = stream;
    this.o = o;
    this.mininterval = mininterval;
    this.last = -Infinity;
  }

  /**
   * @param {{ completed: number, failed: number, total: number, elapsedMs: number }} r
   * @param {string} state  RUNNING, or the end state
   */
  report(r, state) {
    const now = Date.now();
    if (state === RUNNING) {
      // All done: the final line follows at once, say it once.
      if (now - this.last < this.mininterval || r.completed >= r.total) return;
    }
    this.last = now;
    const cols = this.o.ncols !== undefined ? this.o.ncols : Infinity;
    this.stream.write(`${formatLine(r, this.o, { state, cols, colors: false, bar: false })}\n`);
  }
}
