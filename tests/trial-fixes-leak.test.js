// Heap held by a finished wait or a closed iterator over inputs that never
// settle (issue 6): measured with --expose-gc in a child process, with a
// generous bound so that it is not flaky.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./fixtures/trial-fixes-run.mjs', import.meta.url));

function run(mode, nodeArgs = []) {
  const r = spawnSync(process.execPath, [...nodeArgs, script, mode], { encoding: 'utf8', timeout: 60000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('gather with a timeout over a promise that never settles holds < 1.5 KB per call once finished (was ~4 KB: the whole gather)', () => {
  const r = run('leak-timeout', ['--expose-gc']);
  expect(r.code).toBe(0);
  const per = Number(/bytes (-?\d+)/.exec(r.out)[1]);
  expect(per).toBeLessThan(1536);
}, 60000);

test('a closed iterator over pending inputs holds < 0.5 KB once the microtask queue drained', () => {
  const r = run('leak-iter', ['--expose-gc']);
  expect(r.code).toBe(0);
  const per = Number(/bytes (-?\d+)/.exec(r.out)[1]);
  expect(per).toBeLessThan(512);
}, 60000);

test('closed iterators hold < 1 KB each while one microtask checkpoint runs on (was ~2.3 KB)', () => {
  const r = run('leak-iter-job', ['--expose-gc']);
  expect(r.code).toBe(0);
  const per = Number(/bytes (-?\d+)/.exec(r.out)[1]);
  expect(per).toBeLessThan(1024);
}, 60000);
