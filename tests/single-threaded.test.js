// The single-threaded core (dist/concurry-core-st.*): what a browser page that
// is not cross-origin isolated gets. Run in child processes: with
// CONCURRY_WASM_CORE=st, and under `node --no-harmony-sharedarraybuffer`
// (SharedArrayBuffer missing altogether, which before selected nothing and
// failed at the first thread-mode call). The same API: Promise and
// thread-mode gathers (completion by message), wait, timeouts, cancel, errors
// across the boundary, C kernels (on workers of their own: the core has no
// pthreads; in parallel, off the calling thread, timeout/cancel/errors), and
// waitSync/gatherSync refused with a TypeError that says why.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./fixtures/single-threaded-run.mjs', import.meta.url));

function run(args, env) {
  const { CONCURRY_WASM_CORE, ...rest } = process.env;
  const stdout = execFileSync(process.execPath, [...args, script], {
    env: { ...rest, ...env }, encoding: 'utf8', timeout: 20000,
  });
  return JSON.parse(stdout.trim().split('\n').pop());
}

const same = {
  coreThreads: 0,
  sharedMemory: false,
  promises: [1, 2, 3],
  object: { a: 'a', b: 2 },
  firstCompleted: [1, 1],
  threadGather: Array.from({ length: 20 }, (_, i) => 2 * i),
  threadUuid: 'thread-future-',
  threadIter: [[1, 'fast'], [0, 'slow']],
  threadError: { name: 'CustomError', message: 'bad', code: 42, cause: 'inner cause' },
  threadCancel: [true, true],
  threadFirstCompleted: [1, 1],
  cUuid: 'c-future-',
  cGather: [1229, 3],
  cMandelbrot: ['Uint8Array', 64, 3566],
  cOffThread: [7, true, true],
  cParallel: true,
  cTimeout: 'TimeoutError',
  cCancel: [true, true, true, false],
  cAfter: [4, 6, 8],
  cError: ['CoreError', -1, 'CY_EINVAL'],
  cWhenIdle: 'idle',
  cStop: 'stopped',
  cArgs: [6, 7],
};

function checkCommon(r, why) {
  expect(r).toMatchObject(same);
  expect(r.timeout).toMatch(/1 of 2 completed/);
  for (const k of ['gatherSync', 'waitSync']) {
    expect(r[k]).toMatchObject({ name: 'TypeError' });
    expect(r[k].message).toContain(`${k}(): cannot block: the single-threaded core is loaded because ${why}`);
  }
}

describe('single-threaded core', () => {
  test('CONCURRY_WASM_CORE=st: the same API over the core without threads', () => {
    const r = run([], { CONCURRY_WASM_CORE: 'st' });
    expect(r.singleThreaded).toBe('CONCURRY_WASM_CORE=st selects it');
    checkCommon(r, 'CONCURRY_WASM_CORE=st selects it');
  });

  test('no SharedArrayBuffer at all (as in a page without COOP/COEP): chosen by itself', () => {
    const r = run(['--no-harmony-sharedarraybuffer'], {});
    expect(r.sab).toBe('undefined');
    expect(r.singleThreaded).toMatch(/^SharedArrayBuffer is not available here .*Cross-Origin-Opener-Policy: same-origin.*Cross-Origin-Embedder-Policy: require-corp/);
    checkCommon(r, 'SharedArrayBuffer is not available here');
  });

  test('with SharedArrayBuffer the -pthread core is loaded, as before', () => {
    const r = run([], {});
    expect(r.singleThreaded).toBe(null);
    expect(r.coreThreads).toBe(1);
    expect(r.sharedMemory).toBe(true);
    expect(r.threadGather).toEqual(same.threadGather);
    expect(r.gatherSync).toBe(null);
    // The C kernels' results, errors, timing and cancel are the same on the pthread pool.
    for (const k of Object.keys(same).filter((key) => /^c[A-Z]/.test(key))) expect([k, r[k]]).toEqual([k, same[k]]);
  });
});
