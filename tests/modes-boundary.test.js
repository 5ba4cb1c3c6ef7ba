// Values across a worker's boundary: errors keep class name, message, stack,
// cause and own enumerable properties through a real structured clone, and a
// value that cannot be cloned is named by its path.
import { serializeError, deserializeError, isSerializedError, findUncloneable, dataCloneError } from '../bindings/modes/boundary.js';
import { CancelledError, TimeoutError, WorkerCrashedError, DataCloneError, QueueFullError } from '../bindings/errors.js';

/** Sends through structured clone, as postMessage and the 'advanced' IPC do. */
const roundTrip = (e) => deserializeError(structuredClone(serializeError(e)));

class ValidationError extends Error {
  constructor(msg, field) {
    super(msg, { cause: new RangeError('inner') });
    this.name = 'ValidationError';
    this.field = field;
    this.details = { max: 3, list: [1, 2] };
  }
}

test('a user error keeps its class name, message, stack, cause and own properties', () => {
  const e = new ValidationError('bad field', 'age');
  const r = roundTrip(e);
  expect(r).toBeInstanceOf(Error);
  expect(r.constructor.name).toBe('ValidationError');
  expect(r.name).toBe('ValidationError');
  expect(r.message).toBe('bad field');
  expect(r.stack).toBe(e.stack);
  expect(r.field).toBe('age');
  expect(r.details).toEqual({ max: 3, list: [1, 2] });
  expect(r.cause).toBeInstanceOf(RangeError);
  expect(r.cause.message).toBe('inner');
  expect(Object.keys(r).sort()).toEqual(['details', 'field', 'name']);
  // Same name, same rebuilt class: instanceof is stable between errors.
  expect(roundTrip(new ValidationError('x', 'y'))).toBeInstanceOf(r.constructor);
});

test('built-in and concurry errors come back as their own classes', () => {
  const t = roundTrip(new TypeError('tt'));
  expect(t).toBeInstanceOf(TypeError);
  expect(t.name).toBe('TypeError');
  expect(Object.keys(t)).toEqual([]);
  const c = roundTrip(new CancelledError('gone'));
  expect(c).toBeInstanceOf(CancelledError);
  expect(c.name).toBe('CancelledError');
  const to = roundTrip(new TimeoutError('late', { completed: 1, total: 3 }));
  expect(to).toBeInstanceOf(TimeoutError);
  expect([to.completed, to.total]).toEqual([1, 3]);
  const w = roundTrip(new WorkerCrashedError('died', { exitCode: 3, method: 'fib', attempts: 2 }));
  expect(w).toBeInstanceOf(WorkerCrashedError);
  expect([w.exitCode, w.signal, w.method, w.attempts]).toEqual([3, null, 'fib', 2]);
  const d = roundTrip(new DataCloneError('no', { path: 'args[0]' }));
  expect(d).toBeInstanceOf(DataCloneError);
  expect(d.path).toBe('args[0]');
});

test('thrown non-errors, uncloneable properties and cyclic causes survive', () => {
  expect(roundTrip(42)).toBe(42);
  expect(roundTrip('str')).toBe('str');
  expect(roundTrip({ code: 7 })).toEqual({ code: 7 });
  expect(roundTrip(undefined)).toBe(undefined);
  const e = new Error('with fn');
  e.handler = () => 1;
  e.sym = Symbol('s');
  const r = roundTrip(e);
  // A function-valued property is left out (as methods are), not a string
  // where a function was; another value that cannot travel is described.
  expect('handler' in r).toBe(false);
  expect(r.sym).toBe('[not cloneable: symbol]');
  const a = new Error('a');
  const b = new Error('b', { cause: a });
  a.cause = b;
  const ra = roundTrip(a);
  expect(ra.cause.message).toBe('b');
  expect(ra.cause.cause.message).toBe('a');
  // Thrown functions cannot travel; they arrive as a description.
  expect(roundTrip(() => 1)).toBe('[not cloneable: function]');
  expect(isSerializedError(serializeError(new Error('x')))).toBe(true);
  expect(isSerializedError({ message: 'x' })).toBe(false);
  expect(deserializeError({ plain: true })).toEqual({ plain: true });
});

test('error without cause has no cause after the trip; error with cause undefined keeps it', () => {
  expect('cause' in roundTrip(new Error('x'))).toBe(false);
  const r = roundTrip(new Error('x', { cause: undefined }));
  expect('cause' in r).toBe(true);
  expect(r.cause).toBe(undefined);
});

test('findFuture (unwrapFutures: false) names places as findUncloneable does: one walker (Map keys of any type, Sets, keys)', async () => {
  const { findFuture } = await import('../bindings/modes/unwrap.js');
  const { SyncFuture } = await import('../bindings/index.js');
  const f = new SyncFuture(1);
  const key = { k: 1 };
  for (const [args, path] of [
    [[new Map([[1, f]])], 'args[0].get(1)'],
    [[new Map([[key, f]])], 'args[0].get(<Object>)'],
    [[new Map([[f, 1]])], 'args[0].keys()[0]'],
    [[1, { 'a b': [0, new Set([2, f])] }], 'args[1]["a b"][1].values()[1]'],
  ]) {
    expect(findFuture(args, 'args')).toBe(path);
    // The same place, as the clone check names it (a function where the future was).
    const fn = () => 0;
    const swap = (v) => (v === f ? fn : v instanceof Map ? new Map([...v].map(([k, x]) => [swap(k), swap(x)]))
      : v instanceof Set ? new Set([...v].map(swap)) : Array.isArray(v) ? v.map(swap)
        : v && typeof v === 'object' && v !== key ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, swap(x)])) : v);
    expect(findUncloneable(swap(args), 'args')).toEqual({ path, what: 'function' });
  }
  expect(findFuture([new Uint8Array(2), { a: [1] }], 'args')).toBe(null);
});

test('findUncloneable names the path of what cannot be cloned', () => {
  const args = [1, { config: { fn: () => 0, ok: 2 } }];
  expect(findUncloneable(args, 'args')).toEqual({ path: 'args[1].config.fn', what: 'function' });
  expect(findUncloneable([new Map([['k', Symbol('s')]])], 'args')).toEqual({ path: 'args[0].get("k")', what: 'symbol' });
  expect(findUncloneable([new Set([1, new WeakMap()])], 'args')).toEqual({ path: 'args[0].values()[1]', what: 'WeakMap' });
  expect(findUncloneable([{ 'a b': Promise.resolve(1) }], 'args')).toEqual({ path: 'args[0]["a b"]', what: 'Promise' });
  expect(findUncloneable({ x: [1, 2, { y: 3 }] }, 'result')).toBe(null);
  const cyc = { a: 1 };
  cyc.self = cyc;
  cyc.f = function named() {};
  expect(findUncloneable([cyc], 'args')).toEqual({ path: 'args[0].f', what: 'function' });
  // Class instances clone as plain objects: not an error unless they hold one.
  class P { constructor() { this.x = 1; } }
  expect(findUncloneable([new P()], 'args')).toBe(null);
});

test('dataCloneError builds a DataCloneError with the path and the engine error as cause', () => {
  const args = [1, { config: { fn: () => 0 } }];
  let engine;
  try { structuredClone(args); } catch (e) { engine = e; }
  const e = dataCloneError(args, 'args', "the arguments of 'run'", engine);
  expect(e).toBeInstanceOf(DataCloneError);
  expect(e.path).toBe('args[1].config.fn');
  expect(e.message).toBe("Cannot send the arguments of 'run': args[1].config.fn: function cannot be cloned");
  expect(e.cause).toBe(engine);
});

test('QueueFullError carries maxQueued and queued', () => {
  const q = new QueueFullError('full', { maxQueued: 2, queued: 2 });
  expect([q.name, q.maxQueued, q.queued]).toEqual(['QueueFullError', 2, 2]);
  const w = new WorkerCrashedError();
  expect([w.exitCode, w.signal, w.method, w.attempts]).toEqual([null, null, null, 1]);
});
