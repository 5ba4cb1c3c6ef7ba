// Thread and process pools: workers are recycled (maxTasksPerWorker), exit
// when idle (idleTimeout) and start again on demand; least-busy balancing.
// Every test runs in both modes, through createWorker().
import { gather } from '../bindings/index.js';
import { sleep } from './helpers.js';
import { make, closeAll } from './modes-pool-helpers.js';

afterEach(closeAll);

describe.each(['thread', 'process'])('%s pool', (mode) => {
  test('maxTasksPerWorker recycles workers', async () => {
    const w = await make(mode, { maxWorkers: 1, maxTasksPerWorker: 2 });
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await w.pid());
    expect(new Set(ids).size).toBe(3);
    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).toBe(ids[3]);
    expect(w.stats().crashed).toBe(0);
  });

  test('idleTimeout: idle workers exit; a new one starts on demand', async () => {
    const w = await make(mode, { maxWorkers: 2, idleTimeout: 50 });
    expect(await w.add(1, 1)).toBe(2);
    expect(w.stats().workers).toBeGreaterThanOrEqual(1);
    // Each exits idleTimeout after it became idle (the second once it started).
    const t0 = Date.now();
    while (w.stats().workers > 0 && Date.now() - t0 < 8000) await sleep(20);
    expect(w.stats().workers).toBe(0);
    expect(await w.add(2, 2)).toBe(4);
    expect(w.stats().workers).toBeGreaterThanOrEqual(1);
  });

  test('least-busy balance spreads calls over the workers', async () => {
    const w = await make(mode, { maxWorkers: 2, balance: 'least-busy' });
    await w.whenIdle();
    while (w.stats().idle < 2) await sleep(10);
    const [a, b] = await gather([w.sleepWho(150), w.sleepWho(150)]);
    expect(a).not.toBe(b);
  });
});
