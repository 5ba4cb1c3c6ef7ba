// cy_executor_free called from the JS main thread of the Emscripten build
// does not join threads whose Web Workers have not started (they need this
// very thread to start; they finish the queue and exit on their own): before,
// `cy_executor_free(cy_executor_new(4))` hung the process, and so did
// tests/fixtures/fallback-run.mjs whenever a worker loaded slowly.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./fixtures/executor-free-run.mjs', import.meta.url));

test('cy_executor_free on the JS thread neither hangs nor drops queued tasks, and the process exits', () => {
  const stdout = execFileSync(process.execPath, [script], {
    env: { ...process.env, CONCURRY_WASM_CORE: 'test' }, encoding: 'utf8', timeout: 20000,
  });
  const r = JSON.parse(stdout.trim().split('\n').pop());
  expect(r.results).toEqual([1, 2, 3, 4, 5]);
  // How long each free took depends on how many workers had started (those
  // are joined, after the queue drains); that it returned at all is the point.
  expect(typeof r.freeEmptyMs).toBe('number');
  expect(typeof r.freeBusyMs).toBe('number');
});
