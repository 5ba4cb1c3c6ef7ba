// wait() and gather() over exactly one native promise with no options
// (bindings/one-promise.js): one reaction with handlers shared by every call,
// the core deciding once the promise settled. Pinned against the general
// path (the same call with an options object) and by the heap a pending call
// holds (issue 6: N concurrent single waits).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { wait, gather, wrapFuture, PromiseFuture } from '../bindings/index.js';
import { activeCount } from '../bindings/waitset.js';
import { deferred } from './helpers.js';

const nextMacrotask = () => new Promise((r) => setImmediate(r));

/** What a settled gather gave: ['ok', value] or ['err', reason]. */
const outcome = (p) => p.then((v) => ['ok', v], (e) => ['err', e]);

/** A wait's result, described: per future in done, its class, state and outcome. */
function describeWait(r) {
  const d = (f) => [f.constructor.name, f.done(), f.cancelled(), f.exceptionNow() === null ? ['ok', f.resultNow()] : ['err', f.exceptionNow()]];
  return { done: [...r.done].map(d), notDone: [...r.notDone].map(d), keys: Object.keys(r) };
}

describe('gather over one promise, no options', () => {
  const err = new Error('boom');
  const cases = [
    ['fulfilled', () => Promise.resolve(5)],
    ['fulfilled with undefined', () => Promise.resolve(undefined)],
    ['fulfilled with an object', () => Promise.resolve({ a: [1] })],
    ['rejected', () => Promise.reject(err)],
    ['rejected with undefined', () => Promise.reject(undefined)],
  ];

  test.each(cases)('%s: the same outcome as the general path', async (_, make) => {
    const forms = [(p) => gather([p]), (p) => gather(p), (p) => gather([p], undefined)];
    const general = await outcome(gather([make()], {}));
    for (const form of forms) {
      const got = await outcome(form(make()));
      expect(got).toEqual(general);
      if (got[0] === 'err') expect(got[1]).toBe(general[1]);
    }
  });

  test('a promise that settles later, across macrotasks', async () => {
    const a = deferred();
    const b = deferred();
    const ga = gather([a.promise]);
    const gb = gather(b.promise);
    await nextMacrotask();
    a.resolve('x');
    b.reject(err);
    expect(await ga).toEqual(['x']);
    await expect(gb).rejects.toBe(err);
  });

  test('the input is read at the call: changing the array afterwards changes nothing', async () => {
    const d = deferred();
    const input = [d.promise];
    const g = gather(input);
    input[0] = 'other';
    input.push(Promise.reject(new Error('late')));
    input[1].catch(() => {});
    d.resolve(1);
    expect(await g).toEqual([1]);
  });

  test('a promise whose then() throws: gather rejects, wait throws (as on the general path)', async () => {
    const bad = () => {
      const p = new Promise(() => {});
      p.then = () => { throw new Error('then threw'); };
      return p;
    };
    await expect(gather([bad()])).rejects.toThrow('then threw');
    await expect(gather(bad())).rejects.toThrow('then threw');
    expect(() => wait([bad()])).toThrow('then threw');
    expect(() => wait([bad()], {})).toThrow('then threw');
  });

  test('every call gets its own result array', async () => {
    const p = Promise.resolve(1);
    const [a, b] = await Promise.all([gather([p]), gather([p])]);
    expect(a).not.toBe(b);
    a.push(2);
    expect(b).toEqual([1]);
  });
});

describe('wait over one promise, no options', () => {
  const err = new Error('nope');

  test.each([
    ['fulfilled', () => Promise.resolve(3)],
    ['rejected', () => Promise.reject(err)],
  ])('%s: the same result as the general path', async (_, make) => {
    const general = describeWait(await wait([make()], {}));
    for (const form of [(p) => wait([p]), (p) => wait(p), (p) => wait([p], undefined)]) {
      const r = await form(make());
      expect(r.done).toBeInstanceOf(Set);
      expect(r.notDone).toBeInstanceOf(Set);
      expect(describeWait(r)).toEqual(general);
      expect([...r.done][0]).toBeInstanceOf(PromiseFuture);
    }
  });

  test('a rejected promise is observed: no unhandled rejection, the wait resolves', async () => {
    const d = deferred();
    const w = wait([d.promise]);
    await nextMacrotask();
    d.reject(err);
    const r = await w;
    expect([...r.done][0].exceptionNow()).toBe(err);
    expect(r.notDone.size).toBe(0);
  });

  test('every call gets its own Sets', async () => {
    const p = Promise.resolve(1);
    const [a, b] = await Promise.all([wait([p]), wait([p])]);
    expect(a.done).not.toBe(b.done);
    expect(a.notDone).not.toBe(b.notDone);
    a.notDone.add(1);
    expect(b.notDone.size).toBe(0);
  });

  test('pending single waits hold no Waiter', async () => {
    const ds = Array.from({ length: 50 }, () => deferred());
    const all = Promise.all(ds.flatMap((d) => [wait([d.promise]), gather([d.promise])]));
    await nextMacrotask();
    expect(activeCount()).toBe(0);
    ds.forEach((d, i) => d.resolve(i));
    const rs = await all;
    expect(rs[1]).toEqual([0]);
    expect([...rs[98].done][0].resultNow()).toBe(49);
  });
});

describe('result() of a pending PromiseFuture', () => {
  test('several result() calls and a done-callback on one future are all settled, once', async () => {
    const d = deferred();
    const f = wrapFuture(d.promise);
    const seen = [];
    f.addDoneCallback(() => seen.push('cb'));
    const rs = [f.result(), f.result(), f.exception()];
    f.addDoneCallback(() => seen.push('cb2'));
    d.resolve(9);
    expect(await Promise.all(rs)).toEqual([9, 9, null]);
    expect(seen).toEqual(['cb', 'cb2']);
  });

  test('futures settled in a burst larger than the reused queue, then one by one', async () => {
    const N = 3000; // more than the queue keeps between pushes (1024)
    const ds = Array.from({ length: N }, () => deferred());
    const rs = ds.map((d) => wrapFuture(d.promise).result());
    ds.forEach((d, i) => (i % 7 === 0 ? d.reject(i) : d.resolve(i)));
    const burst = await Promise.all(rs.map(outcome));
    expect(burst.every(([k, v], i) => k === (i % 7 === 0 ? 'err' : 'ok') && v === i)).toBe(true);
    const es = Array.from({ length: 20 }, () => deferred());
    const rs2 = es.map((d) => wrapFuture(d.promise).result());
    for (let i = 0; i < es.length; i++) {
      es[i].resolve(i);
      await nextMacrotask();
    }
    expect(await Promise.all(rs2)).toEqual(es.map((_, i) => i));
  });

  test('a future with a waiting callback completes in the core after those settled before it (completion order)', async () => {
    const da = deferred();
    const db = deferred();
    const a = wrapFuture(da.promise); // nobody waits on a callback: queued for the batch push
    const b = wrapFuture(db.promise);
    const rb = b.result(); // a callback waits: pushed at once when it settles
    const it = gather([a, b], { iter: true });
    const order = [];
    const done = (async () => { for await (const [k] of it) order.push(k); })();
    await nextMacrotask();
    da.resolve('a');
    db.resolve('b');
    await done;
    expect(await rb).toBe('b');
    expect(order).toEqual([0, 1]);
  });

  test('a pending result() rejects with the promise\'s very reason (undefined, a thenable: not adopted)', async () => {
    const reasons = [new Error('r'), undefined, { then(ok) { ok('adopted'); } }];
    for (const reason of reasons) {
      const d = deferred();
      const r = wrapFuture(d.promise).result();
      d.reject(reason);
      const [got] = await r.then(() => ['fulfilled'], (e) => [e]);
      expect(got).toBe(reason);
    }
  });

  test('a cancel while result() is pending rejects it at once', async () => {
    const f = wrapFuture(new Promise(() => {}));
    const r = f.result();
    expect(f.cancel()).toBe(true);
    await expect(r).rejects.toThrow(/cancelled/);
  });
});

describe('heap held per pending single wait (child process, --expose-gc)', () => {
  const script = fileURLToPath(new URL('./fixtures/many-waits-heap.mjs', import.meta.url));
  const bytes = (kind) => {
    const r = spawnSync(process.execPath, ['--expose-gc', script, kind], { encoding: 'utf8', timeout: 60000 });
    expect(r.status).toBe(0);
    return Number(/bytes (-?\d+)/.exec(r.stdout)[1]);
  };

  // A bare p.then(f) holds ~95 B here. Before the one-promise path: wait([p])
  // ~614 B, gather([p]) ~749 B; result() ~610 B before the ResultWaiter,
  // ~506 B while it kept the reject function too (now ~442 B).
  test('wait([p]) and gather([p]) hold about what one reaction holds', () => {
    expect(bytes('wait')).toBeLessThan(300);
    expect(bytes('gather')).toBeLessThan(300);
  }, 60000);

  test('wrapFuture(p).result() holds < 490 B', () => {
    expect(bytes('result')).toBeLessThan(490);
  }, 60000);
});
