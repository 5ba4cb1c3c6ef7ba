// The child of a process pool (bindings/modes/process-entry.js), driven
// directly over its IPC channel: a parent that disconnects while the child
// still answers (a 'reclaim' it sent just before stop() found the pool idle)
// leaves a child that exits quietly. Before, the failed send (EPIPE) was an
// 'error' event nothing handled: the child died (exit code 1) printing a
// stack trace on the parent's stderr, about 8 times in 10.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('../bindings/modes/process-entry.js', import.meta.url));
const TASKS = new URL('./fixtures/workers/views-tasks.mjs', import.meta.url).href;

async function disconnectWhileAnswering() {
  const c = fork(ENTRY, [], { serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc', 'pipe'], execArgv: [] });
  let stderr = '';
  c.stderr.setEncoding('utf8');
  c.stderr.on('data', (d) => { stderr += d; });
  c.stdio[4].resume();
  const exit = new Promise((resolve) => c.once('exit', (code, signal) => resolve([code, signal])));
  const stderrRead = new Promise((resolve) => c.stderr.once('close', resolve));
  c.send(['init', TASKS]);
  const first = await new Promise((resolve) => c.once('message', resolve));
  expect(first).toEqual(['ready']);
  c.send(['reclaim', 1]); // answered at once, with nothing to give back
  c.disconnect();
  const [code, signal] = await exit;
  await stderrRead;
  return { code, signal, stderr };
}

test('a child whose parent disconnects while it answers exits 0, printing nothing', async () => {
  for (let i = 0; i < 6; i++) {
    expect(await disconnectWhileAnswering()).toEqual({ code: 0, signal: null, stderr: '' });
  }
}, 30000);
