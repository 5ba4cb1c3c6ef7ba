// A progress value that cannot cross to the caller (thread, process) is
// refused at the task's progress() call with a DataCloneError naming its path;
// before, the caller's onProgress got `undefined` and nobody was told.
import { createWorker } from '../bindings/index.js';

const target = new URL('./fixtures/workers/progress-values.mjs', import.meta.url).href;

describe.each(['thread', 'process'])('%s mode', (mode) => {
  let w;
  beforeAll(async () => { w = await createWorker(target, { mode, maxWorkers: 1 }); });
  afterAll(async () => { await w.stop(); });

  test('progress() throws a DataCloneError naming the path; good reports still arrive', async () => {
    const seen = [];
    const r = await w.callWith({ onProgress: (v) => seen.push(v) }, 'reportsFunction', 7).result();
    expect(r).toBe("DataCloneError: Cannot send a progress value of 'reportsFunction': value.render: function cannot be cloned @ value.render");
    expect(seen).toEqual([7]);
  });

  test('uncaught, it fails the call with that error', async () => {
    const seen = [];
    const e = await w.callWith({ onProgress: (v) => seen.push(v) }, 'reportsBareFunction').exception();
    expect(e.name).toBe('DataCloneError');
    expect(e.message).toMatch(/progress value of 'reportsBareFunction'/);
    expect(seen).toEqual([]);
  });

  test('a cyclic or much-shared value crosses (no hang); a class instance holding a function and a WeakMap are refused at progress()', async () => {
    const seen = [];
    const r = await w.callWith({ onProgress: (v) => seen.push(v) }, 'reportsTricky').result({ timeout: 10000 });
    expect(r).toEqual(['ok', 'ok', 'DataCloneError @ value.w.onClick', 'DataCloneError @ value.m']);
    expect(seen).toHaveLength(2);
    expect(seen[0].self).toBe(seen[0]);
  });
});
