// A worker that dies of something with no message said only "crashed (exit
// code 1)": an uncaught plain object, a symbol, `new TypeError()`. Now the
// message says what was thrown ("uncaught value: { a: 1 }", "uncaught
// TypeError"), and an unhandled rejection with a non-Error reason says
// "unhandled rejection: 42" (it was Node's whole paragraph) with the same
// kind of `cause` in thread and process mode (thread: a plain Error,
// process: a class named UnhandledPromiseRejection).
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createWorker, WorkerCrashedError } from '../bindings/index.js';

let dir;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'concurry-crash-text-'));
  const later = (what) => `setTimeout(() => { throw ${what}; }, 1); return new Promise(() => {});`;
  writeFileSync(join(dir, 'tasks.mjs'), `
export function plainObject() { ${later('{ a: 1 }')} }
export function nullProto() { ${later('Object.assign(Object.create(null), { k: 2 })')} }
export function symbol() { ${later("Symbol('sym')")} }
export function zero() { ${later('0')} }
export function noMessage() { ${later('new TypeError()')} }
export function longMessage() { ${later("new Error('L'.repeat(5000) + String.fromCharCode(10) + 'second line')")} }
export function rejectNumber() { Promise.reject(42); return new Promise(() => {}); }
export function rejectNoMessage() { Promise.reject(new RangeError()); return new Promise(() => {}); }
export function ok() { return 'ok'; }
`);
});
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

const MODES = ['thread', 'process'];
const causes = {};

describe.each(MODES)("mode '%s'", (mode) => {
  let w;
  beforeAll(async () => { w = await createWorker(pathToFileURL(join(dir, 'tasks.mjs')), { mode, maxWorkers: 1 }); });
  afterAll(async () => { await w.stop(); });

  const crash = async (method) => {
    const e = await w.call(method).exception();
    expect(e).toBeInstanceOf(WorkerCrashedError);
    expect(e.exitCode).toBe(1);
    return e;
  };
  const why = (e) => /crashed \(exit code 1: (.*)\) after 1 attempt$/.exec(e.message)?.[1];

  test('an uncaught non-Error value is named in util.inspect form, and is the cause', async () => {
    const o = await crash('plainObject');
    expect(why(o)).toBe('uncaught value: { a: 1 }');
    expect(o.cause).toEqual({ a: 1 });
    expect(why(await crash('nullProto'))).toBe('uncaught value: [Object: null prototype] { k: 2 }');
    expect(why(await crash('symbol'))).toBe('uncaught value: Symbol(sym)');
    const z = await crash('zero');
    expect(why(z)).toBe('uncaught value: 0');
    expect(z.cause).toBe(0);
  });

  test('an Error with no message is named by its class; a long one is cut short', async () => {
    const e = await crash('noMessage');
    expect(why(e)).toBe('uncaught TypeError');
    expect(e.cause).toBeInstanceOf(TypeError);
    const l = await crash('longMessage');
    expect(why(l)).toBe(`${'L'.repeat(300)}…`);
    expect(l.cause.message).toBe(`${'L'.repeat(5000)}\nsecond line`);
  });

  test('an unhandled rejection says so, with its reason', async () => {
    const e = await crash('rejectNumber');
    expect(why(e)).toBe('unhandled rejection: 42');
    expect(e.cause).toBeInstanceOf(Error);
    expect(e.cause.code).toBe('ERR_UNHANDLED_REJECTION');
    causes[mode] = { ctor: e.cause.constructor.name, name: e.cause.name, message: e.cause.message, keys: Object.keys(e.cause).sort() };
    const r = await crash('rejectNoMessage');
    expect(why(r)).toBe('unhandled rejection: RangeError');
    expect(r.cause).toBeInstanceOf(RangeError);
    expect(await w.call('ok').result()).toBe('ok');
  });
});

test("an unhandled non-Error rejection's cause is the same kind of thing in thread and process mode", () => {
  expect(Object.keys(causes).sort()).toEqual(MODES.slice().sort());
  expect(causes.thread).toEqual(causes.process);
});
