// Bugs a second new-user trial of the worker modes found (issue 7), one test
// (or group) each; the exit-code cases run in a process of their own.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createWorker } from '../bindings/index.js';

const TASKS = new URL('./fixtures/workers/trial2-tasks.mjs', import.meta.url);
const AFTER_DEATH = fileURLToPath(new URL('./fixtures/after-death-run.mjs', import.meta.url));

const open = [];
async function make(mode, options = {}) {
  const w = await createWorker(mode === 'c' ? 'builtin' : TASKS, { mode, maxWorkers: 1, ...options });
  open.push(w);
  return w;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((w) => w.stop({ force: true }).catch(() => {})));
});

function runScript(file, ...args) {
  return new Promise((resolve) => {
    execFile(process.execPath, [file, ...args], { timeout: 30000 }, (err, stdout, stderr) => {
      resolve({ code: err ? err.code : 0, stdout, stderr });
    });
  });
}

describe('a call made right after a worker died runs on its replacement and keeps Node alive meanwhile (exit code 13 before)', () => {
  test.each([
    ['thread', 2, 'crash'], ['thread', 1, 'crash'], ['process', 2, 'crash'], ['process', 1, 'crash'],
    ['thread', 1, 'oom'], ['thread', 1, 'timeout'], ['process', 1, 'timeout'],
  ])('%s, maxWorkers %d, %s', async (mode, n, how) => {
    const r = await runScript(AFTER_DEATH, mode, String(n), how);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`first ${how === 'timeout' ? 'TimeoutError' : 'WorkerCrashedError'}\nnext 3\nstopped\n`);
    expect(r.code).toBe(0);
  }, 40000);
});

describe('an argument whose getter throws fails that call (a future, never a synchronous throw) and leaks no slot', () => {
  const bad = () => ({ get bad() { throw new Error('getter'); } });
  test.each(['thread', 'process'])('%s: DataCloneError naming the path; stats, whenIdle and stop settle', async (mode) => {
    const w = await make(mode);
    let f;
    expect(() => { f = w.echo(bad()); }).not.toThrow();
    const e = await f.exception();
    expect(e.name).toBe('DataCloneError');
    expect(e.path).toBe('args[0].bad');
    expect(e.message).toMatch(/'echo'.*args\[0\]\.bad: a getter that throws/);
    expect(w.stats()).toMatchObject({ running: 0, queued: 0, failed: 1 });
    await w.whenIdle();
    expect(await w.add(1, 2)).toBe(3);
    await w.stop();
  }, 20000);
  test.each(['thread', 'process'])('%s, unwrapFutures off: the same', async (mode) => {
    const w = await make(mode, { unwrapFutures: false });
    const e = await w.echo(bad()).exception();
    expect(e.name).toBe('DataCloneError');
    expect(w.stats()).toMatchObject({ running: 0, queued: 0 });
    await w.stop();
  }, 20000);
  test.each(['sync', 'asyncio', 'c'])('%s: the getter\'s own error (nothing is cloned)', async (mode) => {
    const w = await make(mode);
    let f;
    expect(() => { f = (mode === 'c' ? w.sum_bytes : w.echo)(bad()); }).not.toThrow();
    expect((await f.exception()).message).toBe('getter');
    expect(w.stats()).toMatchObject({ running: 0, queued: 0 });
    await w.stop();
  }, 20000);
});

describe("mode 'c': calls waiting on argument promises", () => {
  const RUN = fileURLToPath(new URL('./fixtures/c-arg-wait-run.mjs', import.meta.url));
  test.each([['pthreads', ''], ['single-threaded core', 'st']])('%s: cancel() leaves the counts at once; stop({ force }) cancels, resolves, and Node exits', async (_, core) => {
    const r = await new Promise((resolve) => {
      execFile(process.execPath, [RUN], { timeout: 20000, env: { ...process.env, CONCURRY_WASM_CORE: core } },
        (err, stdout, stderr) => resolve({ code: err ? err.code : 0, killed: err ? err.killed : false, stdout, stderr }));
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('live 2\ncancel true 1\nstopped true 0\n');
    expect(r.code).toBe(0);
  }, 30000);
});

describe("mode 'c': a buffer argument over the limit", () => {
  test('fails that call with a RangeError naming the argument and the limit, whatever its size; later calls run', async () => {
    const w = await make('c');
    for (const mb of [2100, 800, 513]) {
      let f;
      // Zero-filled and never written: the pages cost nothing.
      expect(() => { f = w.sum_bytes(7, new Uint8Array(mb * 2 ** 20)); }).not.toThrow();
      const e = await f.exception();
      expect(e).toBeInstanceOf(RangeError);
      expect(e.message).toContain("C kernel 'sum_bytes': args[1] (");
      expect(e.message).toContain('at most 536870912 bytes');
    }
    expect(await w.sum_bytes(new Uint8Array(2 ** 20).fill(1))).toBe(2 ** 20);
    expect(await w.add(1, 2)).toBe(3);
    await w.stop();
  }, 60000);
});

describe('callWith({ timeout: 0 }): the call must be done when callWith returns, in every mode', () => {
  test('sync: a function that returns or throws keeps its outcome; one that returns a Promise times out', async () => {
    const w = await make('sync');
    expect(await w.callWith({ timeout: 0 }, 'add', 1, 1)).toBe(2);
    const e = await w.callWith({ timeout: 0 }, 'sleep', 1, 'x').exception();
    expect(e.name).toBe('TimeoutError');
    expect(e.timeout).toBe(0);
  });
  test.each(['asyncio', 'thread', 'process', 'c'])('%s: TimeoutError at once, every time, and the call never runs', async (mode) => {
    const w = await make(mode);
    for (let i = 0; i < 20; i++) {
      const f = w.callWith({ timeout: 0 }, 'add', 1, 1);
      // (asyncio's futures follow a Promise: done a microtask later.)
      if (mode !== 'asyncio') expect(f.done()).toBe(true);
      const e = await f.exception();
      expect(e.name).toBe('TimeoutError');
      expect(e.timeout).toBe(0);
    }
    // With an argument still to await, too.
    expect((await w.callWith({ timeout: 0 }, 'add', Promise.resolve(1), 1).exception()).name).toBe('TimeoutError');
    expect(w.stats()).toMatchObject({ running: 0, queued: 0 });
    if (mode !== 'c') expect(w.stats().completed).toBe(0);
    expect(await w.add(1, 1)).toBe(2);
  }, 20000);
});

describe('maxQueued counts calls waiting on argument promises alike in thread and c (DESIGN.md)', () => {
  test.each(['thread', 'c'])('%s: maxWorkers 2, maxQueued 3: five accepted (2 running, 3 queued), the sixth refused', async (mode) => {
    const w = await make(mode, { maxWorkers: 2, maxQueued: 3 });
    let release;
    const p = new Promise((r) => { release = r; });
    const fs = [];
    for (let i = 0; i < 5; i++) fs.push(w.add(p, i));
    expect(w.stats()).toMatchObject({ running: 2, queued: 3, idle: 0 });
    expect(() => w.add(p, 9)).toThrow(/queue is full/);
    release(10);
    expect(await Promise.all(fs)).toEqual([10, 11, 12, 13, 14]);
    expect(w.stats()).toMatchObject({ running: 0, queued: 0 });
  }, 20000);
});

describe('stats().failed counts calls that failed, timed out or were cancelled (WorkerStats), in every mode', () => {
  test.each(['asyncio', 'thread', 'process', 'c'])('%s: one running and one queued call cancelled, one timed out', async (mode) => {
    const w = await make(mode);
    const slow = mode === 'c' ? () => w.sleep(300) : () => w.sleep(300, 'x');
    const a = slow();
    const b = slow();
    await new Promise((r) => setTimeout(r, 50));
    expect(a.cancel()).toBe(true);
    expect(b.cancel()).toBe(true);
    expect((await w.callWith({ timeout: 30 }, 'sleep', 300).exception()).name).toBe('TimeoutError');
    await w.whenIdle();
    await new Promise((r) => setTimeout(r, 400)); // the cancelled kernel / task has returned
    expect(w.stats()).toMatchObject({ completed: 0, failed: 3 });
  }, 20000);
});

describe('a module that cannot be loaded: createWorker() rejects with the same wording in every mode', () => {
  const LOAD_FAILS = new URL('./fixtures/workers/throws-at-load.mjs', import.meta.url);
  const MISSING = new URL('./fixtures/workers/no-such-module.mjs', import.meta.url);
  test.each(['sync', 'asyncio', 'thread', 'process', 'c'])('%s', async (mode) => {
    for (const [url, inner] of [[LOAD_FAILS, /this module fails at load/], [MISSING, /no-such-module/]]) {
      const e = await createWorker(url, { mode, maxWorkers: 1 }).then(() => null, (x) => x);
      expect(e.message.startsWith(`createWorker(): cannot load the module '${url.href}': `)).toBe(true);
      expect(e.cause.message).toMatch(inner);
    }
  }, 20000);
});

describe('a result that cannot be cloned names the method', () => {
  test.each(['thread', 'process'])('%s', async (mode) => {
    const w = await make(mode);
    const e = await w.retFn().exception();
    expect(e.name).toBe('DataCloneError');
    expect(e.message).toContain("the result of 'retFn'");
    expect(e.message).toContain('result.fn');
    expect(e.message).not.toMatch(/task \d/);
  }, 20000);
});

describe("callWith({ transfer }): an ArrayBuffer already transferred is refused at the call", () => {
  test.each(['thread', 'process'])('%s: TypeError naming transfer[i]; an empty buffer is fine', async (mode) => {
    const w = await make(mode);
    const gone = new ArrayBuffer(8);
    structuredClone(gone, { transfer: [gone] });
    const ok = new ArrayBuffer(4);
    expect(() => w.callWith({ transfer: [ok, gone] }, 'echo', 1)).toThrow(TypeError);
    expect(() => w.callWith({ transfer: [ok, gone] }, 'echo', 1)).toThrow(/'transfer\[1\]' is an ArrayBuffer that was already transferred \(detached\)/);
    const empty = new ArrayBuffer(0);
    expect(await w.callWith({ transfer: [empty] }, 'echo', empty)).toBeInstanceOf(ArrayBuffer);
    expect(w.stats()).toMatchObject({ running: 0, queued: 0 });
  }, 20000);
});

describe("mode 'c': wrong argument counts to the built-ins", () => {
  test('fail the call with a TypeError naming the argument (not a bare CY_EINVAL)', async () => {
    const w = await make('c');
    const e1 = await w.add(1).exception();
    expect(e1).toBeInstanceOf(TypeError);
    expect(e1.message).toMatch(/C kernel 'add' takes \(a, b\): argument 'b' .*missing/);
    const e2 = await w.add(1, 2, 3).exception();
    expect(e2).toBeInstanceOf(TypeError);
    expect(e2.message).toContain('args[2] is one number too many');
    expect((await w.mandelbrot(4, 4).exception()).message).toContain("argument 'x0'");
    expect((await w.sum_bytes(new Uint8Array(2), 1, 2).exception()).message).toMatch(/sum_bytes' takes \(k\?\): args\[2\]/);
    // Right counts still run; ranges stay the kernel's (CoreError).
    expect(await w.add(1, 2)).toBe(3);
    expect((await w.fib(100).exception()).name).toBe('CoreError');
    expect(w.stats().failed).toBe(5);
  }, 20000);
});
