// bindings/constants.js (generated from concurry.h's X-macro lists) against
// the loaded wasm core: every named number means, in dist/, what its name
// says. ctest c/constants checks the file against the header; this checks a
// dist/ built from that header agrees too.
import * as K from '../bindings/constants.js';
import * as core from '../bindings/core.js';

const { C, Module: M, heap, errName, strerror, waitsetCreate, DONE_FUTURE } = core;

test('core.js re-exports every constant with the same value', () => {
  for (const [name, value] of Object.entries(K)) expect(core[name]).toBe(value);
});

test('every error code has its name and its own message in the core', () => {
  const messages = new Set();
  for (const [name, code] of Object.entries(K.ERRORS)) {
    expect(K[name]).toBe(code);
    expect(errName(code)).toBe(name);
    const m = strerror(code);
    expect(m).not.toBe('unknown error');
    expect(messages.has(m)).toBe(false);
    messages.add(m);
  }
});

test('the core names no error code that constants.js lacks', () => {
  const known = new Set(Object.values(K.ERRORS));
  for (let code = -1; code >= -256; code--) {
    if (!known.has(code)) expect(errName(code)).toBe('CY_UNKNOWN');
  }
});

test('states are the ones the core reports', () => {
  expect(C.cy_future_state(DONE_FUTURE[0])).toBe(K.STATE_SUCCEEDED);
  expect(C.cy_future_state(DONE_FUTURE[1])).toBe(K.STATE_FAILED);
  expect(C.cy_future_state(DONE_FUTURE[2])).toBe(K.STATE_CANCELLED);
  const sp = M.stackSave();
  const out = M.stackAlloc(4);
  expect(C.cy_js_futures_create(out, 1)).toBe(0);
  const f = heap().u32[out >> 2];
  M.stackRestore(sp);
  expect(C.cy_future_state(f)).toBe(K.STATE_PENDING);
  expect(C.cy_future_set_running(f)).toBe(0);
  expect(C.cy_future_state(f)).toBe(K.STATE_RUNNING);
  expect(C.cy_future_set_running(f)).toBe(K.CY_EINVALSTATE);
  C.cy_future_release(f);
  expect(Object.keys(K.STATES).map((s) => K[`STATE_${s}`])).toEqual(Object.values(K.STATES));
});

test('return conditions decide as their names say', () => {
  // Two slots, the first completed as failed: FIRST_COMPLETED and
  // FIRST_EXCEPTION hold, ALL_COMPLETED does not.
  const poll = (returnWhen) => {
    const ws = waitsetCreate(0, 2, { returnWhen, timeout: -1, polling: null, strategy: 0,
      progressFn: 0, progressArg: 0, miniters: 0 });
    const sp = M.stackSave();
    const idx = M.stackAlloc(4);
    const codes = M.stackAlloc(4);
    heap().u32[idx >> 2] = 0;
    heap().i32[codes >> 2] = 7;
    expect(C.cy_waitset_complete_slots(ws, idx, codes, 1)).toBe(1);
    M.stackRestore(sp);
    const rc = C.cy_waitset_poll(ws);
    C.cy_waitset_free(ws);
    return rc;
  };
  expect(poll(K.FIRST_COMPLETED)).toBe(0);
  expect(poll(K.FIRST_EXCEPTION)).toBe(0);
  expect(poll(K.ALL_COMPLETED)).toBe(K.CY_EAGAIN);
  expect(Object.values(K.RETURN_WHEN)).toEqual([K.ALL_COMPLETED, K.FIRST_COMPLETED, K.FIRST_EXCEPTION]);
  expect(() => poll(Math.max(...Object.values(K.RETURN_WHEN)) + 1)).toThrow(/invalid argument/);
});
