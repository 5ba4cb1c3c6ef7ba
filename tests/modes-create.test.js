// createWorker(): eager validation, the Proxy handle (never thenable),
// callWith's options, stop semantics, targets (module path/URL, export
// default, object of functions) and missing methods. Runs on the modes that
// need no other thread (sync, asyncio); the pool modes test their backends.
import { pathToFileURL, fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import {
  createWorker, InvalidStateError, BaseFuture, SyncFuture,
} from '../bindings/index.js';
import { FIXTURE } from './mode-matrix.js';

const fixture = (name) => new URL(`./fixtures/workers/${name}`, import.meta.url);

describe('createWorker() validates eagerly', () => {
  test('an unknown mode rejects naming it', async () => {
    await expect(createWorker(FIXTURE, { mode: 'fiber' })).rejects.toThrow(RangeError);
    await expect(createWorker(FIXTURE, { mode: 'fiber' })).rejects.toThrow(/unknown mode the string "fiber"; expected one of 'sync'/);
    await expect(createWorker(FIXTURE, { mode: 3 })).rejects.toThrow(TypeError);
  });

  test('mode is case-insensitive and defaults to sync', async () => {
    const w = await createWorker(FIXTURE, { mode: 'ASYNCIO' });
    expect(w.mode).toBe('asyncio');
    expect((await createWorker(FIXTURE)).mode).toBe('sync');
  });

  test('maxWorkers must be an integer >= 1 (before any worker starts)', async () => {
    for (const [bad, E] of [[0, RangeError], [1.5, RangeError], [-1, RangeError], [NaN, RangeError], ['2', TypeError], [null, TypeError]]) {
      const p = createWorker(FIXTURE, { mode: 'thread', maxWorkers: bad });
      await expect(p).rejects.toThrow(E);
      await expect(p).rejects.toThrow(/option 'maxWorkers' must be an integer >= 1/);
    }
    await expect(createWorker(FIXTURE, { mode: 'sync', maxWorkers: 2 })).rejects.toThrow(/mode 'sync' runs on the caller's thread, so option 'maxWorkers' can only be 1/);
    expect((await createWorker(FIXTURE, { mode: 'sync', maxWorkers: 1 })).mode).toBe('sync');
  });

  test('unknown option keys and options of other modes are TypeErrors naming them', async () => {
    await expect(createWorker(FIXTURE, { mode: 'sync', maxWorker: 2 })).rejects.toThrow(/unknown option 'maxWorker'; expected one of: mode, maxWorkers/);
    await expect(createWorker(FIXTURE, { [Symbol('x')]: 1 })).rejects.toThrow(TypeError);
    await expect(createWorker(FIXTURE, { mode: 'asyncio', balance: 'least-busy' })).rejects.toThrow(/option 'balance' applies to modes 'thread', 'process', 'c', not to mode 'asyncio'/);
    await expect(createWorker(FIXTURE, { mode: 'process', resourceLimits: {} })).rejects.toThrow(/option 'resourceLimits' applies to mode 'thread', not to mode 'process'/);
    await expect(createWorker(FIXTURE, { mode: 'sync', redis: 'redis://x' })).rejects.toThrow(/option 'redis' applies to mode 'remote'/);
    await expect(createWorker(FIXTURE, 'sync')).rejects.toThrow(/'options' must be a plain object/);
  });

  test('pool option values are checked, naming the option', async () => {
    const cases = [
      [{ balance: 'random' }, RangeError, /'balance' must be 'round-robin' or 'least-busy'/],
      [{ maxQueued: -1 }, RangeError, /'maxQueued' must be an integer >= 0/],
      [{ idleTimeout: -5 }, RangeError, /'idleTimeout'/],
      [{ maxTasksPerWorker: 0 }, RangeError, /'maxTasksPerWorker'/],
      [{ cancelGraceMs: Infinity }, RangeError, /'cancelGraceMs'/],
      [{ retries: 1.5 }, RangeError, /'retries'/],
      [{ unwrapFutures: 'yes' }, TypeError, /'unwrapFutures' must be a boolean/],
      [{ resourceLimits: { maxOldGenerationSizeMb: -1 } }, RangeError, /'resourceLimits.maxOldGenerationSizeMb'/],
      [{ resourceLimits: { heap: 1 } }, TypeError, /unknown option 'resourceLimits.heap'/],
    ];
    for (const [o, E, re] of cases) {
      const p = createWorker(FIXTURE, { mode: 'thread', ...o });
      await expect(p).rejects.toThrow(E);
      await expect(p).rejects.toThrow(re);
    }
  });

  test('a module that cannot be loaded rejects at createWorker, naming it', async () => {
    const missing = fixture('no-such-module.mjs');
    await expect(createWorker(missing, { mode: 'sync' })).rejects.toThrow(/cannot load the module 'file:.*no-such-module\.mjs'/);
    const p = createWorker(fixture('throws-at-load.mjs'), { mode: 'asyncio' });
    await expect(p).rejects.toThrow(/cannot load the module 'file:.*throws-at-load\.mjs': this module fails at load/);
    await expect(p.catch((e) => e.cause.message)).resolves.toBe('this module fails at load');
  });

  test('targets: an object needs a local mode; other values are refused', async () => {
    await expect(createWorker({ f() {} }, { mode: 'thread' })).rejects.toThrow(/mode 'thread' needs a module URL or path/);
    await expect(createWorker(42, { mode: 'sync' })).rejects.toThrow(/'target' must be a module URL or path, or an object of functions; got number 42/);
    await expect(createWorker('', { mode: 'sync' })).rejects.toThrow(/empty string/);
  });

  test("mode 'remote' needs a redis URL (checked before connecting)", async () => {
    await expect(createWorker(FIXTURE, { mode: 'remote' })).rejects.toThrow(/mode 'remote' needs option 'redis', a URL/);
  });
});

describe('targets', () => {
  test('a path (relative to the current directory), a file URL string and a URL object all load', async () => {
    const rel = 'tests/fixtures/workers/basic.mjs';
    for (const t of [`./${rel}`, pathToFileURL(rel).href, FIXTURE]) {
      const w = await createWorker(t, { mode: 'sync' });
      expect(w.add(2, 3).resultNow()).toBe(5);
    }
  });

  test('an `export default` object works, its functions called on it; named exports too', async () => {
    for (const mode of ['sync', 'asyncio']) {
      const w = await createWorker(fixture('default-export.mjs'), { mode });
      await expect(w.plus(1).result()).resolves.toBe(11);
      await expect(w.twice(4).result()).resolves.toBe(8);
      await expect(w.named().result()).resolves.toBe('named');
    }
  });

  test('a missing method fails that future with an error naming the method and the module', async () => {
    for (const mode of ['sync', 'asyncio']) {
      const w = await createWorker(FIXTURE, { mode });
      const e = await w.nope(1).exception();
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toMatch(/^The module 'file:.*basic\.mjs' has no function 'nope'$/);
      const e2 = await w.call('notAFunction').exception();
      expect(e2.message).toMatch(/has no function 'notAFunction' \('notAFunction' is number 42\)/);
      // The other calls are unharmed.
      await expect(w.add(1, 1).result()).resolves.toBe(2);
    }
  });

  test('an object target: own and class methods, called on the object; Object.prototype is not a task', async () => {
    class Calc {
      constructor() { this.k = 3; }
      times(x) { return this.k * x; }
    }
    const w = await createWorker(new Calc(), { mode: 'sync' });
    expect(w.times(2).resultNow()).toBe(6);
    const e = w.call('toString').exceptionNow();
    expect(e.message).toBe("The target object has no function 'toString'");
    expect(w.hasOwnProperty).toBe(Object.prototype.hasOwnProperty); // the handle's own, not a call
  });
});

describe('the handle', () => {
  test('is not thenable: await gives the handle, then is never forwarded', async () => {
    const w = await createWorker(FIXTURE, { mode: 'sync' });
    expect(w.then).toBeUndefined();
    expect(await Promise.resolve(w)).toBe(w);
    expect(w.toJSON).toBeUndefined();
    expect(Object.prototype.toString.call(w)).toBe('[object Worker]');
  });

  test('w.method(...) is call(method, ...): a BaseFuture; the method functions are stable', async () => {
    const w = await createWorker(FIXTURE, { mode: 'sync' });
    const f = w.add(1, 2);
    expect(f).toBeInstanceOf(BaseFuture);
    expect(f).toBeInstanceOf(SyncFuture);
    expect(w.call('add', 1, 2).resultNow()).toBe(3);
    expect(w.add).toBe(w.add);
    expect(w.add.name).toBe('add');
    const { add } = w;
    expect(add(4, 5).resultNow()).toBe(9); // detached from the handle
  });

  test('call() and callWith() name a bad method argument', async () => {
    const w = await createWorker(FIXTURE, { mode: 'sync' });
    expect(() => w.call(5)).toThrow(/call\(\): 'method' must be a non-empty string/);
    expect(() => w.call('')).toThrow(TypeError);
    expect(() => w.callWith({}, null)).toThrow(/callWith\(\): 'method' must be a non-empty string naming a function/);
  });

  test("callWith()'s options are validated, each naming the option", async () => {
    const w = await createWorker(FIXTURE, { mode: 'asyncio' });
    const bad = [
      [null, TypeError, /'options' \(the first argument\) must be a plain object/],
      ['add', TypeError, /'options' \(the first argument\) must be a plain object/],
      [{ timout: 5 }, TypeError, /unknown option 'timout'; expected one of: signal, timeout, transfer, onProgress, retries/],
      [{ timeout: -1 }, RangeError, /option 'timeout'/],
      [{ timeout: '5' }, TypeError, /option 'timeout'/],
      [{ signal: 5 }, TypeError, /option 'signal' must be an AbortSignal/],
      [{ transfer: 'x' }, TypeError, /option 'transfer' must be an array/],
      [{ transfer: [new Uint8Array(2)] }, TypeError, /'transfer\[0\]' is a Uint8Array, a view/],
      [{ transfer: [7] }, TypeError, /'transfer\[0\]' must be an ArrayBuffer/],
      [{ onProgress: 'log' }, TypeError, /option 'onProgress' must be a function/],
      [{ retries: -1 }, RangeError, /option 'retries' must be an integer >= 0/],
    ];
    for (const [o, E, re] of bad) {
      expect(() => w.callWith(o, 'add', 1, 2)).toThrow(E);
      expect(() => w.callWith(o, 'add', 1, 2)).toThrow(re);
    }
    const ok = w.callWith({ timeout: null, signal: null, transfer: [], onProgress: undefined, retries: 2 }, 'add', 1, 2);
    await expect(ok.result()).resolves.toBe(3);
    expect(w.stats().queued + w.stats().running).toBe(0); // bad calls left nothing behind
  });

  test('stats() has the seven counters', async () => {
    const w = await createWorker(FIXTURE, { mode: 'sync' });
    w.add(1, 2);
    w.fail('x');
    expect(w.stats()).toEqual({ workers: 1, idle: 1, running: 0, queued: 0, completed: 1, failed: 1, crashed: 0 });
  });
});

test('in plain Node, the handle has Symbol.asyncDispose', () => {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', `
    import { createWorker } from './bindings/index.js';
    const w = await createWorker({ f: () => 1 }, { mode: 'sync' });
    await w[Symbol.asyncDispose]();
    try { w.f(); } catch (e) { console.log(typeof Symbol.asyncDispose, e.name); }
  `], { cwd: root, encoding: 'utf8' });
  expect(out.trim()).toBe('symbol InvalidStateError');
});

describe('stop()', () => {
  test('call(), callWith() and proxied calls after stop() throw InvalidStateError synchronously', async () => {
    for (const mode of ['sync', 'asyncio']) {
      const w = await createWorker(FIXTURE, { mode });
      const p = w.stop();
      expect(() => w.add(1, 2)).toThrow(InvalidStateError);
      expect(() => w.call('add', 1, 2)).toThrow(/call\('add'\): the worker is stopped/);
      expect(() => w.callWith({}, 'add', 1, 2)).toThrow(/callWith\('add'\): the worker is stopped/);
      await p;
      expect(w.stop()).toBe(w.stop()); // later stops return the same promise
      await w.stop();
      expect(w.stats().workers).toBe(0);
    }
  });

  test('stop() options are validated', async () => {
    const w = await createWorker(FIXTURE, { mode: 'sync' });
    expect(() => w.stop({ force: 'yes' })).toThrow(/option 'force' must be a boolean/);
    expect(() => w.stop({ forced: true })).toThrow(/unknown option 'forced'/);
    expect(() => w.stop(true)).toThrow(/stop\(\): 'options' must be a plain object/);
    expect(() => w.add(1, 1)).not.toThrow(); // a refused stop() did not stop it
  });

  test('[Symbol.asyncDispose] is stop()', async () => {
    // Jest's realm has no Symbol.asyncDispose: the handle then uses the registered one polyfills use.
    const kDispose = Symbol.asyncDispose || Symbol.for('Symbol.asyncDispose');
    const w = await createWorker(FIXTURE, { mode: 'asyncio' });
    const f = w.sleepThen(5, 'v');
    await w[kDispose]();
    expect(f.done()).toBe(true); // drained
    expect(f.resultNow()).toBe('v');
    expect(() => w.add(1, 2)).toThrow(InvalidStateError);
  });
});
