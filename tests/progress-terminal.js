/**
 * A fake terminal stream for the progress tests: an object with isTTY,
 * columns and write() (what a bar needs of process.stderr), which keeps a
 * screen the way a terminal would, by interpreting the escape sequences
 * Node's readline writes (cursor up/down/column, clear line/screen down) and
 * SGR colours. `screen()` is what a user would see.
 */
export class FakeTerminal {
  /**
   * @param {{ columns?: number, isTTY?: boolean }} [o]
   */
  constructor(o = {}) {
    this.isTTY = o.isTTY !== undefined ? o.isTTY : true;
    this.columns = o.columns || 80;
    /** @type {{ ch: string, sgr: string|null }[][]} */
    this.rows = [[]];
    this.row = 0;
    this.col = 0;
    this.sgr = null;
    this.raw = '';
    this.writes = 0;
  }

  write(s, cb) {
    this.writes++;
    this.raw += s;
    const re = /\x1b\[([0-9;]*)([A-Za-z])|\n|\r|[^\x1b\n\r]/gsu;
    let m;
    while ((m = re.exec(s)) !== null) {
      if (m[2] !== undefined) this.escape(m[1], m[2]);
      else if (m[0] === '\n') { this.row++; this.col = 0; this.line(); }
      else if (m[0] === '\r') this.col = 0;
      else this.put(m[0]);
    }
    if (typeof cb === 'function') cb();
    return true;
  }

  line() {
    while (this.rows.length <= this.row) this.rows.push([]);
    return this.rows[this.row];
  }

  put(ch) {
    const line = this.line();
    while (line.length < this.col) line.push({ ch: ' ', sgr: null });
    line[this.col] = { ch, sgr: this.sgr };
    this.col++;
  }

  escape(params, cmd) {
    const n = params === '' ? null : Number(params.split(';')[0]);
    switch (cmd) {
      case 'A': this.row = Math.max(0, this.row - (n || 1)); break;
      case 'B': this.row += n || 1; this.line(); break;
      case 'C': this.col += n || 1; break;
      case 'D': this.col = Math.max(0, this.col - (n || 1)); break;
      case 'G': this.col = (n || 1) - 1; break;
      case 'K': {
        const line = this.line();
        if (!n) line.length = Math.min(line.length, this.col);
        else if (n === 1) for (let i = 0; i <= this.col && i < line.length; i++) line[i] = { ch: ' ', sgr: null };
        else line.length = 0;
        break;
      }
      case 'J':
        if (!n) {
          this.line().length = Math.min(this.line().length, this.col);
          this.rows.length = this.row + 1;
        }
        break;
      case 'm': this.sgr = params === '' || params === '0' ? null : params; break;
      default: break; // modes (?25l, ?7l...) do not change the screen
    }
  }

  /** The visible lines, trailing spaces and empty last lines dropped. */
  screen() {
    const lines = this.rows.map((l) => l.map((c) => c.ch).join('').trimEnd());
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    return lines;
  }

  /** The SGR colours used on screen line `i` (e.g. ['32'] for green). */
  colors(i) {
    return [...new Set((this.rows[i] || []).map((c) => c.sgr).filter((x) => x !== null))];
  }
}

/** Green, red, grey as the bars' end states use them. */
export const GREEN = '32';
export const RED = '31';
export const GREY = '90';
