// createWorker()'s rejection for a module whose load threw an error of a
// platform class that needs its constructor's internal slots (DOMException):
// load-error.js made it with Reflect.construct(Error, ..., DOMException), an
// object of DOMException's prototype without those slots, so reading `.name`,
// `String(e)` or `.stack` threw "Value of "this" must be of DOMException" (sync
// and asyncio). Now it is a real DOMException in every mode (thread and
// process rebuild it by name), and any other such class gives a plain Error of
// the original's name. Kept apart from modes-load-error.test.js: Jest's ESM
// loader leaves a rejected promise unhandled for a module that does not parse,
// which would fail whichever test of that file next waits for a timer.
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadErrorOf } from './load-error-helpers.js';

let dir;
let server;
// The requests' sockets: an aborted fetch may leave its socket open (undici),
// and server.close() waits for every socket, so afterAll ends them itself.
const sockets = new Set();
const url = (name) => pathToFileURL(join(dir, name));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'concurry-load-error-dom-'));
  // A server that accepts and never answers: the module's request times out.
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  writeFileSync(join(dir, 'throws-dom.mjs'), "throw new DOMException('nope', 'NotSupportedError');\n");
  writeFileSync(join(dir, 'fetch-timeout.mjs'),
    `await fetch('http://127.0.0.1:${server.address().port}/', { signal: AbortSignal.timeout(20) });\n`);
  // A user class whose name getter needs a private field its constructor sets.
  writeFileSync(join(dir, 'throws-private.mjs'),
    "class SlotError extends Error { #n = 'SlotError'; get name() { return this.#n; } }\n" +
    "throw new SlotError('slot');\n");
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  const closed = new Promise((resolve) => server.close(resolve));
  for (const socket of sockets) socket.destroy();
  await closed;
});

const loadError = (file, mode) => loadErrorOf(url(file), mode);

describe.each(['sync', 'asyncio', 'thread', 'process'])("mode '%s'", (mode) => {
  test('a DOMException thrown at load is a real DOMException that prints', async () => {
    const e = await loadError('throws-dom.mjs', mode);
    expect(String(e)).toMatch(/^NotSupportedError: createWorker\(\): cannot load the module 'file:.*throws-dom\.mjs': nope$/);
    expect(e.name).toBe('NotSupportedError');
    expect(e.code).toBe(DOMException.NOT_SUPPORTED_ERR);
    expect(e.constructor.name).toBe('DOMException');
    expect(Object.prototype.toString.call(e)).toBe(Object.prototype.toString.call(new DOMException('x')));
    expect(e.stack.split('\n')[0]).toBe(`NotSupportedError: ${e.message}`);
    expect(String(e.cause)).toBe('NotSupportedError: nope');
  });

  test('a fetch stopped by AbortSignal.timeout() at the top level prints', async () => {
    const e = await loadError('fetch-timeout.mjs', mode);
    expect(e.name).toBe('TimeoutError');
    expect(e.code).toBe(DOMException.TIMEOUT_ERR);
    expect(String(e)).toMatch(/^TimeoutError: createWorker\(\): cannot load the module 'file:.*fetch-timeout\.mjs': /);
    expect(e.stack.split('\n')[0]).toBe(`TimeoutError: ${e.message}`);
    expect(e.cause.name).toBe('TimeoutError');
  });

  test('a class whose name needs its constructor is a plain Error of that name', async () => {
    const e = await loadError('throws-private.mjs', mode);
    expect(String(e)).toMatch(/^SlotError: createWorker\(\): .*throws-private\.mjs': slot$/);
    expect(e.name).toBe('SlotError');
    expect(e.stack.split('\n')[0]).toBe(`SlotError: ${e.message}`);
    expect(e.cause.message).toBe('slot');
  });
});

test.each(['thread', 'process'])("mode '%s': the DOMException is this realm's (instanceof works)", async (mode) => {
  expect(await loadError('throws-dom.mjs', mode)).toBeInstanceOf(DOMException);
});
