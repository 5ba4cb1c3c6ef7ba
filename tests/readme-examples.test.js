// Every fenced JS and C example of README.md, extracted and run (the info
// strings are explained in tests/readme-blocks.js):
// - JS blocks are written, in README order, into one directory inside the
//   repository (build/readme-examples/PID), where `import ... from 'concurry-wasm'`
//   resolves to this checkout through package.json's "exports" (Node's
//   self-reference), and run with node: exit 0 within PER_BLOCK_MS, and
//   every `//=> X` line's X printed (in order), or the test fails with the
//   block's output. `redis` blocks get a fresh
//   redis-server (tests/redis-server.js) in REDIS_URL; `repo-root` blocks
//   run as a dot file in the repository's root (removed after).
// - `browser` and `no-run` blocks, and the module scripts of html blocks, are
//   parsed with `node --check` (browser blocks then run in Chromium in
//   tests/readme-browser.test.js; no-run blocks need what a test cannot have,
//   as the comment above each says).
// - C blocks are compiled with -Wall -Wextra -Werror against the native build
//   (wasm/include, build/native/libconcurry.a) and run; `c wasi` blocks also
//   for wasm32-wasi against the WASI build, run under node:wasi; `c kernel`
//   blocks are linked with a harness that calls the kernel on a
//   cy_kernel_pool as their kernel-check note says.
// Nothing is skipped silently: the last test prints the counts and fails on
// a block of no kind it knows (readme-blocks.js throws at parse time).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readBlocks, moduleScripts, parseKernelCheck, expectedOutput } from './readme-blocks.js';
import { startRedis } from './redis-server.js';

const root = fileURLToPath(new URL('..', import.meta.url));
// One directory per run (two runs at once must not share files), removed after.
const dir = join(root, 'build', 'readme-examples', String(process.pid));
const PER_BLOCK_MS = 60_000; // a loaded 2-core machine: generous, and still a hang is caught

const blocks = readBlocks(join(root, 'README.md'));

/** Runs a command; resolves { code, out } (never rejects; code null on a kill). */
function run(cmd, args, opts = {}) {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: dir, timeout: PER_BLOCK_MS, killSignal: 'SIGKILL', maxBuffer: 16 << 20, ...opts },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        const why = err && err.killed ? `\n(killed after ${opts.timeout ?? PER_BLOCK_MS} ms: it did not exit)` : '';
        resolve({ code, out: `${stdout}${stderr}${why}`, stdout: String(stdout) });
      });
  });
}

const title = (b) => `README.md:${b.line} ${b.lang}${b.flags.length ? ` ${b.flags.join(' ')}` : ''}: ${
  (b.code.split('\n').find((l) => l.trim() && !/^\s*(\/\/|\/\*|#include)/.test(l)) || '').trim().slice(0, 60)}`;

/** Writes the block under its own name or example-LINE.EXT; returns the name. */
function write(b, ext) {
  const name = b.file ?? `example-${b.line}.${ext}`;
  writeFileSync(join(dir, name), b.code);
  return name;
}

const expectOk = (r, what) => {
  if (r.code !== 0) throw new Error(`${what} exited with ${r.code}:\n${r.out}`);
};

/** Each `//=> X` of the block is a line of stdout, in that order (other lines between allowed). */
function expectPrinted(b, stdout) {
  const lines = stdout.split('\n').map((l) => l.trim());
  let at = 0;
  for (const x of expectedOutput(b.code)) {
    const i = lines.indexOf(x.trim(), at);
    if (i < 0) throw new Error(`README.md:${b.line}: expected the line ${JSON.stringify(x)} (after the lines matched before it) in its output:\n${stdout}`);
    at = i + 1;
  }
}

const native = {
  include: join(root, 'wasm', 'include'),
  lib: join(root, 'build', 'native', 'libconcurry.a'),
};
const wasiLib = [
  join(root, 'build', 'wasi', 'libconcurry.a'),
  join(root, 'build', 'lib-wasi', 'libconcurry.a'),
  join(root, 'build', 'install-wasi', 'lib', 'libconcurry.a'),
].find((p) => existsSync(p));
const wasiSysroot = process.env.WASI_SYSROOT || (existsSync('/usr/share/wasi-sysroot/lib') ? '/usr/share/wasi-sysroot' : null);
const cflags = ['-std=c11', '-Wall', '-Wextra', '-Werror'];

async function compileNative(sources, out) {
  if (!existsSync(native.lib)) throw new Error(`${native.lib} is missing: build the native preset (scripts/setup.sh does)`);
  const r = await run('cc', [...cflags, `-I${native.include}`, ...sources, native.lib, '-lm', '-pthread', '-o', out]);
  expectOk(r, `cc ${sources.join(' ')}`);
}

/** A main() that runs kernel `name` once on a 1-thread cy_kernel_pool and checks its value. */
function kernelHarness({ name, f64, args, value }) {
  const decl = (name, xs) => (xs.length ? `  static const double ${name}[] = { ${xs.map((x) => x.toPrecision(17)).join(', ')} };\n` : '');
  return `#include <concurry-kernels.h>
#include <stdio.h>
int main(void) {
${decl('in', f64)}${decl('args', args)}  cy_kernel_pool *pool = cy_kernel_pool_new(1);
  cy_kernel_call *call = NULL;
  int rc = cy_kernel_call_start(&call, pool, "${name}", ${args.length ? 'args' : 'NULL'}, ${args.length},
                                ${f64.length ? 'in' : 'NULL'}, ${f64.length * 8});
  if (rc) { fprintf(stderr, "cy_kernel_call_start(${name}): %s\\n", cy_strerror(rc)); return 1; }
  void *res = NULL;
  rc = cy_future_result(cy_kernel_call_future(call), 10000, &res);
  if (rc) { fprintf(stderr, "${name} failed: %d (%s)\\n", rc, cy_strerror(rc)); return 1; }
  double v = cy_kernel_call_value(call);
  printf("${name} -> %.17g\\n", v);
  cy_kernel_call_release(call);
  cy_kernel_pool_free(pool);
  return v == ${value.toPrecision(17)} ? 0 : 1;
}
`;
}

const counts = { run: 0, redis: 0, 'repo-root': 0, browser: 0, 'no-run': 0, c: 0, 'c-wasi': 0, 'c-kernel': 0, 'c-no-run': 0, html: 0, shell: 0 };
let redis = null;

beforeAll(() => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
});

afterAll(async () => {
  if (redis) await redis.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('README examples', () => {
  for (const b of blocks) {
    counts[b.kind]++;
    if (b.kind === 'shell') continue;
    test(title(b), async () => {
      switch (b.kind) {
        case 'run':
        case 'redis':
        case 'repo-root': {
          const name = write(b, 'mjs');
          const env = { ...process.env };
          delete env.NODE_OPTIONS; // Jest's --experimental-vm-modules is not what a user has
          delete env.CONCURRY_WASM_CORE; // nor a test build of the core
          if (b.kind === 'redis') {
            redis ??= await startRedis();
            env.REDIS_URL = redis.url;
          }
          if (b.kind === 'repo-root') {
            // A dot file of its own in the root, removed at once: `./dist/...` resolves as the README says.
            const file = join(root, `.readme-example-${process.pid}-${b.line}.mjs`);
            writeFileSync(file, b.code);
            try {
              const r = await run(process.execPath, [file], { env, cwd: root });
              expectOk(r, `node ${name} (in the repository's root)`);
              expectPrinted(b, r.stdout);
            } finally {
              rmSync(file, { force: true });
            }
          } else {
            const r = await run(process.execPath, [name], { env });
            expectOk(r, `node ${name}`);
            expectPrinted(b, r.stdout);
          }
          break;
        }
        case 'browser':
        case 'no-run': {
          const name = write(b, 'mjs');
          expectOk(await run(process.execPath, ['--check', name]), `node --check ${name}`);
          break;
        }
        case 'html': {
          const scripts = moduleScripts(b.code);
          for (let i = 0; i < scripts.length; i++) {
            const name = `example-${b.line}-script${i}.mjs`;
            writeFileSync(join(dir, name), scripts[i]);
            expectOk(await run(process.execPath, ['--check', name]), `node --check ${name}`);
          }
          break;
        }
        case 'c':
        case 'c-wasi': {
          const src = write(b, 'c');
          const exe = `example-${b.line}`;
          await compileNative([src], exe);
          const r = await run(`./${exe}`, []);
          expectOk(r, exe);
          expectPrinted(b, r.stdout);
          if (b.kind === 'c-wasi') {
            if (!wasiLib) throw new Error('no WASI build of libconcurry.a: build the wasi preset (npm test does)');
            const wasm = `${exe}.wasm`;
            const r = await run('clang', ['--target=wasm32-wasi', ...(wasiSysroot ? [`--sysroot=${wasiSysroot}`] : []),
              ...cflags, `-I${native.include}`, src, wasiLib, '-lm', '-o', wasm]);
            expectOk(r, `clang --target=wasm32-wasi ${src}`);
            const rw = await run(process.execPath, [join(root, 'scripts', 'wasi-run.mjs'), wasm]);
            expectOk(rw, `wasi-run ${wasm}`);
            expectPrinted(b, rw.stdout);
          }
          break;
        }
        case 'c-kernel': {
          const src = write(b, 'c');
          const harness = `example-${b.line}-harness.c`;
          writeFileSync(join(dir, harness), kernelHarness(parseKernelCheck(/** @type {string} */ (b.note))));
          const exe = `example-${b.line}`;
          await compileNative([src, harness], exe);
          expectOk(await run(`./${exe}`, []), exe);
          break;
        }
        case 'c-no-run': {
          const src = write(b, 'c');
          expectOk(await run('cc', [...cflags, `-I${native.include}`, '-fsyntax-only', src]), `cc -fsyntax-only ${src}`);
          break;
        }
        default:
          throw new Error(`no check for kind ${b.kind}`);
      }
    }, PER_BLOCK_MS * 3);
  }

  test('counts: every block is of a kind the test checks, none skipped silently', () => {
    const total = blocks.length;
    const ran = counts.run + counts.redis + counts['repo-root'] + counts.c + counts['c-wasi'] + counts['c-kernel'];
    const parsed = counts.browser + counts['no-run'] + counts['c-no-run'] + counts.html;
    // eslint-disable-next-line no-console
    console.log(`README blocks: ${total} extracted; ${ran} run (js ${counts.run}, js redis ${counts.redis}, js repo-root ${counts['repo-root']}, ` +
      `c ${counts.c}, c wasi ${counts['c-wasi']}, c kernel ${counts['c-kernel']}); ${parsed} parsed only ` +
      `(js browser ${counts.browser}, js no-run ${counts['no-run']}, c no-run ${counts['c-no-run']}, html ${counts.html}); ` +
      `${counts.shell} shell/text, not run`);
    expect(ran + parsed + counts.shell).toBe(total);
    expect(ran).toBeGreaterThan(0);
  });
});
