// A task's return value whose `then` getter throws: the call fails with that
// error, as `await` would, and the worker goes on with the next call (the
// throw escaped the runtime's pump before, and the worker hung).
import { make, rejection, closeAll } from './modes-pool-helpers.js';

afterEach(closeAll);

describe.each(['thread', 'process'])('%s pool', (mode) => {
  test('a result whose then getter throws fails that call; the worker takes the next', async () => {
    const w = await make(mode, { maxWorkers: 1 });
    const bad = w.badThen();
    const next = w.add(2, 3);
    const e = await rejection(bad);
    expect(e.message).toBe('bad then getter');
    await expect(next).resolves.toBe(5);
  });
});
