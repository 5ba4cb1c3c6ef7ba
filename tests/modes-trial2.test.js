// Bugs a second new-user trial of the worker modes found (issue 7), one test
// (or group) each; the exit-code cases run in a process of their own.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createWorker } from '../bindings/index.js';

const TASKS = new URL('./fixtures/workers/trial2-tasks.mjs', import.meta.url);
const AFTER_DEATH = fileURLToPath(new URL('./fixtures/after-death-run.mjs', import.meta.url));

const open = [];
async function make(mode, options = {}) {
  const w = await createWorker(mode === 'c' ? 'builtin' : TASKS, { mode, maxWorkers: 1, ...options });
  open.push(w);
  return w;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((w) => w.stop({ force: true }).catch(() => {})));
});

function runScript(file, ...args) {
  return new Promise((resolve) => {
    execFile(process.execPath, [file, ...args], { timeout: 30000 }, (err, stdout, stderr) => {
      resolve({ code: err ? err.code : 0, stdout, stderr });
    });
  });
}

describe('a call made right after a worker died runs on its replacement and keeps Node alive meanwhile (exit code 13 before)', () => {
  test.each([
    ['thread', 2, 'crash'], ['thread', 1, 'crash'], ['process', 2, 'crash'], ['process', 1, 'crash'],
    ['thread', 1, 'oom'], ['thread', 1, 'timeout'], ['process', 1, 'timeout'],
  ])('%s, maxWorkers %d, %s', async (mode, n, how) => {
    const r = await runScript(AFTER_DEATH, mode, String(n), how);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`first ${how === 'timeout' ? 'TimeoutError' : 'WorkerCrashedError'}\nnext 3\nstopped\n`);
    expect(r.code).toBe(0);
  }, 40000);
});
