/*
 * A progress bar is on screen when its wait starts (0 of the total), not
 * only at the core's first report (Waiter.start's hook, progress.js `start`):
 * on a terminal, as plain lines, for wait(), gather() and the iterator. A
 * progress callback still gets the core's reports alone.
 */
import { wait, gather } from '../bindings/index.js';
import { FakeTerminal } from './progress-terminal.js';
import { deferred } from './helpers.js';

const nextMacrotask = () => new Promise((r) => setImmediate(r));

describe('a bar at 0 of its total as soon as the wait starts', () => {
  test('gather on a terminal, then its first report at once, then the end', async () => {
    const term = new FakeTerminal();
    const ds = [deferred(), deferred(), deferred()];
    const g = gather(ds.map((d) => d.promise), { progress: { desc: 'go', stream: term, mininterval: 5000 } });
    await nextMacrotask();
    expect(term.screen()).toEqual([expect.stringMatching(/^go: +0%\|.*\| 0\/3 /)]);
    ds[0].resolve(1);
    await nextMacrotask();
    // The first report after the start line is painted at once, not at the next redraw (5 s).
    expect(term.screen()).toEqual([expect.stringMatching(/^go: +33%\|.*\| 1\/3 /)]);
    ds[1].resolve(2);
    ds[2].resolve(3);
    await g;
    expect(term.screen()).toEqual([expect.stringMatching(/^go: 100%\|.*\| 3\/3 /)]);
  });

  test('wait and the iterator too', async () => {
    const term = new FakeTerminal();
    const d = deferred();
    const w = wait([d.promise, 1], { progress: { desc: 'w', stream: term } });
    const e = deferred();
    const it = gather([e.promise], { iter: true, progress: { desc: 'i', stream: term } });
    const first = it.next();
    await nextMacrotask();
    const screen = term.screen();
    // wait: the value was done at the call, so the core's first check reported 1/2 already.
    expect(screen).toEqual([expect.stringMatching(/^w: +50%\|.*\| 1\/2 /), expect.stringMatching(/^i: +0%\|.*\| 0\/1 /)]);
    d.resolve(0);
    e.resolve(0);
    await w;
    expect((await first).value).toEqual([0, 0]);
    expect((await it.next()).done).toBe(true);
  });

  test('plain lines: the start line comes at once', async () => {
    const pipe = new FakeTerminal({ isTTY: false });
    const ac = new AbortController();
    const g = gather([deferred().promise, deferred().promise], { signal: ac.signal, progress: { desc: 'p', plain: true, stream: pipe } });
    await nextMacrotask();
    expect(pipe.raw.split('\n').filter(Boolean)).toEqual([expect.stringMatching(/^p: +0% 0\/2 \[/)]);
    ac.abort();
    await expect(g).rejects.toThrow();
  });

  test('a progress callback is not called at the start (the core sets the cadence)', async () => {
    const term = new FakeTerminal();
    const reports = [];
    const d = deferred();
    const g = gather([d.promise], { progress: { desc: 'cb', stream: term, callback: (r) => reports.push(r.completed) } });
    await nextMacrotask();
    expect(term.screen()).toEqual([expect.stringMatching(/^cb: +0%.* 0\/1 /)]);
    expect(reports).toEqual([]);
    const plain = [];
    const h = gather([deferred().promise], { timeout: 1, progress: (r) => plain.push(r.completed) });
    await expect(h).rejects.toThrow(/timed out/);
    expect(plain).toEqual([0]); // the final report only
    d.resolve(1);
    await g;
    expect(reports).toEqual([1, 1]); // the completion's report, then the final one
  });

  test('a stream that throws when the bar starts ends the wait with that error', async () => {
    const boom = new Error('stream broke');
    const bad = new FakeTerminal({ isTTY: false });
    bad.write = () => { throw boom; };
    const d = deferred();
    await expect(gather([d.promise], { progress: { desc: 'x', plain: true, stream: bad } })).rejects.toBe(boom);
  });
});
