// cancel() of a call handed to a worker and not started, while the call
// before it runs a short synchronous loop: the cancelled call must never run.
// A process (and a thread without SharedArrayBuffer: no claim cells) read
// their messages only between slices of 8 ms of calls, so a call cancelled
// while a shorter one ran started right after it, its 'cancel' unread
// (22-27 of 40 ran). Now they read them between calls (runtime.js pump). A
// thread with claim cells never ran it: cancel() takes its cell first.
import { jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cancelRace } from './fixtures/cancel-race-run.mjs';

jest.setTimeout(120000);

const script = fileURLToPath(new URL('./fixtures/cancel-race-run.mjs', import.meta.url));
const N = 40;

test.each(['thread', 'process'])('%s mode: a handed call cancelled while the one before it runs never runs', async (mode) => {
  const r = await cancelRace(mode, N);
  expect(r).toEqual({ n: N, cancelled: N, flagSeen: N, ran: [] });
});

test('thread mode without SharedArrayBuffer (no claim cells): the same', () => {
  const { CONCURRY_WASM_CORE, ...env } = process.env;
  void CONCURRY_WASM_CORE;
  const out = execFileSync(process.execPath, ['--no-harmony-sharedarraybuffer', script, 'thread', String(N)], { env, encoding: 'utf8', timeout: 100000 });
  expect(JSON.parse(out.trim().split('\n').pop())).toEqual({ n: N, cancelled: N, flagSeen: N, ran: [] });
});
