// An engine without Atomics.waitAsync (Firefox; Safari before 16.4), in a
// child process whose fixture removes it before the package loads: C futures
// completing on pthreads are then polled, paced by a strategy.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./fixtures/fallback-run.mjs', import.meta.url));

function run(env) {
  const stdout = execFileSync(process.execPath, [script], {
    env: { ...process.env, ...env }, encoding: 'utf8', timeout: 20000,
  });
  return JSON.parse(stdout.trim().split('\n').pop());
}

const expected = {
  cResults: [1, 2, 3, 4],
  firstCompleted: [1, 1],
  object: { a: 'a', b: 2 },
  rejected: true,
  returnExceptions: ['err', 5],
};

describe('fallback: without Atomics.waitAsync', () => {
  const env = { FIXTURE_NO_WAITASYNC: '1', CONCURRY_WASM_CORE: 'test' };
  test('C futures, promises, shapes, timeouts and failures behave the same', () => {
    const r = run(env);
    expect(r).toMatchObject(expected);
    expect(r.timeout).toMatch(/1 of 2 completed/);
    expect(r.cElapsed).toBeGreaterThanOrEqual(15);
  });
});
