// Errors keep their class across the boundary of a thread or a process
// (README: "errors keep their class"), as they do in sync mode:
// - a user class extending a built-in (`class E extends TypeError`) cannot be
//   rebuilt on the caller's side, but comes back as a stand-in of its name
//   extending that built-in: `instanceof TypeError` held in sync mode only;
//   its function-valued own properties came back as strings
//   ('[not cloneable: function]'): now left out;
// - a DOMException thrown by a task came back as an Error named like it,
//   without `instanceof DOMException` or `.code`;
// - an AggregateError thrown at load: the rejection had no `.errors`, only
//   its `.cause` had.
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createWorker } from '../bindings/index.js';
import { serializeError, deserializeError } from '../bindings/modes/boundary.js';
import { CancelledError } from '../bindings/errors.js';
import { loadErrorOf } from './load-error-helpers.js';

const roundTrip = (e) => deserializeError(structuredClone(serializeError(e)));

let dir;
const url = (name) => pathToFileURL(join(dir, name));

const SUBCLASS = `
class MyTypeError extends TypeError {
  constructor(m) { super(m); this.name = 'MyTypeError'; this.fn = () => 1; this.when = new Date(0); this.nested = { deep: [1] }; }
}
`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'concurry-error-class-'));
  writeFileSync(join(dir, 'load-subclass.mjs'), `${SUBCLASS}throw new MyTypeError('sub of TypeError');\n`);
  writeFileSync(join(dir, 'load-aggregate.mjs'), "throw new AggregateError([new TypeError('a'), 'b'], 'many');\n");
  writeFileSync(join(dir, 'tasks.mjs'), `${SUBCLASS}
export function sub() { throw new MyTypeError('from a task'); }
export function dom() { throw new DOMException('no such thing', 'NotFoundError'); }
export function clone() { structuredClone(() => 1); }
export function returnsDom() { return new DOMException('returned', 'SyntaxError'); }
`);
});
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

test('a subclass of a built-in comes back extending that built-in, without its function-valued properties', () => {
  class MyRangeError extends RangeError { constructor(m) { super(m); this.name = 'MyRangeError'; this.fn = () => 1; this.n = 2; } }
  const r = roundTrip(new MyRangeError('out'));
  expect(r).toBeInstanceOf(RangeError);
  expect(r.constructor.name).toBe('MyRangeError');
  expect(r.name).toBe('MyRangeError');
  expect(r.message).toBe('out');
  expect(r.n).toBe(2);
  expect('fn' in r).toBe(false);
  // One stand-in per name and base: instanceof is stable between errors.
  expect(roundTrip(new MyRangeError('again'))).toBeInstanceOf(r.constructor);
  // A subclass of one of ours extends ours.
  class MyCancel extends CancelledError {}
  const c = roundTrip(new MyCancel('stop'));
  expect(c).toBeInstanceOf(CancelledError);
  expect(c.constructor.name).toBe('MyCancel');
  // A class of the same name with another base is another stand-in.
  const plain = roundTrip(Object.assign(new (class MyRangeError extends Error {})('p'), { name: 'MyRangeError' }));
  expect(plain).not.toBeInstanceOf(RangeError);
});

test('a DOMException comes back a real DOMException (name, code, message, stack, cause, props)', () => {
  const d = new DOMException('gone', { name: 'NotFoundError', cause: new TypeError('why') });
  d.extra = 1;
  const r = roundTrip(d);
  expect(r).toBeInstanceOf(DOMException);
  expect(r.name).toBe('NotFoundError');
  expect(r.code).toBe(DOMException.NOT_FOUND_ERR);
  expect(r.message).toBe('gone');
  expect(r.stack).toBe(d.stack);
  expect(r.cause).toBeInstanceOf(TypeError);
  expect(r.extra).toBe(1);
  expect(String(r)).toBe('NotFoundError: gone');
  class MyDom extends DOMException {}
  const s = roundTrip(new MyDom('mine', 'AbortError'));
  expect(s).toBeInstanceOf(DOMException);
  expect(s.constructor.name).toBe('MyDom');
  expect(s.code).toBe(DOMException.ABORT_ERR);
});

const loadError = (file, mode) => loadErrorOf(url(file), mode);

describe.each(['sync', 'thread', 'process'])("mode '%s'", (mode) => {
  test('a subclass of TypeError thrown at load is a TypeError; its function-valued properties are not strings', async () => {
    const e = await loadError('load-subclass.mjs', mode);
    expect(e).toBeInstanceOf(TypeError);
    expect(e.name).toBe('MyTypeError');
    expect(e.cause).toBeInstanceOf(TypeError);
    expect(e.cause.message).toBe('sub of TypeError');
    expect(['function', 'undefined']).toContain(typeof e.fn);
    expect(Object.prototype.toString.call(e.when)).toBe('[object Date]');
    expect(e.nested).toEqual({ deep: [1] });
  });

  test('an AggregateError thrown at load has its errors on the rejection', async () => {
    const e = await loadError('load-aggregate.mjs', mode);
    expect(e).toBeInstanceOf(AggregateError);
    expect(e.errors.map(String)).toEqual(['TypeError: a', 'b']);
    expect(e.errors[0]).toBeInstanceOf(TypeError);
    expect(e.cause.errors.map(String)).toEqual(['TypeError: a', 'b']);
  });

  test('errors thrown or returned by tasks keep their class (subclass of TypeError, DOMException)', async () => {
    const w = await createWorker(url('tasks.mjs'), { mode, maxWorkers: 1 });
    try {
      const s = await w.call('sub').exception();
      expect(s).toBeInstanceOf(TypeError);
      expect(s.name).toBe('MyTypeError');
      expect(['function', 'undefined']).toContain(typeof s.fn);
      for (const [m, name, code] of [['dom', 'NotFoundError', DOMException.NOT_FOUND_ERR], ['clone', 'DataCloneError', DOMException.DATA_CLONE_ERR]]) {
        const d = await w.call(m).exception();
        expect(d).toBeInstanceOf(DOMException);
        expect([d.name, d.code]).toEqual([name, code]);
        expect(String(d)).toMatch(new RegExp(`^${name}: `));
      }
      const r = await w.call('returnsDom').result();
      expect(r).toBeInstanceOf(DOMException);
      expect([r.name, r.code, r.message]).toEqual(['SyntaxError', DOMException.SYNTAX_ERR, 'returned']);
    } finally {
      await w.stop();
    }
  });
});
