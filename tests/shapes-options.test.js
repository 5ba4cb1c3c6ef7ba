// Pure-JS parts: argument shapes, option validation, errors (no wasm needed).
import { splitArgs, flatten } from '../bindings/shapes.js';
import {
  parseWaitOptions, parseGatherOptions, parseResultOptions, timeoutToCore, isPlainObject,
} from '../bindings/options.js';
import { progressToSpec } from '../bindings/progress.js';
import { CancelledError, TimeoutError, InvalidStateError, WorkerCrashedError } from '../bindings/errors.js';

describe('splitArgs: input shapes and the trailing-options rule', () => {
  test('array, Set, Map, plain object and single value', () => {
    expect(splitArgs([[1, 2]], 'gather()').kind).toBe('array');
    expect(splitArgs([new Set([1])], 'gather()').kind).toBe('set');
    expect(splitArgs([new Map()], 'gather()').kind).toBe('map');
    expect(splitArgs([{ a: 1 }], 'gather()').kind).toBe('object');
    expect(splitArgs([{}], 'gather()').kind).toBe('object');
    expect(splitArgs([42], 'gather()').kind).toBe('single');
    expect(splitArgs([Promise.resolve(1)], 'gather()').kind).toBe('single');
  });

  test('a single plain object is dict input, not options', () => {
    const r = splitArgs([{ timeout: 5 }], 'gather()');
    expect(r.kind).toBe('object');
    expect(r.options).toBeUndefined();
  });

  test('with two or more arguments a trailing plain object is the options', () => {
    const r = splitArgs([{ a: 1 }, { timeout: 50 }], 'gather()');
    expect(r.kind).toBe('object');
    expect(r.input).toEqual({ a: 1 });
    expect(r.options).toEqual({ timeout: 50 });
    const v = splitArgs([1, 2, 3, { timeout: 1 }], 'gather()');
    expect(v.kind).toBe('variadic');
    expect(v.input).toEqual([1, 2, 3]);
    expect(v.options).toEqual({ timeout: 1 });
    const s = splitArgs([1, { timeout: 1 }], 'gather()');
    expect(s.kind).toBe('single');
    expect(s.input).toBe(1);
  });

  test('variadic values', () => {
    const r = splitArgs([1, 2, 3], 'wait()');
    expect(r.kind).toBe('variadic');
    expect(r.input).toEqual([1, 2, 3]);
  });

  test('a structure plus further arguments is the seed\'s "Cannot provide both" TypeError', () => {
    expect(() => splitArgs([[1, 2], 3], 'gather()')).toThrow(TypeError);
    expect(() => splitArgs([[1, 2], 3], 'gather()')).toThrow(/Cannot provide both a structure/);
    expect(() => splitArgs([new Set(), 1], 'wait()')).toThrow(/Cannot provide both/);
    expect(() => splitArgs([new Map(), 1, {}], 'wait()')).toThrow(/Cannot provide both/);
  });

  test('no arguments is a TypeError', () => {
    expect(() => splitArgs([], 'wait()')).toThrow(TypeError);
  });

  test('a plain-object thenable or worker handle is a single future, never dict input or options', () => {
    const thenable = { then(res) { res(1); } };
    expect(splitArgs([thenable], 'gather()').kind).toBe('single');
    const handle = { [Symbol.for('concurry-wasm.future')]: {} };
    expect(splitArgs([handle], 'wait()').kind).toBe('single');
    const v = splitArgs([1, thenable], 'gather()');
    expect(v.kind).toBe('variadic');
    expect(v.options).toBeUndefined();
    expect(() => splitArgs([thenable, 2], 'gather()')).not.toThrow();
  });
});

describe('flatten', () => {
  test('object keeps keys and order', () => {
    const s = flatten({ b: 1, a: 2 }, 'object', false);
    expect(s.leaves).toEqual([1, 2]);
    expect(s.build(['x', 'y'])).toEqual({ b: 'x', a: 'y' });
    expect(Object.keys(s.build(['x', 'y']))).toEqual(['b', 'a']);
  });

  test('Map in, Map out', () => {
    const s = flatten(new Map([['k', 1], [2, 2]]), 'map', false);
    const out = s.build(['v1', 'v2']);
    expect(out).toBeInstanceOf(Map);
    expect([...out]).toEqual([['k', 'v1'], [2, 'v2']]);
  });

  test('Set becomes an array in input order', () => {
    const s = flatten(new Set([3, 1, 2]), 'set', false);
    expect(s.build(s.leaves)).toEqual([3, 1, 2]);
  });

  test('recurse keeps nested shapes', () => {
    const input = [1, [2, { x: 3, y: new Map([['m', 4]]) }], new Set([5])];
    const s = flatten(input, 'array', true);
    expect(s.leaves).toEqual([1, 2, 3, 4, 5]);
    const out = s.build(s.leaves.map((v) => v * 10));
    expect(out[0]).toBe(10);
    expect(out[1][0]).toBe(20);
    expect(out[1][1].x).toBe(30);
    expect(out[1][1].y.get('m')).toBe(40);
    expect(out[2]).toEqual([50]);
  });

  test('object keys named __proto__ and symbol keys are kept', () => {
    const input = JSON.parse('{"__proto__": 1, "a": 2}');
    const sym = Symbol('s');
    input[sym] = 3;
    const s = flatten(input, 'object', false);
    expect(s.leaves).toEqual([1, 2, 3]);
    const out = s.build(['x', 'y', 'z']);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Reflect.ownKeys(out)).toEqual(['__proto__', 'a', sym]);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__').value).toBe('x');
    expect(out[sym]).toBe('z');
    expect(s.groupKeys()).toEqual(['__proto__', 'a', sym]);
    const r = flatten({ n: input }, 'object', true);
    const nested = r.build(r.leaves).n;
    expect(Reflect.ownKeys(nested)).toEqual(['__proto__', 'a', sym]);
    expect(nested[sym]).toBe(3);
  });

  test('recurse: a nested plain-object thenable is a leaf', () => {
    const thenable = { then(res) { res(1); } };
    const s = flatten([{ t: thenable }], 'array', true);
    expect(s.leaves).toEqual([thenable]);
  });

  test('recurse rejects cycles', () => {
    const a = [1];
    a.push(a);
    expect(() => flatten(a, 'array', true)).toThrow(/circular/);
  });
});

describe('options', () => {
  test('unknown keys throw a TypeError naming the key', () => {
    expect(() => parseWaitOptions({ timeot: 5 })).toThrow(TypeError);
    expect(() => parseWaitOptions({ timeot: 5 })).toThrow(/'timeot'/);
    expect(() => parseGatherOptions({ returnWhen: 'ALL_COMPLETED' })).toThrow(/'returnWhen'/);
    expect(() => parseWaitOptions({ iter: true })).toThrow(/'iter'/);
  });

  test('timeout: undefined, null and Infinity mean none', () => {
    expect(timeoutToCore(undefined, 'x')).toBe(-1);
    expect(timeoutToCore(null, 'x')).toBe(-1);
    expect(timeoutToCore(Infinity, 'x')).toBe(-1);
    expect(timeoutToCore(0, 'x')).toBe(0);
    expect(timeoutToCore(12.5, 'x')).toBe(12.5);
  });

  test('timeout: negative, NaN, -Infinity are RangeErrors naming timeout; non-numbers TypeErrors', () => {
    for (const bad of [-1, NaN, -Infinity]) {
      expect(() => parseWaitOptions({ timeout: bad })).toThrow(RangeError);
      expect(() => parseWaitOptions({ timeout: bad })).toThrow(/timeout/);
    }
    for (const bad of ['10', {}, true, 10n]) {
      expect(() => parseGatherOptions({ timeout: bad })).toThrow(TypeError);
      expect(() => parseGatherOptions({ timeout: bad })).toThrow(/timeout/);
    }
  });

  test('returnWhen is case-insensitive', () => {
    expect(parseWaitOptions({ returnWhen: 'first_completed' }).returnWhen).toBe(1);
    expect(parseWaitOptions({ returnWhen: 'First_Exception' }).returnWhen).toBe(2);
    expect(parseWaitOptions({ returnWhen: 'ALL_COMPLETED' }).returnWhen).toBe(0);
    expect(() => parseWaitOptions({ returnWhen: 'SOME' })).toThrow(/returnWhen/);
    expect(() => parseWaitOptions({ returnWhen: 1 })).toThrow(TypeError);
  });

  test('polling names are case-insensitive; bad values throw', () => {
    expect(parseWaitOptions({ polling: 'Adaptive' }).polling).toBe('adaptive');
    expect(parseGatherOptions({ polling: 'FIXED' }).polling).toBe('fixed');
    expect(() => parseWaitOptions({ polling: 'sinusoidal' })).toThrow(RangeError);
    expect(() => parseWaitOptions({ polling: 5 })).toThrow(TypeError);
    expect(() => parseWaitOptions({ polling: {} })).toThrow(/polling/);
  });

  test('booleans and signal', () => {
    expect(() => parseGatherOptions({ iter: 'yes' })).toThrow(/'iter'/);
    expect(() => parseGatherOptions({ returnExceptions: 1 })).toThrow(/'returnExceptions'/);
    expect(() => parseWaitOptions({ recurse: 'no' })).toThrow(/'recurse'/);
    expect(() => parseWaitOptions({ signal: {} })).toThrow(/'signal'/);
    const ac = new AbortController();
    expect(parseWaitOptions({ signal: ac.signal }).signal).toBe(ac.signal);
  });

  test('options must be a plain object', () => {
    expect(() => parseWaitOptions(new Map())).toThrow(TypeError);
  });

  test('result({timeout}) options', () => {
    expect(parseResultOptions(undefined, 'result()')).toBe(-1);
    expect(parseResultOptions({ timeout: 3 }, 'result()')).toBe(3);
    expect(() => parseResultOptions({ time: 3 }, 'result()')).toThrow(/'time'/);
    expect(() => parseResultOptions(5, 'result()')).toThrow(TypeError);
  });

  test('isPlainObject', () => {
    expect(isPlainObject({})).toBe(true);
    expect(isPlainObject(Object.create(null))).toBe(true);
    expect(isPlainObject([])).toBe(false);
    expect(isPlainObject(new Map())).toBe(false);
    expect(isPlainObject(Promise.resolve())).toBe(false);
    expect(isPlainObject(null)).toBe(false);
  });
});

describe('progress option', () => {
  test('function, true, object, false', () => {
    const fn = () => {};
    expect(progressToSpec(fn, 'x').callback).toBe(fn);
    expect(progressToSpec(true, 'x').bar).toEqual({});
    expect(progressToSpec({ desc: 'jobs', miniters: 10 }, 'x').miniters).toBe(10);
    expect(progressToSpec(false, 'x')).toBeNull();
    expect(progressToSpec(undefined, 'x')).toBeNull();
  });

  test('bad values', () => {
    expect(() => progressToSpec(5, 'x')).toThrow(TypeError);
    expect(() => progressToSpec({ miniters: 0 }, 'x')).toThrow(RangeError);
    expect(() => progressToSpec({ desc: 5 }, 'x')).toThrow(/progress.desc/);
    expect(() => progressToSpec({ bogus: 1 }, 'x')).toThrow(/progress.bogus/);
  });
});

describe('errors', () => {
  test('classes, names, fields', () => {
    expect(new CancelledError()).toBeInstanceOf(Error);
    expect(new CancelledError().name).toBe('CancelledError');
    const t = new TimeoutError('x', { completed: 1, total: 3 });
    expect(t.name).toBe('TimeoutError');
    expect(t.completed).toBe(1);
    expect(t.total).toBe(3);
    expect(new InvalidStateError().name).toBe('InvalidStateError');
    const w = new WorkerCrashedError('died', { exitCode: 3 });
    expect(w.exitCode).toBe(3);
    expect(w.signal).toBeNull();
  });
});
