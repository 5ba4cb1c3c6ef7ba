// One AbortSignal shared by many calls (one AbortController for a whole
// batch, as p-map and piscina users do): the signal carries ONE 'abort'
// listener however many calls wait on it (bindings/modes/abort-fanout.js).
// Before, each call added its own, and the 11th printed
// "MaxListenersExceededWarning: Possible EventTarget memory leak detected.
// 11 abort listeners added to [AbortSignal]" (thread, process, c, sync and
// asyncio modes alike). The modes run in a child process, where Node's
// process warnings can be watched; remote mode is not covered here.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { getEventListeners } from 'node:events';
import { createAbortFanout } from '../bindings/modes/abort-fanout.js';
import { startRedis } from './redis-server.js';

const script = fileURLToPath(new URL('./fixtures/abort-fanout-run.mjs', import.meta.url));
const CALLS = 100_000; // per mode: half in batches of 100, half one at a time
const listeners = (s) => getEventListeners(s, 'abort').length;

function run(modes, env = {}) {
  const base = { ...process.env };
  delete base.CONCURRY_WASM_CORE;
  // The child must end by itself (a signal's listener or the fan-out holding
  // it alive would show as this timeout).
  const text = execFileSync(process.execPath, [script, modes, String(CALLS)], {
    env: { ...base, ...env }, encoding: 'utf8', timeout: 120_000,
  });
  return JSON.parse(text.trim().split('\n').pop());
}

const inOrder = Array.from({ length: 50 }, (_, i) => i);
const expectShared = (r) => {
  expect(r.pendingListeners).toBe(1);   // 50 before
  expect(r.pendingEntries).toBe(50);
  expect(r.cancelled).toBe(50);         // one abort cancels every pending call...
  expect(r.order).toEqual(inOrder);     // ...in the order they were made
  expect(r.listenersAfterAbort).toBe(0);
  expect(r.sum).toBe((CALLS / 200) * 5050 + (CALLS / 2) * (CALLS / 2 + 1) / 2);
  expect(r.mostListeners).toBeLessThanOrEqual(1); // 100 (158 in mode c) before
  expect(r.listenersAfter).toBe(0);     // settled calls took themselves off
  expect(r.entriesAfter).toBe(0);
};

test('sync, asyncio, thread, process and c modes: one listener per shared signal, no MaxListenersExceededWarning', () => {
  const out = run('sync,asyncio,thread,process,c');
  expect(out.warnings).toEqual([]);
  expect(Object.keys(out.modes)).toEqual(['sync', 'asyncio', 'thread', 'process', 'c']);
  for (const mode of Object.keys(out.modes)) expectShared(out.modes[mode]);
}, 150_000);

test('mode c on the single-threaded core (kernel workers, c-worker.js): one listener per shared signal', () => {
  const out = run('c', { CONCURRY_WASM_CORE: 'st' });
  expect(out.warnings).toEqual([]);
  expectShared(out.modes.c);
}, 150_000);

describe('createAbortFanout()', () => {
  test('one listener per signal; it leaves when the last entry is removed, and comes back with the next', () => {
    const fo = createAbortFanout();
    const ac = new AbortController();
    const es = Array.from({ length: 1000 }, () => fo.add(ac.signal, () => { throw new Error('not aborted'); }));
    expect(listeners(ac.signal)).toBe(1);
    expect(fo.size(ac.signal)).toBe(1000);
    for (const e of es) fo.remove(e);
    fo.remove(es[0]); // idempotent
    fo.remove(null);
    expect(listeners(ac.signal)).toBe(0);
    expect(fo.size(ac.signal)).toBe(0);
    let ran = 0;
    fo.add(ac.signal, () => { ran++; });
    expect(listeners(ac.signal)).toBe(1);
    ac.abort();
    expect(ran).toBe(1);
    expect(listeners(ac.signal)).toBe(0);
  });

  test('abort runs the entries in the order they were added, skipping ones removed meanwhile; each runs once', () => {
    const fo = createAbortFanout();
    const ac = new AbortController();
    const ran = [];
    const es = [];
    for (let i = 0; i < 6; i++) {
      es.push(fo.add(ac.signal, () => {
        ran.push(i);
        fo.remove(es[i]);                 // a call settling itself: no-op by now
        if (i === 1) fo.remove(es[3]);    // cancelling 1 settled 3
      }));
    }
    fo.remove(es[5]);
    ac.abort();
    expect(ran).toEqual([0, 1, 2, 4]);
    expect(fo.size(ac.signal)).toBe(0);
    expect(listeners(ac.signal)).toBe(0);
  });

  test('separate signals keep separate groups; a throwing entry does not spare the ones after it', () => {
    const fo = createAbortFanout();
    // A signal whose one listener the test calls itself: the listener's throw
    // is seen here (a real signal reports it as an uncaught exception).
    const held = [];
    const a = { addEventListener: (type, fn) => held.push(fn), removeEventListener: () => {} };
    const b = new AbortController();
    const ran = [];
    fo.add(a, () => ran.push('a0'));
    fo.add(b.signal, () => ran.push('b0'));
    fo.add(a, () => { ran.push('a1'); throw new Error('boom'); });
    fo.add(a, () => ran.push('a2'));
    expect(held.length).toBe(1);
    expect(() => held[0]()).toThrow('boom');
    expect(ran).toEqual(['a0', 'a1', 'a2']);
    expect(fo.size(a)).toBe(0);
    expect(fo.size(b.signal)).toBe(1);
    expect(listeners(b.signal)).toBe(1);
  });
});

test('remote mode: one listener per shared signal, no MaxListenersExceededWarning', async () => {
  const redis = await startRedis();
  try {
    const base = { ...process.env };
    delete base.CONCURRY_WASM_CORE;
    const text = execFileSync(process.execPath, [script, 'remote', '4000'], {
      env: { ...base, AFO_REDIS: redis.url }, encoding: 'utf8', timeout: 120_000,
    });
    const out = JSON.parse(text.trim().split('\n').pop());
    expect(out.warnings).toEqual([]);
    const r = out.modes.remote;
    expect([r.pendingListeners, r.pendingEntries, r.cancelled, r.listenersAfterAbort]).toEqual([1, 50, 50, 0]);
    expect(r.order).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect([r.mostListeners, r.listenersAfter, r.entriesAfter]).toEqual([1, 0, 0]);
  } finally { await redis.stop(); }
}, 150_000);
