// gather() hardening (issue 6): timeouts that pass before the first check,
// inputs changed after the call, concurrent next() calls, inputs observed on
// every exit path, completion order of same-tick failures, cleanup that
// throws, trailing undefined options, deadlines of the iterator, deep nesting,
// one door into the core and one abort listener per gather.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { wait, gather, wrapFuture, TimeoutError } from '../bindings/index.js';
import { activeCount } from '../bindings/waitset.js';
import { sleep, deferred } from './helpers.js';

const INDEX = new URL('../bindings/index.js', import.meta.url).href;

/**
 * Runs `code` (an ES module body; `gather`, `wait`, `wrapFuture`, `sleep` in
 * scope) in a fresh Node process: the failures seen here end a process (an
 * uncaught error in a microtask, an unhandled rejection), which Jest's own
 * process must not be the one to show.
 */
function runChild(code, timeoutMs = 20000) {
  const src = `import { gather, wait, wrapFuture, TimeoutError } from ${JSON.stringify(INDEX)};\n` +
    'const sleep = (ms, v) => new Promise((r) => setTimeout(() => r(v), ms));\n' +
    'const failSoon = (ms, e) => new Promise((_, r) => setTimeout(() => r(e), ms));\n' +
    code;
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', src], { encoding: 'utf8', timeout: timeoutMs });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - t0 };
}

function expectClean(r, stdout) {
  if (r.status !== 0) throw new Error(`child exited ${r.status}:\n${r.stderr.slice(0, 2000)}`);
  expect(r.stdout.trim()).toBe(stdout);
}

/** B (index 1) then A (index 0) reject in one timer callback. */
function sameTickRejections() {
  const a = deferred();
  const b = deferred();
  const A = new Error('A');
  const B = new Error('B');
  setTimeout(() => { b.reject(B); a.reject(A); }, 2);
  return [a.promise, b.promise];
}

describe('timeout 0: what is done at the first check', () => {
  test('settled inputs resolve and the process lives on (was: TypeError in GatherRun.groupOk)', () => {
    const r = runChild(`
      console.log(JSON.stringify(await gather([Promise.resolve(1), Promise.resolve(2)], { timeout: 0 })));
      const N = 100000;
      for (const timeout of [0, 0.001, 1]) {
        for (const returnExceptions of [false, true]) {
          const out = await gather(Array.from({ length: N }, (_, i) => Promise.resolve(i)), { timeout, returnExceptions });
          if (out.length !== N || out[N - 1] !== N - 1) throw new Error('wrong result');
        }
      }
      await sleep(30);
      console.log('alive');
    `);
    expectClean(r, '[1,2]\nalive');
  });

  test('pending inputs time out with "0 of 1 completed"; the iterator gives what was done, then times out', async () => {
    await expect(gather([sleep(10)], { timeout: 0 })).rejects.toThrow(/0 of 1 completed/);
    await expect(gather([Promise.resolve(1), sleep(10)], { timeout: 0 })).rejects.toThrow(/1 of 2 completed/);
    await expect(gather([Promise.resolve(1), 2, new Promise((r) => r(3))], { timeout: 0 })).resolves.toEqual([1, 2, 3]);
    await expect(gather([wrapFuture(Promise.resolve(1))], { timeout: 0 })).resolves.toEqual([1]);
    await expect(gather({ a: Promise.resolve(1) }, { timeout: 0, progress: () => {} })).resolves.toEqual({ a: 1 });
    const got = [];
    const it = gather([sleep(10, 'late'), Promise.resolve('now')], { iter: true, timeout: 0 });
    await expect((async () => { for await (const x of it) got.push(x); })()).rejects.toThrow(/1 of 2 completed/);
    expect(got).toEqual([[1, 'now']]);
    const all = [];
    for await (const x of gather([Promise.resolve(1), 2], { iter: true, timeout: 0 })) all.push(x);
    expect(all.length).toBe(2);
  });
});

describe('the input is a snapshot taken at the call', () => {
  test('emptying the array after gather() (was: TypeError in promiseOf/anyFail)', () => {
    const r = runChild(`
      for (const opts of [undefined, { returnExceptions: false, progress: () => {} }]) {
        const q = [failSoon(5, new Error('x')), sleep(40)];
        const g = gather(q, opts);
        q.length = 0;
        try { await g; } catch (e) { console.log(e.message); }
      }
      await sleep(60);
      console.log('alive');
    `);
    expectClean(r, 'x\nx\nalive');
  });

  test('every shape: changes after the call do not show', async () => {
    const arr = [sleep(5, 1), 2];
    const pa = gather(arr);
    arr[0] = 'changed';
    arr.push(3);
    await expect(pa).resolves.toEqual([1, 2]);

    const obj = { a: sleep(5, 1), b: 2 };
    const po = gather(obj);
    obj.a = 'changed';
    delete obj.b;
    obj.c = 3;
    await expect(po).resolves.toEqual({ a: 1, b: 2 });

    const m = new Map([['a', sleep(5, 1)]]);
    const pm = gather(m);
    m.set('a', 'changed').set('b', 2);
    await expect(pm).resolves.toEqual(new Map([['a', 1]]));

    const s = new Set([sleep(5, 1)]);
    const ps = gather(s);
    s.clear();
    await expect(ps).resolves.toEqual([1]);

    const nested = [[sleep(5, 1)], { x: 2 }];
    const pn = gather(nested, { recurse: true });
    nested[0].push('changed');
    nested[1].x = 'changed';
    await expect(pn).resolves.toEqual([[1], { x: 2 }]);

    const ia = [sleep(5, 'a'), 'b'];
    const it = gather(ia, { iter: true });
    ia.length = 0;
    const got = [];
    for await (const x of it) got.push(x);
    expect(got).toEqual([[1, 'b'], [0, 'a']]);
  });
});

describe('concurrent next() calls', () => {
  const later = (v, ms) => sleep(ms, v);
  test.each([
    ['array', () => gather([later('a', 10)], { iter: true }), [0, 'a']],
    ['array, returnExceptions', () => gather([later('a', 10)], { iter: true, returnExceptions: true }), [0, 'a']],
    ['dict', () => gather({ k: later('a', 10) }, { iter: true }), ['k', 'a']],
    ['dict, returnExceptions', () => gather({ k: later('a', 10) }, { iter: true, returnExceptions: true }), ['k', 'a']],
  ])('%s: surplus calls resolve {done: true}', async (_, make, pair) => {
    const it = make();
    const [a, b, c] = [it.next(), it.next(), it.next()];
    await expect(a).resolves.toEqual({ value: pair, done: false });
    await expect(b).resolves.toEqual({ value: undefined, done: true });
    await expect(c).resolves.toEqual({ value: undefined, done: true });
    await expect(it.next()).resolves.toEqual({ value: undefined, done: true });
  });

  test('several pending calls take the pairs in completion order', async () => {
    const it = gather([later('slow', 20), later('fast', 5), 'now'], { iter: true });
    const calls = [it.next(), it.next(), it.next(), it.next()];
    const res = await Promise.all(calls);
    expect(res).toEqual([
      { value: [2, 'now'], done: false },
      { value: [1, 'fast'], done: false },
      { value: [0, 'slow'], done: false },
      { value: undefined, done: true },
    ]);
  });
});

describe('every input is observed, whatever the exit path', () => {
  test('already-aborted signal, abort, timeout, failure, return() and throw(): later rejections stay handled', () => {
    const r = runChild(`
      const aborted = AbortSignal.abort();
      const runs = [
        () => gather([failSoon(10, new Error('late'))], { signal: aborted }),
        () => gather([failSoon(10, new Error('late'))], { signal: aborted, returnExceptions: true }),
        () => gather({ a: failSoon(10, new Error('late')) }, { signal: aborted, iter: true }).next(),
        () => gather([failSoon(10, new Error('late'))], { timeout: 1 }),
        () => gather([failSoon(1, new Error('first')), failSoon(10, new Error('late'))]),
        () => gather([failSoon(1, new Error('first')), failSoon(10, new Error('late'))], { progress: () => {} }),
        () => { const ac = new AbortController(); const p = gather([failSoon(10, new Error('late'))], { signal: ac.signal }); ac.abort(); return p; },
        () => { const ac = new AbortController(); const it = gather([failSoon(10, new Error('late'))], { signal: ac.signal, iter: true }); const n = it.next(); ac.abort(); return n; },
        () => gather([failSoon(10, new Error('late'))], { iter: true }).return(),
        () => gather([failSoon(10, new Error('late'))], { iter: true }).throw(new Error('thrown')),
        () => gather([failSoon(10, new Error('late'))], { iter: true, timeout: 1 }).next(),
      ];
      let settled = 0;
      for (const run of runs) { try { await run(); } catch {} settled++; }
      await sleep(40);
      console.log(settled, 'alive');
    `);
    expectClean(r, '11 alive');
  });
});

describe('completion order decides which failure wins', () => {
  test('two rejections in one tick, B (index 1) first: every form rejects with B, as Promise.all', async () => {
    await expect(Promise.all(sameTickRejections())).rejects.toThrow('B');
    await expect(gather(sameTickRejections())).rejects.toThrow('B');
    await expect(gather(sameTickRejections(), { progress: () => {} })).rejects.toThrow('B');
    await expect(gather(sameTickRejections(), { timeout: 1000 })).rejects.toThrow('B');
    await expect((async () => { for await (const _ of gather(sameTickRejections(), { iter: true })); })()).rejects.toThrow('B');
    const pairs = [];
    for await (const [k, v] of gather(sameTickRejections(), { iter: true, returnExceptions: true })) pairs.push([k, v.message]);
    expect(pairs).toEqual([[1, 'B'], [0, 'A']]);
    // With a non-native thenable among the inputs (the per-leaf path of the group).
    const [A, B] = sameTickRejections();
    await expect(gather([A, B, { then: (r) => setTimeout(r, 50) }])).rejects.toThrow('B');
  });
});

describe('cleanup that throws never leaves the promise pending', () => {
  test('a signal whose removeEventListener throws', async () => {
    const et = new EventTarget();
    const signal = {
      aborted: false,
      reason: undefined,
      addEventListener: (...a) => et.addEventListener(...a),
      removeEventListener: () => { throw new Error('remove failed'); },
    };
    const settledWithin = (p) => Promise.race([p.then(() => 'resolved', (e) => `rejected: ${e.message}`), sleep(500, 'pending')]);
    // As wait() does: the error of the cleanup is the outcome (the caller's signal is broken).
    expect(await settledWithin(gather([sleep(2, 1)], { signal }))).toBe('rejected: remove failed');
    expect(await settledWithin(gather([sleep(2, 1), Promise.reject(new Error('own'))], { signal }))).toBe('rejected: remove failed');
    expect(await settledWithin(gather([sleep(2, 1)], { signal, progress: () => {}, timeout: 1 }))).toBe('rejected: remove failed');
  });
});

describe('one abort listener per gather', () => {
  function countingSignal() {
    const ac = new AbortController();
    const counts = { add: 0, remove: 0 };
    const signal = ac.signal;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = (...a) => { counts.add++; return add(...a); };
    signal.removeEventListener = (...a) => { counts.remove++; return remove(...a); };
    return { ac, signal, counts };
  }

  test('gather and iter add one listener and remove it when done', async () => {
    for (const opts of [{}, { progress: () => {} }, { returnExceptions: true }]) {
      const { signal, counts } = countingSignal();
      await gather([sleep(5, 1), Promise.resolve(2), 3], { ...opts, signal });
      expect(counts).toEqual({ add: 1, remove: 1 });
    }
    const { signal, counts } = countingSignal();
    for await (const _ of gather([sleep(5, 1), 2], { iter: true, signal }));
    expect(counts.add).toBe(1);
    expect(counts.remove).toBe(1);
  });

  test('an abort in the same tick still rejects with the reason, and the final progress report comes first', async () => {
    const { ac, signal } = countingSignal();
    const events = [];
    const p = gather([1, deferred().promise], { signal, progress: (r) => { if (r.final) events.push('final'); } });
    ac.abort();
    await p.catch((e) => events.push(e.name));
    expect(events).toEqual(['final', 'AbortError']);
  });
});

describe('smaller', () => {
  test('a trailing undefined is absent options', async () => {
    await expect(gather([1, Promise.resolve(2)], undefined)).resolves.toEqual([1, 2]);
    await expect(gather({ a: 1 }, undefined)).resolves.toEqual({ a: 1 });
    await expect(gather(1, Promise.resolve(2), undefined)).resolves.toEqual([1, 2]);
    const { done } = await wait([1, 2], undefined);
    expect(done.size).toBe(2);
    await expect(gather(undefined)).resolves.toEqual([undefined]);
  });

  test('the iterator does not give pairs that completed after the deadline', async () => {
    const it = gather([sleep(2, 'a'), sleep(80, 'b')], { iter: true, timeout: 30 });
    await expect(it.next()).resolves.toEqual({ value: [0, 'a'], done: false });
    await sleep(120); // b completed after the deadline
    await expect(it.next()).rejects.toThrow(TimeoutError);
    await expect(it.next()).resolves.toEqual({ value: undefined, done: true });
  });

  test('a dropped iterator with a timeout does not keep the process alive', () => {
    const r = runChild(`
      const never = new Promise(() => {});
      gather([never], { iter: true, timeout: 60000 });
      const it = gather([1, never], { iter: true, timeout: 60000 });
      console.log(JSON.stringify((await it.next()).value));
    `);
    expectClean(r, '[0,1]');
    expect(r.ms).toBeLessThan(10000);
  });

  test.each([
    ['arrays', (x) => [x]],
    ['Sets', (x) => new Set([x])],
    ['objects', (x) => ({ k: x })],
    ['Maps', (x) => new Map([['k', x]])],
  ])('recurse over %s nested 10000 deep (and a cycle that deep is still found)', async (_, wrap) => {
    const D = 10000;
    let x = Promise.resolve('leaf');
    for (let i = 0; i < D; i++) x = wrap(x);
    let out = await gather([x], { recurse: true });
    let depth = 0;
    let y = out[0];
    const unwrap = (v) => (Array.isArray(v) ? v[0] : v instanceof Map ? v.get('k') : v.k);
    while (typeof y !== 'string') { y = unwrap(y); depth++; }
    expect(y).toBe('leaf');
    expect(depth).toBe(D);
    const pairs = [];
    for await (const p of gather({ top: x }, { recurse: true, iter: true })) pairs.push(p[0]);
    expect(pairs).toEqual(['top']);
    const { done } = await wait([x], { recurse: true });
    expect(done.size).toBe(1);
    const inner = wrap(1);
    let outer = inner;
    for (let i = 0; i < D; i++) outer = wrap(outer);
    if (Array.isArray(inner)) inner.push(outer);
    else if (inner instanceof Set) inner.add(outer);
    else if (inner instanceof Map) inner.set('loop', outer);
    else inner.loop = outer;
    expect(() => gather([outer], { recurse: true })).toThrow(/circular/);
  });
});

describe('a dropped iterator', () => {
  test('collected, it takes its abort listener off a signal that lives on', async () => {
    const v8 = await import('node:v8');
    const vm = await import('node:vm');
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc');
    const ac = new AbortController();
    const counts = { add: 0, remove: 0 };
    const add = ac.signal.addEventListener.bind(ac.signal);
    const remove = ac.signal.removeEventListener.bind(ac.signal);
    ac.signal.addEventListener = (...a) => { counts.add++; return add(...a); };
    ac.signal.removeEventListener = (...a) => { counts.remove++; return remove(...a); };
    const never = deferred();
    const dropOne = async () => {
      const it = gather([1, never.promise], { iter: true, signal: ac.signal });
      await it.next(); // take one, then drop the iterator
    };
    for (let i = 0; i < 20; i++) await dropOne();
    for (let i = 0; i < 40 && counts.remove < 20; i++) { gc(); await sleep(10); }
    expect(counts.add).toBe(20);
    expect(counts.remove).toBe(20);
  });
});

describe('one door into the core', () => {
  test('only waitset.js and core.js call the core\'s cy_waitset_* functions', () => {
    const dir = fileURLToPath(new URL('../bindings/', import.meta.url));
    const files = [];
    const walkDir = (d, rel) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walkDir(`${d}${e.name}/`, `${rel}${e.name}/`);
        else if (e.name.endsWith('.js')) files.push(`${rel}${e.name}`);
      }
    };
    walkDir(dir, '');
    const offenders = files.filter((f) => f !== 'waitset.js' && f !== 'core.js' && (f === 'gather.js' || f.startsWith('gather/')) &&
      /cy_(js_)?waitset_/.test(readFileSync(dir + f, 'utf8')));
    expect(offenders).toEqual([]);
  });
});

test('no waits are left behind', async () => {
  await sleep(50);
  expect(activeCount()).toBe(0);
});
