/*
 * Terminal progress bars (progress: true / bar options) for wait(), gather()
 * and gather({ iter: true }), drawn on a fake terminal (tests/progress-terminal.js)
 * that keeps the screen a user would see: final text, end-state colours, no
 * over-count with miniters > 1, concurrent bars on their own lines, silence on
 * a non-TTY, plain lines when asked for.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { wait, gather } from '../bindings/index.js';
import { ProgressBar } from '../bindings/progress/bar.js';
import { FakeTerminal, GREEN, RED, GREY } from './progress-terminal.js';

const sleep = (ms, v) => new Promise((r) => setTimeout(() => r(v), ms));
const fail = (ms, msg) => new Promise((_, j) => setTimeout(() => j(new Error(msg)), ms));

function deferred() {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

/** Every n/total a line ever drew for `desc` on `term` (from the raw output). */
function drawnCounts(term, desc) {
  const re = new RegExp(`${desc}: +\\d+%\\|[^|]*\\| (\\d+)/(\\d+)`, 'g');
  const out = [];
  for (const m of term.raw.replace(/\x1b\[[0-9;]*m/g, '').matchAll(re)) out.push([Number(m[1]), Number(m[2])]);
  return out;
}

describe('a bar per wait/gather on a terminal', () => {
  test('gather: the final line shows every future done, green', async () => {
    const term = new FakeTerminal({ columns: 80 });
    const r = await gather(Array.from({ length: 10 }, (_, i) => sleep(5 * i, i)), { progress: { desc: 'jobs', stream: term } });
    expect(r).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const screen = term.screen();
    expect(screen).toHaveLength(1);
    expect(screen[0]).toMatch(/^jobs: 100%\|█+\| 10\/10 \[\d\d:\d\d<00:00, [\d.]+it\/s\]$/);
    expect(term.colors(0)).toEqual([GREEN]);
    // The block ended: the cursor is on the line below the bar.
    expect(term.row).toBe(1);
  });

  test('the final state is on screen before the gather settles', async () => {
    const term = new FakeTerminal();
    const p = gather([sleep(5, 1), 2], { progress: { desc: 'x', stream: term } });
    const seen = await p.then(() => term.screen().slice());
    expect(seen[0]).toMatch(/^x: 100%.*2\/2/);
  });

  test('a bar is on screen as soon as its first report comes, not at the next redraw', async () => {
    const term = new FakeTerminal();
    const ds = [deferred(), deferred(), deferred()];
    const g = gather(ds.map((d) => d.promise), { progress: { desc: 'now', stream: term, mininterval: 5000 } });
    ds[0].resolve(1);
    await new Promise((r) => setImmediate(r));
    expect(term.screen()).toEqual([expect.stringMatching(/^now:  33%\|.*\| 1\/3 /)]);
    ds[1].resolve(2);
    ds[2].resolve(3);
    await g;
    expect(term.screen()).toEqual([expect.stringMatching(/^now: 100%\|.*\| 3\/3 /)]);
  });

  test('desc, unit, total and width shape the line; lines fit the columns', async () => {
    const term = new FakeTerminal({ columns: 80 });
    await gather([1, 2, 3, 4], { progress: { desc: 'tiles', unit: 'tile', width: 10, stream: term } });
    expect(term.screen()[0]).toMatch(/^tiles: 100%\|██████████\| 4\/4 \[.*tile\/s\]$/);
    const narrow = new FakeTerminal({ columns: 40 });
    await gather(Array.from({ length: 100 }, (_, i) => i), { progress: { desc: 'a long description', stream: narrow } });
    for (const line of narrow.screen()) expect(line.length).toBeLessThan(40);
  });

  test('gather with iter: one bar, green once the loop has taken everything', async () => {
    const term = new FakeTerminal();
    const got = [];
    for await (const [k, v] of gather({ a: sleep(10, 1), b: sleep(1, 2), c: 3 }, { iter: true, progress: { desc: 'it', stream: term } })) got.push([k, v]);
    expect(got).toHaveLength(3);
    expect(term.screen()).toEqual([expect.stringMatching(/^it: 100%\|█+\| 3\/3 /)]);
    expect(term.colors(0)).toEqual([GREEN]);
  });

  test('wait: ALL_COMPLETED green; FIRST_COMPLETED stops early, grey', async () => {
    const term = new FakeTerminal();
    await wait([sleep(1), sleep(2)], { progress: { desc: 'all', stream: term } });
    const slow = sleep(300);
    await wait([sleep(1), slow], { returnWhen: 'FIRST_COMPLETED', progress: { desc: 'first', stream: term } });
    expect(term.screen()).toEqual([
      expect.stringMatching(/^all: 100%.* 2\/2 /),
      expect.stringMatching(/^first:  50%.* 1\/2 /),
    ]);
    expect(term.colors(0)).toEqual([GREEN]);
    expect(term.colors(1)).toEqual([GREY]);
    await slow;
  });

  test('a failure ends the bar red (gather rejects; returnExceptions counts it)', async () => {
    const term = new FakeTerminal();
    await expect(gather([sleep(1, 1), fail(5, 'boom'), sleep(200)], { progress: { desc: 'rej', stream: term } })).rejects.toThrow('boom');
    await gather([sleep(1, 1), fail(5, 'boom')], { returnExceptions: true, progress: { desc: 'exc', stream: term } });
    const screen = term.screen();
    expect(screen[0]).toMatch(/^rej: .*1 failed\]$/);
    expect(screen[1]).toMatch(/^exc: 100%.* 2\/2 .*1 failed\]$/);
    expect(term.colors(0)).toEqual([RED]);
    expect(term.colors(1)).toEqual([RED]);
  });

  test('timeout and abort end the bar grey, with what was done', async () => {
    const term = new FakeTerminal();
    const never = new Promise(() => {});
    await expect(gather([1, never], { timeout: 20, progress: { desc: 'timeout', stream: term } })).rejects.toThrow(/timed out/);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 20);
    await expect(wait([1, 2, never], { signal: ac.signal, progress: { desc: 'abort', stream: term } })).rejects.toThrow();
    const ac2 = new AbortController();
    ac2.abort();
    await expect(gather([never], { signal: ac2.signal, progress: { desc: 'aborted', stream: term } })).rejects.toThrow();
    const screen = term.screen();
    expect(screen[0]).toMatch(/^timeout:  50%\|.*\| 1\/2 /);
    expect(screen[1]).toMatch(/^abort:  66%\|.*\| 2\/3 /);
    expect(screen[2]).toMatch(/^aborted:   0%\|.*\| 0\/1 /);
    for (let i = 0; i < 3; i++) expect(term.colors(i)).toEqual([GREY]);
  });

  test('leaving an iterator early ends its bar grey', async () => {
    const term = new FakeTerminal();
    const never = new Promise(() => {});
    // eslint-disable-next-line no-unreachable-loop
    for await (const _ of gather([1, never], { iter: true, progress: { desc: 'brk', stream: term } })) break;
    expect(term.screen()[0]).toMatch(/^brk:  50%.* 1\/2 /);
    expect(term.colors(0)).toEqual([GREY]);
  });

  test('leave: false erases the bar at its end', async () => {
    const term = new FakeTerminal();
    // Long enough to be drawn (every 100 ms) before it ends.
    await gather([sleep(1, 1), sleep(250, 2)], { progress: { desc: 'gone', leave: false, stream: term } });
    expect(term.screen()).toEqual([]);
    expect(term.raw).toMatch(/gone:  50%/); // it was on screen
  });

  test('a progress callback next to a bar gets every report; if it throws, the bar ends red', async () => {
    const term = new FakeTerminal();
    const reports = [];
    await gather([sleep(1, 1), sleep(5, 2)], { progress: { desc: 'cb', stream: term, callback: (r) => reports.push(r) } });
    expect(reports[reports.length - 1]).toMatchObject({ completed: 2, total: 2, final: true });
    await expect(gather([sleep(1, 1), sleep(50, 2)], {
      progress: { desc: 'bad', stream: term, callback: () => { throw new Error('cb failed'); } },
    })).rejects.toThrow('cb failed');
    expect(term.screen()[1]).toMatch(/^bad: /);
    expect(term.colors(1)).toEqual([RED]);
  });
});

describe('no over-count', () => {
  test('miniters > 1: the bar shows the core\'s counts, never more than are done', async () => {
    const term = new FakeTerminal();
    const ds = Array.from({ length: 10 }, () => deferred());
    const reports = [];
    const g = gather(ds.map((d) => d.promise), { progress: { desc: 'mi', miniters: 3, stream: term, mininterval: 0, callback: (r) => reports.push({ ...r }) } });
    let done = 0;
    for (const d of ds) {
      d.resolve(done);
      done++;
      await sleep(15); // several redraws between completions
      for (const [n, total] of drawnCounts(term, 'mi')) {
        expect(total).toBe(10);
        expect(n).toBeLessThanOrEqual(done);
      }
    }
    await g;
    const counts = drawnCounts(term, 'mi').map(([n]) => n);
    expect(Math.max(...counts)).toBe(10);
    // Only counts the core reported (every >= 3 completions, then the final
    // one), and the start line's 0 (drawn before any report).
    const reported = new Set(reports.map((r) => r.completed));
    for (const n of counts) expect(n === 0 || reported.has(n)).toBe(true);
    expect(reports.filter((r) => !r.final).every((r, i, a) => i === 0 || r.completed - a[i - 1].completed >= 3)).toBe(true);
    expect(term.screen()).toEqual([expect.stringMatching(/^mi: 100%.*\| 10\/10 /)]);
  });

  test('a total option smaller than the futures: the bar stops at it', async () => {
    const term = new FakeTerminal();
    await gather([1, 2, 3, 4, 5], { progress: { desc: 't', total: 3, stream: term } });
    expect(term.screen()[0]).toMatch(/^t: 100%.*\| 3\/3 /);
  });
});

describe('several bars at once', () => {
  test('concurrent gathers share one block: each keeps its own line and end state', async () => {
    const term = new FakeTerminal({ columns: 70 });
    const a = gather(Array.from({ length: 6 }, (_, i) => sleep(20 * i, i)), { progress: { desc: 'alpha', stream: term, mininterval: 10 } });
    const b = gather(Array.from({ length: 8 }, (_, i) => sleep(25 * i, i)), { progress: { desc: 'beta', stream: term, mininterval: 10 } });
    const c = gather([sleep(10, 1), fail(60, 'x')], { progress: { desc: 'gamma', stream: term } }).catch(() => 'failed');
    let mid = null;
    setTimeout(() => { mid = term.screen().slice(); }, 90);
    expect(await Promise.all([a, b, c])).toEqual([[0, 1, 2, 3, 4, 5], [0, 1, 2, 3, 4, 5, 6, 7], 'failed']);
    // Mid-way: three lines, one per bar, none garbled into another.
    expect(mid).toHaveLength(3);
    expect(mid[0]).toMatch(/^alpha: +\d+%\|[^|]*\| \d\/6 \[[^\]]*\]$/);
    expect(mid[1]).toMatch(/^beta: +\d+%\|[^|]*\| \d\/8 \[[^\]]*\]$/);
    expect(mid[2]).toMatch(/^gamma: +\d+%\|[^|]*\| \d\/2 \[[^\]]*\]$/);
    const screen = term.screen();
    expect(screen).toEqual([
      expect.stringMatching(/^alpha: 100%\|█+\| 6\/6 \[[^\]]*\]$/),
      expect.stringMatching(/^beta: 100%\|█+\| 8\/8 \[[^\]]*\]$/),
      expect.stringMatching(/^gamma: 100%\|█+\| 2\/2 \[.*1 failed\]$/),
    ]);
    expect([term.colors(0), term.colors(1), term.colors(2)]).toEqual([[GREEN], [GREEN], [RED]]);
  });

  test('a bar that ends with leave: false while others run: the others move up, intact', async () => {
    const term = new FakeTerminal();
    // A bar appears with its wait's first report (the first completion).
    // All three are painted (every 100 ms) before `short` ends, and `third`
    // gets no report between its paint and that end: its unchanged line
    // must still be repainted one line up.
    const a = gather([sleep(1, 0), sleep(600, 1)], { progress: { desc: 'first', stream: term } });
    const b = gather([sleep(1, 1), sleep(250, 2)], { progress: { desc: 'short', stream: term, leave: false } });
    const c = gather([sleep(1, 1), sleep(500, 2)], { progress: { desc: 'third', stream: term } });
    await b;
    await sleep(20);
    expect(term.screen()).toEqual([expect.stringMatching(/^first:  50%/), expect.stringMatching(/^third:  50%/)]);
    await Promise.all([a, c]);
    expect(term.screen()).toEqual([expect.stringMatching(/^first: 100%/), expect.stringMatching(/^third: 100%/)]);
  });

  test('a bar after a finished block starts a new block below it', async () => {
    const term = new FakeTerminal();
    await gather([1], { progress: { desc: 'one', stream: term } });
    await gather([1, 2], { progress: { desc: 'two', stream: term } });
    expect(term.screen()).toEqual([expect.stringMatching(/^one: 100%/), expect.stringMatching(/^two: 100%/)]);
  });

  test('a ProgressBar fed by hand (e.g. task progress) shares the block with a gather\'s bar', async () => {
    const term = new FakeTerminal();
    const sub = new ProgressBar({ desc: 'rows', unit: 'row', total: 4, stream: term });
    const g = gather([sleep(30, 1), sleep(60, 2)], { progress: { desc: 'tasks', stream: term } });
    const t0 = Date.now();
    for (let i = 1; i <= 4; i++) {
      await sleep(10);
      sub.update({ completed: i, failed: 0, total: 4, elapsedMs: Date.now() - t0 });
    }
    sub.close();
    await g;
    // The gather's bar is shown when its wait starts; the hand-fed one at its first update, below it.
    expect(term.screen()).toEqual([expect.stringMatching(/^tasks: 100%.*\| 2\/2 /), expect.stringMatching(/^rows: 100%.*\| 4\/4 .*row\/s\]$/)]);
    expect(term.colors(0)).toEqual([GREEN]);
  });
});

describe('not a terminal', () => {
  test('progress: true and bar options draw nothing', async () => {
    const pipe = new FakeTerminal({ isTTY: false });
    await gather([sleep(1, 1), 2], { progress: { desc: 'quiet', stream: pipe } });
    await wait([sleep(1, 1)], { progress: { stream: pipe } });
    const never = new Promise(() => {});
    await expect(gather([never], { timeout: 5, progress: { stream: pipe } })).rejects.toThrow();
    expect(pipe.writes).toBe(0);
  });

  test('plain: true prints sparse whole lines: start, at most one per mininterval, the end state', async () => {
    const pipe = new FakeTerminal({ isTTY: false });
    await gather(Array.from({ length: 20 }, (_, i) => sleep(i * 5, i)), { progress: { desc: 'p', plain: true, stream: pipe } });
    expect(pipe.raw).not.toMatch(/\x1b/);
    const lines = pipe.raw.split('\n').filter(Boolean);
    // ~100 ms of work: the first line, the end (a third only if a loaded machine stretched it past 1 s).
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.length).toBeLessThanOrEqual(3);
    expect(lines[0]).toMatch(/^p: +\d+% \d+\/20 \[/);
    expect(lines[lines.length - 1]).toMatch(/^p: 100% 20\/20 \[.*\] done$/);

    const pipe2 = new FakeTerminal({ isTTY: false });
    await gather(Array.from({ length: 6 }, (_, i) => sleep(i * 30, i)), { progress: { desc: 'q', plain: true, mininterval: 40, stream: pipe2 } });
    const lines2 = pipe2.raw.split('\n').filter(Boolean);
    expect(lines2.length).toBeGreaterThan(2);
    expect(lines2.length).toBeLessThan(7);
    expect(lines2[lines2.length - 1]).toMatch(/^q: 100% 6\/6 .* done$/);
  });

  test('plain lines spell out failed and stopped', async () => {
    const pipe = new FakeTerminal({ isTTY: false });
    await gather([1, Promise.reject(new Error('x'))], { returnExceptions: true, progress: { desc: 'f', plain: true, stream: pipe } });
    await expect(gather([1, new Promise(() => {})], { timeout: 5, progress: { desc: 's', plain: true, stream: pipe } })).rejects.toThrow();
    const lines = pipe.raw.split('\n').filter(Boolean);
    expect(lines.filter((l) => l.startsWith('f:')).pop()).toMatch(/ 2\/2 .*1 failed\] failed$/);
    expect(lines.filter((l) => l.startsWith('s:')).pop()).toMatch(/ 1\/2 .* stopped$/);
  });
});

describe('options and process lifetime', () => {
  test('mininterval and plain are validated', () => {
    expect(() => gather([1], { progress: { mininterval: -1 } })).toThrow(RangeError);
    expect(() => gather([1], { progress: { mininterval: '5' } })).toThrow(/progress\.mininterval/);
    expect(() => wait([1], { progress: { plain: 'yes' } })).toThrow(/progress\.plain/);
  });

  test('a bar whose wait is collected without a final report (an iterator dropped) ends grey, and its block with it', () => {
    const idx = fileURLToPath(new URL('../bindings/index.js', import.meta.url));
    const fake = fileURLToPath(new URL('./progress-terminal.js', import.meta.url));
    const src = `
      import { gather } from ${JSON.stringify(idx)};
      import { FakeTerminal } from ${JSON.stringify(fake)};
      const term = new FakeTerminal();
      const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
      (() => {
        const it = gather([1, new Promise(() => {})], { iter: true, progress: { desc: 'orphan', stream: term } });
        it.next();
      })();
      await sleep(50);
      for (let i = 0; i < 10; i++) { globalThis.gc(); await sleep(20); }
      await gather([1], { progress: { desc: 'next', stream: term } });
      process.stdout.write(JSON.stringify({ screen: term.screen(), colors: term.colors(0), row: term.row }));
    `;
    const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', src], { encoding: 'utf8', timeout: 20000 });
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.screen).toEqual([expect.stringMatching(/^orphan:  50%.* 1\/2 /), expect.stringMatching(/^next: 100%/)]);
    expect(out.colors).toEqual([GREY]);
    expect(out.row).toBe(2); // both blocks ended: the cursor is below them
  });

  test('a live bar does not keep the process alive', () => {
    const idx = fileURLToPath(new URL('../bindings/index.js', import.meta.url));
    const src = `
      import { gather } from ${JSON.stringify(idx)};
      const stream = { isTTY: true, columns: 80, write() { return true; } };
      gather([new Promise(() => {})], { progress: { stream } });
      setTimeout(() => {}, 50);
    `;
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', src], { encoding: 'utf8', timeout: 20000 });
    expect(r.status).toBe(0);
    expect(Date.now() - t0).toBeLessThan(15000);
  });
});
