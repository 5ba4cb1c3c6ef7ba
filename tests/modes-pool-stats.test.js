// stats() of the thread and process pools: running and queued are counted
// from the same total as mode 'c' counts them (of the accepted calls not
// done, as many as there are workers run, the rest wait), so running +
// queued is every accepted call not done, at every moment: also right after
// the calls, before the pool hands them over in a microtask.
import { make, closeAll } from './modes-pool-helpers.js';

afterEach(closeAll);

describe.each(['thread', 'process'])('%s pool', (mode) => {
  test('running + queued = accepted calls not done, before and after the hand-off', async () => {
    const w = await make(mode, { maxWorkers: 2 });
    await w.whenIdle();
    const calls = Array.from({ length: 5 }, (_, i) => w.sleep(150, i));
    const check = (what) => {
      const s = w.stats();
      expect([what, s.running, s.queued]).toEqual([what, 2, 3]);
      expect(s.idle + s.running).toBeLessThanOrEqual(s.workers);
    };
    check('at the call');
    await null;
    check('a microtask later');
    await new Promise((r) => setTimeout(r, 30));
    check('handed');
    await Promise.all(calls);
    await w.whenIdle();
    const s = w.stats();
    expect([s.running, s.queued, s.completed]).toEqual([0, 0, 5]);
  });

  test('one call on a pool of two: running 1, queued 0 at once', async () => {
    const w = await make(mode, { maxWorkers: 2 });
    const f = w.sleep(50, 'x');
    expect([w.stats().running, w.stats().queued]).toEqual([1, 0]);
    expect(await f).toBe('x');
  });
});
