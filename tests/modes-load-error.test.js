// createWorker() rejects, for a module that cannot be loaded, with an error of
// the load error's own class (SyntaxError, TypeError, the module's own class)
// whose message names the module, the original as `cause`, in every mode that
// loads a module (README "Loading"). It was a plain Error with the class only
// in `.cause`.
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadErrorOf } from './load-error-helpers.js';

let dir;
const url = (name) => pathToFileURL(join(dir, name));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'concurry-load-error-'));
  // Written here, not kept among the fixtures: a file that does not parse.
  writeFileSync(join(dir, 'bad-syntax.mjs'), 'export const x = ;\n');
  writeFileSync(join(dir, 'throws-type.mjs'), "throw new TypeError('top-level type error');\n");
  writeFileSync(join(dir, 'throws-own.mjs'),
    "class ConfigError extends Error { constructor(o) { super(o.text); this.name = 'ConfigError'; this.code = 'E_CONFIG'; } }\n" +
    "throw new ConfigError({ text: 'no config' });\n");
  // Mode 'c' loads the kernels module in the caller; its import fails the same way.
  // A top-level await rejecting with a falsy value: thread and process mode
  // took it for "no load error" and said the worker "exited while loading
  // it (exit code 1)" (process: "(exit code 0)").
  writeFileSync(join(dir, 'tla-undefined.mjs'), 'await Promise.reject(undefined);\n');
  writeFileSync(join(dir, 'tla-null.mjs'), 'await Promise.reject(null);\n');
  writeFileSync(join(dir, 'tla-zero.mjs'), 'await Promise.reject(0);\n');
  writeFileSync(join(dir, 'c-throws.mjs'), "export const kernels = ['primes'];\nthrow new RangeError('c module range');\n");
});
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

const loadError = (file, mode) => loadErrorOf(url(file), mode);

const MODES = ['sync', 'asyncio', 'thread', 'process'];

describe.each(MODES)("mode '%s': the load error keeps its class", (mode) => {
  test('a syntax error is a SyntaxError naming the module, the original as cause', async () => {
    const e = await loadError('bad-syntax.mjs', mode);
    expect(e.constructor.name).toBe('SyntaxError');
    expect(e.name).toBe('SyntaxError');
    expect(e.message).toContain(`createWorker(): cannot load the module '${url('bad-syntax.mjs').href}': `);
    expect(e.cause.constructor.name).toBe('SyntaxError');
    expect(e.message.endsWith(e.cause.message)).toBe(true);
    expect(e.stack.split('\n')[0]).toBe(`SyntaxError: ${e.message}`);
  });

  test('a TypeError thrown at the top level is a TypeError', async () => {
    const e = await loadError('throws-type.mjs', mode);
    expect(e.constructor.name).toBe('TypeError');
    expect(e.message).toMatch(/cannot load the module 'file:.*throws-type\.mjs': top-level type error$/);
    expect(e.cause.message).toBe('top-level type error');
  });

  test("the module's own class and properties are kept", async () => {
    const e = await loadError('throws-own.mjs', mode);
    expect(e.name).toBe('ConfigError');
    expect(e.code).toBe('E_CONFIG');
    expect(e.message).toMatch(/throws-own\.mjs': no config$/);
    expect(e.cause.name).toBe('ConfigError');
  });

  test('a missing module keeps its code', async () => {
    const e = await loadError('no-such.mjs', mode);
    expect(e.code).toMatch(/MODULE_NOT_FOUND$/); // Jest's own loader says MODULE_NOT_FOUND
    expect(e.message).toMatch(/cannot load the module 'file:.*no-such\.mjs'/);
  });
});

describe.each(MODES)("mode '%s': a top-level await rejecting with a falsy value", (mode) => {
  test.each([['tla-undefined.mjs', undefined], ['tla-null.mjs', null], ['tla-zero.mjs', 0]])('%s: the message names the value, which is the cause', async (file, value) => {
    const e = await loadError(file, mode);
    expect(e.message).toBe(`createWorker(): cannot load the module '${url(file).href}': ${String(value)}`);
    expect('cause' in e).toBe(true);
    expect(e.cause).toBe(value);
  });
});

test.each(['thread', 'process'])("mode '%s': the class is this realm's (instanceof works)", async (mode) => {
  expect(await loadError('bad-syntax.mjs', mode)).toBeInstanceOf(SyntaxError);
  expect(await loadError('throws-type.mjs', mode)).toBeInstanceOf(TypeError);
});

test("mode 'c': the kernels module's load error keeps its class", async () => {
  const e = await loadError('c-throws.mjs', 'c');
  expect(e.constructor.name).toBe('RangeError');
  expect(e.message).toMatch(/cannot load the module 'file:.*c-throws\.mjs': c module range$/);
  expect(e.cause.message).toBe('c module range');
  const s = await loadError('bad-syntax.mjs', 'c');
  expect(s.constructor.name).toBe('SyntaxError');
});
