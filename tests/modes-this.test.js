// `this` inside a task function is the same in every mode: a member of the
// module's `export default` object is called on that object; a named export
// on undefined (as a module's own code would call it). Through call(), the
// method proxy and callWith().
import { MODES, makeWorker, stopWorkers } from './mode-matrix.js';

const TARGET = new URL('./fixtures/workers/this-binding.mjs', import.meta.url);

afterAll(stopWorkers);

describe.each(MODES)('%s mode', (mode) => {
  test('default-export members get the object as this; named exports get undefined', async () => {
    const w = await makeWorker(mode, {}, TARGET);
    const ways = (m) => [w.call(m), w[m](), w.callWith({ timeout: 5000 }, m), w.call(m, Promise.resolve(1))];
    expect(await Promise.all(ways('member'))).toEqual(Array(4).fill('the-default-object'));
    expect(await Promise.all(ways('asyncMember'))).toEqual(Array(4).fill('the-default-object'));
    expect(await Promise.all(ways('named'))).toEqual(Array(4).fill('undefined'));
    expect(await Promise.all(ways('asyncNamed'))).toEqual(Array(4).fill('undefined'));
  });
});
