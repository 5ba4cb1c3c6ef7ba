// Fixes for what a new-user trial found around futures, wait and gather
// (issue 6): heap held by finished waits over inputs that never settle, the
// final progress report of a call whose signal had already aborted, async
// progress and done callbacks that reject, ProbeFuture answers outside its
// contract.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gather, wait, ProbeFuture } from '../bindings/index.js';

const script = fileURLToPath(new URL('./fixtures/trial-fixes-run.mjs', import.meta.url));

function run(mode, nodeArgs = []) {
  const r = spawnSync(process.execPath, [...nodeArgs, script, mode], { encoding: 'utf8', timeout: 60000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('a rejecting async progress callback rejects the call; an async done callback is reported, never unhandled', () => {
  const r = run('async-progress');
  expect(r.err).toContain('exception in a done callback');
  expect(r.err).not.toMatch(/UnhandledPromiseRejection|triggerUncaughtException/);
  expect(r.out).toContain('gather: async gather');
  expect(r.out).toContain('wait: async wait');
  expect(r.out).toContain('iter: async iter');
  expect(r.out).toContain('alive');
  expect(r.code).toBe(0);
}, 30000);

describe('a signal aborted at the call still gets the final progress report', () => {
  const pending = () => new Promise(() => {});
  test.each([
    ['gather', (o) => gather([1, pending()], o)],
    ['wait', (o) => wait([1, pending()], o)],
    ['iter', (o) => gather([1, pending()], { ...o, iter: true }).next()],
  ])('%s', async (_name, call) => {
    const reps = [];
    const reason = new Error('stop');
    await expect(call({ signal: AbortSignal.abort(reason), progress: (p) => reps.push(p) })).rejects.toBe(reason);
    expect(reps).toHaveLength(1);
    expect(reps[0]).toMatchObject({ completed: 1, failed: 0, total: 2, final: true });
  });

  test('a final report that throws rejects with its error', async () => {
    const boom = new Error('final');
    await expect(gather([1], { signal: AbortSignal.abort(), progress: () => { throw boom; } })).rejects.toBe(boom);
  });
});

describe('ProbeFuture answers outside { value } / { error } fail the future', () => {
  test.each([[42], [true], ['done'], [{}], [[1]]])('%p', async (answer) => {
    const f = new ProbeFuture(() => answer);
    await expect(gather([f])).rejects.toThrow(/ProbeFuture: the probe must return a falsy value while the work is pending, then \{ value \}/);
  });

  test('{ value: undefined } and { error } keep their meaning', async () => {
    await expect(gather([new ProbeFuture(() => ({ value: undefined }))])).resolves.toEqual([undefined]);
    const e = new Error('x');
    await expect(gather([new ProbeFuture(() => ({ error: e }))])).rejects.toBe(e);
  });
});

test('one door: only waitset.js (and core.js, which makes the waitset) call the core\'s waitset functions', () => {
  const dir = fileURLToPath(new URL('../bindings/', import.meta.url));
  const files = [];
  const walk = (d, rel) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(`${d}${e.name}/`, `${rel}${e.name}/`);
      else if (e.name.endsWith('.js')) files.push(`${rel}${e.name}`);
    }
  };
  walk(dir, '');
  expect(files).toContain('sync-wait.js');
  const offenders = files.filter((f) => f !== 'waitset.js' && f !== 'core.js' &&
    /\bC\.cy_(js_)?waitset_|\bcy_(js_)?waitset_\w+\s*\(/.test(readFileSync(dir + f, 'utf8')));
  expect(offenders).toEqual([]);
});
