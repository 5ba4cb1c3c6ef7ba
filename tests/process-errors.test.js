// The package installs no process-wide handlers: an error in the user's code
// is reported by Node as Node reports it (no line of the generated
// dist/concurry-core.js, exit code 1), a user's own 'uncaughtException' or
// 'unhandledRejection' handler keeps the process alive, and Node's
// --unhandled-rejections mode is honoured. Each case runs in a child process.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./fixtures/process-errors.mjs', import.meta.url));

function run(mode, nodeArgs = []) {
  const r = spawnSync(process.execPath, [...nodeArgs, script, mode], { encoding: 'utf8', timeout: 20000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('importing the package adds no uncaughtException/unhandledRejection listener', () => {
  const r = run('none');
  expect(r.out).toContain('listeners 0 0');
  expect(r.code).toBe(0);
});

test('an uncaught error in user code prints as Node prints it, exit code 1', () => {
  const r = run('throw');
  expect(r.code).toBe(1);
  expect(r.err).toMatch(/TypeError: Cannot read properties of null \(reading 'boom'\)/);
  expect(r.err).toMatch(/process-errors\.mjs:\d+/);
  expect(r.err).not.toMatch(/concurry-core/);
  expect(r.err.length).toBeLessThan(2000);
});

test("a user's uncaughtException handler keeps the process alive", () => {
  const r = run('user-uncaught');
  expect(r.out).toContain('caught mine');
  expect(r.out).toContain('still alive');
  expect(r.code).toBe(0);
});

test("a user's unhandledRejection handler keeps the process alive", () => {
  const r = run('user-rejection');
  expect(r.out).toContain('caught mine');
  expect(r.out).toContain('still alive');
  expect(r.code).toBe(0);
});

test('--unhandled-rejections=warn is honoured; the default mode still exits with 1', () => {
  const warn = run('reject', ['--unhandled-rejections=warn']);
  expect(warn.out).toContain('still alive');
  expect(warn.err).toContain('mine');
  expect(warn.code).toBe(0);
  const strict = run('reject');
  expect(strict.out).not.toContain('still alive');
  expect(strict.err).not.toMatch(/concurry-core/);
  expect(strict.code).toBe(1);
});
