// Findings of a new-user trial (2026-12-06): iterators as list input, null
// options, and a throwing custom polling strategy reported once.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { gather, wait, gatherSync } from '../bindings/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const later = (v, ms) => new Promise((r) => setTimeout(() => r(v), ms));

describe('an iterator is list input, read once at the call (as Promise.all reads it)', () => {
  test('gather(map.values()) and gather(generator) give the values in iteration order', async () => {
    const m = new Map([['a', later(1, 20)], ['b', later(2, 5)]]);
    await expect(gather(m.values())).resolves.toEqual([1, 2]);
    function* gen() { yield later('x', 10); yield 'y'; }
    await expect(gather(gen())).resolves.toEqual(['x', 'y']);
    await expect(gather([10, 20].entries())).resolves.toEqual([[0, 10], [1, 20]]);
  });

  test('wait(iterator) waits for the promises it yields', async () => {
    const ps = [later(1, 30), later(2, 30)];
    const t0 = Date.now();
    const { done, notDone } = await wait(ps.values());
    expect(Date.now() - t0).toBeGreaterThanOrEqual(20);
    expect(done.size).toBe(2);
    expect(notDone.size).toBe(0);
  });

  test('with options, with iter, and in gatherSync', async () => {
    await expect(gather(new Set([later(3, 5)]).values(), { timeout: 1000 })).resolves.toEqual([3]);
    const got = [];
    for await (const [k, v] of gather(['p', 'q'].values(), { iter: true })) got.push([k, v]);
    expect(got.sort()).toEqual([[0, 'p'], [1, 'q']]);
    expect(gatherSync([4, 5].values())).toEqual([4, 5]);
  });

  test('an iterator with further futures is refused as a structure would be', () => {
    expect(() => gather([1].values(), 2)).toThrow(/Cannot provide both a structure/);
  });

  test('a generator that throws midway: its error is thrown, and what it yielded is observed', async () => {
    const rejected = [];
    const onUnhandled = (r) => rejected.push(r);
    process.on('unhandledRejection', onUnhandled);
    try {
      function* gen() {
        yield new Promise((_, rej) => setTimeout(() => rej(new Error('later')), 5));
        throw new RangeError('midway');
      }
      expect(() => gather(gen())).toThrow('midway');
      expect(() => wait(gen())).toThrow('midway');
      await new Promise((r) => setTimeout(r, 50));
      expect(rejected).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  test('an async iterable is refused with a TypeError that says what to do, not gathered as one value', () => {
    async function* agen() { yield 1; }
    expect(() => gather(agen())).toThrow(/gather\(\): an async iterable .* cannot be read at the call; collect it first/);
    expect(() => wait(agen(), { timeout: 5 })).toThrow(/wait\(\): an async iterable/);
  });

  test('with recurse, a nested iterator is a value (only the top level is read)', async () => {
    function* gen() { yield 1; }
    const g = gen();
    const r = await gather({ a: g, b: later(2, 1) }, { recurse: true });
    expect(r.a).toBe(g);
    expect(r.b).toBe(2);
  });

  test('a plain iterable that is not an iterator (a typed array) stays a single value', async () => {
    const u = new Uint8Array([1, 2]);
    const [v] = await gather(u);
    expect(v).toBe(u);
  });
});

test('null as the options after a structure says what options must be', () => {
  expect(() => gather([Promise.resolve(1)], null)).toThrow(/gather\(\): options must be a plain object or undefined; got null/);
  expect(() => wait([1], null)).toThrow(/wait\(\): options must be a plain object or undefined; got null/);
});

test('a custom polling strategy that throws is reported once, and the wait goes on', () => {
  const script = `
    import { PollingStrategy, ProbeFuture, gather } from './bindings/index.js';
    class Bad extends PollingStrategy { nextInterval() { throw new Error('strategy threw'); } recordCompletion() {} recordNoCompletion() {} reset() {} }
    let n = 0;
    const r = await gather([new ProbeFuture(() => (++n > 5 ? { value: n } : null))], { polling: new Bad(), timeout: 5000 });
    console.log('result', JSON.stringify(r));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 30000 });
  expect(r.status).toBe(0);
  expect(r.stdout).toContain('result [6]');
  expect(r.stderr.match(/exception in a custom polling strategy/g)).toHaveLength(1);
  expect(r.stderr).toContain('strategy threw');
});
