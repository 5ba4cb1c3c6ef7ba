/*
 * The text of a progress bar line (bindings/progress/format.js), tqdm's
 * layout: numbers, bar cells in eighths, end states and colours, fitting
 * the columns; and NO_COLOR on a drawn bar.
 */
import {
  formatLine, formatInterval, formatRate, barCells, endState, colorSgr, DONE, FAILED, STOPPED, RUNNING,
} from '../bindings/progress/format.js';
import { gather } from '../bindings/index.js';
import { FakeTerminal } from './progress-terminal.js';

const r = (completed, total, elapsedMs, failed = 0) => ({ completed, failed, total, elapsedMs });
const term = (state, cols = 80, colors = true) => ({ state, cols, colors, bar: true });

describe('pieces', () => {
  test('intervals, rates', () => {
    expect(formatInterval(0)).toBe('00:00');
    expect(formatInterval(61_500)).toBe('01:01');
    expect(formatInterval(3_725_000)).toBe('1:02:05');
    expect(formatInterval(NaN)).toBe('?');
    expect(formatRate(10, 1000, 'it')).toBe('10.00it/s');
    expect(formatRate(250, 1000, 'row')).toBe('250row/s');
    expect(formatRate(50_000, 1000, 'n')).toBe('50.0kn/s');
    expect(formatRate(3_000_000, 1000, 'n')).toBe('3.0Mn/s');
    expect(formatRate(2, 5000, 'it')).toBe('2.50s/it');
    expect(formatRate(0, 1000, 'it')).toBe('?it/s');
    expect(formatRate(5, 0, 'it')).toBe('?it/s');
  });

  test('cells fill in eighths, never past the width', () => {
    expect(barCells(0, 4)).toBe('    ');
    expect(barCells(0.5, 4)).toBe('██  ');
    expect(barCells(1 / 32, 4)).toBe('▏   ');
    expect(barCells(1, 4)).toBe('████');
    expect(barCells(2, 4)).toBe('████');
    expect(barCells(0.5, 0)).toBe('');
  });

  test('end states: a failure wins, then stopped early, else done', () => {
    expect(endState(r(3, 3, 1))).toBe(DONE);
    expect(endState(r(3, 3, 1, 1))).toBe(FAILED);
    expect(endState(r(1, 3, 1, 1))).toBe(FAILED);
    expect(endState(r(1, 3, 1))).toBe(STOPPED);
    expect(endState(r(0, 0, 0))).toBe(DONE);
  });

  test('colours: names and #rrggbb', () => {
    expect(colorSgr('cyan')).toBe('36');
    expect(colorSgr('GREEN')).toBe('32');
    expect(colorSgr('#ff8000')).toBe('38;2;255;128;0');
    expect(colorSgr('chartreuse')).toBeNull();
    expect(colorSgr(undefined)).toBeNull();
  });
});

describe('a line', () => {
  test('tqdm layout', () => {
    const s = formatLine(r(9, 20, 1215), { desc: 'tiles', unit: 'tile', width: 20 }, term(RUNNING));
    expect(s).toBe('tiles:  45%|█████████           | 9/20 [00:01<00:01, 7.41tile/s]');
  });

  test('failures are counted; end states colour the cells', () => {
    const done = formatLine(r(4, 4, 100), { width: 4 }, term(DONE));
    expect(done).toBe('100%|\x1b[32m████\x1b[0m| 4/4 [00:00<00:00, 40.00it/s]');
    const failed = formatLine(r(4, 4, 100, 2), { width: 4 }, term(FAILED));
    expect(failed).toBe('100%|\x1b[31m████\x1b[0m| 4/4 [00:00<00:00, 40.00it/s, 2 failed]');
    const stopped = formatLine(r(2, 4, 100), { width: 4 }, term(STOPPED));
    expect(stopped).toBe(' 50%|\x1b[90m██  \x1b[0m| 2/4 [00:00<00:00, 20.00it/s]');
    expect(formatLine(r(2, 4, 100), { width: 4, color: 'cyan' }, term(RUNNING))).toContain('\x1b[36m██  \x1b[0m');
    expect(formatLine(r(2, 4, 100), { width: 4 }, term(STOPPED, 80, false))).not.toMatch(/\x1b/);
  });

  test('fits the columns: cells shrink, then go', () => {
    for (const cols of [80, 60, 45, 30, 10]) {
      const s = formatLine(r(123, 456, 7890), { desc: 'work' }, term(RUNNING, cols, false));
      expect(s.length).toBeLessThanOrEqual(cols);
    }
    expect(formatLine(r(1, 2, 10), { width: 100 }, term(RUNNING, 40, false)).length).toBeLessThanOrEqual(40);
  });

  test('a plain line spells the end state', () => {
    const how = (state) => ({ state, cols: Infinity, colors: false, bar: false });
    expect(formatLine(r(1, 2, 500), { desc: 'p' }, how(RUNNING))).toBe('p:  50% 1/2 [00:00<00:00, 2.00it/s]');
    expect(formatLine(r(2, 2, 1000, 1), { desc: 'p' }, how(FAILED))).toBe('p: 100% 2/2 [00:01<00:00, 2.00it/s, 1 failed] failed');
  });

  test('the total option: never more shown than it', () => {
    expect(formatLine(r(5, 5, 100), { total: 3, width: 3 }, term(DONE, 80, false))).toMatch(/^100%\|███\| 3\/3 /);
  });
});

describe('NO_COLOR', () => {
  test('a bar drawn with NO_COLOR set has no colour codes', async () => {
    const saved = process.env.NO_COLOR;
    process.env.NO_COLOR = '1';
    try {
      const t = new FakeTerminal();
      await gather([1, 2], { progress: { desc: 'nc', stream: t } });
      expect(t.screen()[0]).toMatch(/^nc: 100%/);
      expect(t.raw).not.toMatch(/\x1b\[[0-9;]*m/);
    } finally {
      if (saved === undefined) delete process.env.NO_COLOR;
      else process.env.NO_COLOR = saved;
    }
  });
});
