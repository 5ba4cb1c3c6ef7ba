// Process-mode children start with the parent's Node flags (as fork() and
// thread mode do), so `--import`/`--require` preloads and loaders (a .ts task
// module under a tsx-style hook) hold in them; flags a child must not repeat
// (code on the command line, the inspector, profilers' one file, the test
// runner, watch mode) are left out. They used to start with none.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inheritedExecArgv } from '../bindings/modes/exec-argv.js';

const INDEX = new URL('../bindings/index.js', import.meta.url).href;
let dir;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'concurry-execargv-'));
  writeFileSync(join(dir, 'preload.mjs'), 'globalThis.PRELOADED = "yes";\n');
  writeFileSync(join(dir, 'tasks.mjs'), 'export function flags() { return [globalThis.PRELOADED ?? "no", process.execArgv]; }\n');
  // A loader as tsx registers one: .ts files load (as plain JS here).
  writeFileSync(join(dir, 'ts-hook.mjs'), "import { register } from 'node:module';\n" +
    "register('data:text/javascript,' + encodeURIComponent(`export async function load(url, ctx, next) {\n" +
    "  if (url.endsWith('.ts')) { const r = await next(url, { ...ctx, format: 'module' }); return { ...r, format: 'module' }; }\n" +
    '  return next(url, ctx); }`), import.meta.url);\n');
  writeFileSync(join(dir, 'tasks.ts'), 'export function hello(who: string) { return `hello ${who}`; }\n'.replace(': string', ''));
});
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

let n = 0;
/** Runs `script` (ESM, written to a file) under `node ...flags`, returns its stdout's JSON. */
function runNode(flags, script) {
  // A file, not -e: Node refuses to start worker_threads (the core's
  // pthreads among them) under --input-type, which workers inherit.
  const file = join(dir, `main-${++n}.mjs`);
  writeFileSync(file, script);
  const out = execFileSync(process.execPath, [...flags, file], {
    cwd: dir, encoding: 'utf8', timeout: 60000, env: { ...process.env, NODE_OPTIONS: '' },
  });
  return JSON.parse(out.trim().split('\n').pop());
}

test('a preload given with --import runs in process-mode children, as in thread mode', () => {
  const script = `import { createWorker } from ${JSON.stringify(INDEX)};
    const out = {};
    for (const mode of ['thread', 'process']) {
      const w = await createWorker(${JSON.stringify(pathToFileURL(join(dir, 'tasks.mjs')).href)}, { mode, maxWorkers: 1 });
      out[mode] = await w.flags();
      await w.stop();
    }
    console.log(JSON.stringify(out));`;
  const r = runNode(['--import', './preload.mjs', '--stack-size=900'], script);
  expect(r.thread[0]).toBe('yes');
  expect(r.process[0]).toBe('yes');
  expect(r.process[1]).toEqual(['--import', './preload.mjs', '--stack-size=900']);
});

test('a .ts task module loads in process mode under a loader hook', () => {
  const script = `import { createWorker } from ${JSON.stringify(INDEX)};
    const w = await createWorker(${JSON.stringify(pathToFileURL(join(dir, 'tasks.ts')).href)}, { mode: 'process', maxWorkers: 1 });
    console.log(JSON.stringify(await w.hello('ts')));
    await w.stop();`;
  expect(runNode(['--import', './ts-hook.mjs'], script)).toBe('hello ts');
});

test('flags a child must not repeat are left out', () => {
  expect(inheritedExecArgv([
    '--import', './x.mjs', '-e', 'code', '--inspect-brk=9229', '--inspect', '--inspect-port', '9300',
    '--cpu-prof', '--cpu-prof-dir', '/tmp/p', '--heap_prof', '--prof', '--max-old-space-size=100',
    '--input-type=module', '-p', '1+1', '--test', '--test-reporter', 'spec', '--test-only', '--watch',
    '--watch-path', 'src', '-r', 'tsx/cjs', '--require=./r.cjs', '--conditions=dev', '-C', 'dev',
    '--experimental-loader', './l.mjs', '--enable-source-maps',
  ])).toEqual([
    '--import', './x.mjs', '--max-old-space-size=100', '-r', 'tsx/cjs', '--require=./r.cjs',
    '--conditions=dev', '-C', 'dev', '--experimental-loader', './l.mjs', '--enable-source-maps',
  ]);
  expect(inheritedExecArgv([])).toEqual([]);
});

// A parent started from a snapshot passed --snapshot-blob on: every child ran
// the snapshot's main function instead of process-entry.js.
test('flags that run or build something instead of the entry file are left out', () => {
  expect(inheritedExecArgv([
    '--snapshot-blob', 'snap.blob', '--max-old-space-size=64', '--snapshot-blob=other.blob',
    '--build-snapshot', '--build-snapshot-config', 'cfg.json', '--build_snapshot_config=cfg.json',
    '--run', 'build', '--run=test', '--experimental-sea-config', 'sea.json', '--experimental-sea-config=sea.json',
    '--prof-process', '--entry-url', '--snapshot_blob', 'x.blob', '--import', './keep.mjs',
  ])).toEqual(['--max-old-space-size=64', '--import', './keep.mjs']);
});
