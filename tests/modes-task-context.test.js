// currentTask()/transfer() (concurry-wasm/worker) and runWithTask() for runtimes.
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runWithTask, TaskContext, takeTransfer } from '../bindings/task-context.js';
import { currentTask, transfer } from '../bindings/worker.js';
import { InvalidStateError } from '../bindings/errors.js';
import { jest } from '@jest/globals';
import { sleep } from './helpers.js';

test('currentTask() outside a task throws InvalidStateError', () => {
  expect(() => currentTask()).toThrow(InvalidStateError);
  expect(() => currentTask()).toThrow(/not inside a task/);
});

test('currentTask() answers inside the task, also after awaits, and tasks do not mix', async () => {
  const seen = [];
  const task = async (name) => {
    const t = currentTask();
    seen.push([name, t.attempt]);
    await sleep(5);
    t.progress(`${name}-1`);
    expect(currentTask()).toBe(t);
    return currentTask().attempt;
  };
  const got = [];
  const a = new TaskContext({ attempt: 1, onProgress: (v) => got.push(v) });
  const b = new TaskContext({ attempt: 2, onProgress: (v) => got.push(v) });
  const r = await Promise.all([runWithTask(a, task, null, ['a']), runWithTask(b, task, null, ['b'])]);
  expect(r).toEqual([1, 2]);
  expect(seen).toEqual([['a', 1], ['b', 2]]);
  expect(got.sort()).toEqual(['a-1', 'b-1']);
  expect(() => currentTask()).toThrow(InvalidStateError);
});

test('progress after close() is dropped; an onProgress that throws does not reach the task', () => {
  const got = [];
  const errs = jest.spyOn(console, 'error').mockImplementation(() => {});
  try {
    const ctx = new TaskContext({ onProgress: (v) => { got.push(v); if (v === 2) throw new Error('cb'); } });
    runWithTask(ctx, () => { currentTask().progress(1); currentTask().progress(2); currentTask().progress(3); });
    ctx.close();
    ctx.progress(4);
    expect(got).toEqual([1, 2, 3]);
    expect(errs).toHaveBeenCalledTimes(1);
  } finally {
    errs.mockRestore();
  }
});

test('the signal is the one the runtime gave; a default one never aborts', () => {
  const ac = new AbortController();
  const ctx = new TaskContext({ signal: ac.signal });
  const s = runWithTask(ctx, () => currentTask().signal);
  expect(s).toBe(ac.signal);
  expect(new TaskContext().signal.aborted).toBe(false);
  expect(new TaskContext().attempt).toBe(1);
});

test('transfer() marks a value; takeTransfer splits it; bad lists are refused', () => {
  const buf = new ArrayBuffer(8);
  const t = transfer({ buf }, [buf]);
  expect(takeTransfer(t)).toEqual({ value: { buf }, list: [buf] });
  expect(takeTransfer(5)).toEqual({ value: 5, list: [] });
  expect(() => transfer(1, buf)).toThrow(/'list' must be an array/);
  expect(() => transfer(1, [new Uint8Array(2)])).toThrow(/list\[0\]' is a Uint8Array, a view/);
  expect(() => transfer(1, [3])).toThrow(/list\[0\]' must be an ArrayBuffer/);
});

test('boundary.js, task-context.js and worker.js never load the wasm core', () => {
  const dir = fileURLToPath(new URL('../bindings/', import.meta.url));
  const visit = (file, seen) => {
    if (seen.has(file)) return;
    seen.add(file);
    const src = readFileSync(dir + file, 'utf8');
    for (const m of src.matchAll(/(?:import|export)\s[^'"]*?from\s*'(\.[^']+)'/g)) {
      const target = new URL(m[1], `file:///${file}`).pathname.slice(1);
      visit(target, seen);
    }
  };
  for (const f of ['modes/boundary.js', 'task-context.js', 'worker.js']) {
    const seen = new Set();
    visit(f, seen);
    expect([...seen].filter((x) => /core\.js$|futures\//.test(x))).toEqual([]);
  }
});

test('without AsyncLocalStorage (browsers): the task is current in its synchronous part, never after an await', () => {
  const root = fileURLToPath(new URL('..', import.meta.url));
  // No `process` while the module loads: it takes the browser path (a synchronous slot).
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', `
    const saved = globalThis.process;
    globalThis.process = undefined;
    const { runWithTask, currentTask, TaskContext } = await import('./bindings/task-context.js');
    globalThis.process = saved;
    const other = new TaskContext({ attempt: 7 });
    const r = await runWithTask(new TaskContext({ attempt: 2 }), async () => {
      const first = currentTask().attempt;
      const nested = runWithTask(other, () => currentTask().attempt);
      const again = currentTask().attempt;
      await null;
      let after;
      try { currentTask(); after = 'answered'; } catch (e) { after = e.name; }
      return [first, nested, again, after];
    });
    console.log(JSON.stringify(r));
  `], { cwd: root, encoding: 'utf8' });
  expect(JSON.parse(out)).toEqual([2, 7, 2, 'InvalidStateError']);
});

describe('AsyncLocalStorage is enabled only while tasks are in flight (Node 20 keeps promise hooks on otherwise)', () => {
  const store = globalThis[Symbol.for('concurry-wasm.task-context')];
  const hasFlag = store && store.als && typeof store.als.enabled === 'boolean';

  (hasFlag ? test : test.skip)('disabled again once no task is in flight', async () => {
    runWithTask(new TaskContext(), () => 1);
    expect(store.als.enabled).toBe(true); // the check comes after the current macrotask
    await sleep(5);
    expect(store.als.enabled).toBe(false);
  });

  test('a task in flight keeps its context across awaits while other tasks start and end', async () => {
    const slow = runWithTask(new TaskContext({ attempt: 3 }), async () => {
      await sleep(30);
      return currentTask().attempt;
    });
    for (let i = 0; i < 5; i++) {
      runWithTask(new TaskContext(), () => currentTask().attempt);
      await sleep(3); // idle checks run in between
    }
    if (hasFlag) expect(store.als.enabled).toBe(true);
    await expect(slow).resolves.toBe(3);
    await sleep(5);
    if (hasFlag) expect(store.als.enabled).toBe(false);
  });

  test('a task that throws synchronously or rejects is released too', async () => {
    expect(() => runWithTask(new TaskContext(), () => { throw new Error('sync'); })).toThrow('sync');
    await expect(runWithTask(new TaskContext(), async () => { throw new Error('async'); })).rejects.toThrow('async');
    const thenable = { then(res) { res(currentTask().attempt); } };
    await expect(runWithTask(new TaskContext({ attempt: 4 }), () => thenable)).resolves.toBe(4);
    await sleep(5);
    expect(store.inFlight).toBe(0);
    if (hasFlag) expect(store.als.enabled).toBe(false);
  });
});

test('abort(): the signal, made on first use, carries the reason whether asked before or after', () => {
  const before = new TaskContext();
  const s = before.signal;
  const reason = new Error('r');
  before.abort(reason);
  expect(s.aborted).toBe(true);
  expect(s.reason).toBe(reason);
  const after = new TaskContext();
  after.abort(reason);
  after.abort(new Error('second')); // once only
  expect(after.signal.aborted).toBe(true);
  expect(after.signal.reason).toBe(reason);
});
