// cancel() of a call handed to a busy worker and not started: the call must
// never run (DESIGN.md: a queued call is removed). It ran: the worker read
// its messages in order and ran calls inside each 'run' message's handler,
// so a 'cancel' waiting behind a few 'run' messages came after their calls,
// the cancelled one among them. Now a thread with claim cells cannot start
// it (cancel() takes its cell), and every worker runs its calls in a task
// of their own, after the messages already waiting (runtime.js).
import { jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cancelHanded } from './fixtures/pool-balance-run.mjs';

jest.setTimeout(60000);

const script = fileURLToPath(new URL('./fixtures/pool-balance-run.mjs', import.meta.url));
const expected = { cancel: true, cancelled: true, ran: [0, 1, 2, 3, 4] };

test.each(['thread', 'process'])('%s mode: a call cancelled while handed and not started never runs', async (mode) => {
  expect(await cancelHanded(mode)).toEqual(expected);
});

test('thread mode without SharedArrayBuffer (no claim cells): the same, by the cancel message read first', () => {
  const { CONCURRY_WASM_CORE, ...env } = process.env;
  void CONCURRY_WASM_CORE;
  const out = execFileSync(process.execPath, ['--no-harmony-sharedarraybuffer', script, 'thread', 'cancel'], { env, encoding: 'utf8', timeout: 50000 });
  expect(JSON.parse(out.trim().split('\n').pop())).toEqual(expected);
});
