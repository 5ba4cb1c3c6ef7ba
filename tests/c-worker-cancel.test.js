// Mode 'c' on the single-threaded core (a page without cross-origin
// isolation; here Node with CONCURRY_WASM_CORE=st): a cancelled or timed-out
// kernel cannot be reached (no shared memory), so its worker is ended at once
// and replaced, not after cancelGraceMs (default 1000 ms): the first time by
// a new worker (the time it takes to load the core), then by the spare that
// first stop started. The browser run checks the same in its no-isolation
// page (tests/browser).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./fixtures/c-worker-cancel-run.mjs', import.meta.url));

test('single-threaded core: a cancelled or timed-out kernel frees its worker at once', () => {
  const r = JSON.parse(execFileSync(process.execPath, [script], {
    env: { ...process.env, CONCURRY_WASM_CORE: 'st' }, encoding: 'utf8', timeout: 30000,
  }).trim().split('\n').pop());
  expect(r.timeoutError).toBe('TimeoutError');
  expect(r.next).toBe(5);
  // Waiting out the grace took >= 1000 ms. The first stop loads a new worker
  // (well under 700 ms even on a loaded machine); later ones find the spare
  // it started, loaded.
  expect(r.firstCancelMs).toBeLessThan(700);
  expect(r.timeoutNextMs).toBeLessThan(100);
  expect(r.cancelMs).toBeLessThan(100);
  expect(r.stats).toMatchObject({ crashed: 0, running: 0, queued: 0, workers: 1, completed: 3, failed: 3 });
});
