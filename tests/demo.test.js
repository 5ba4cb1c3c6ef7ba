/*
 * npm run demo's Node program (demo/main.mjs), run as a child process with
 * pipes (not a terminal) on the small workload: it exits 0 by itself, prints
 * the summary table, bars only as plain lines on stderr, and nothing else
 * (no warnings, no escape sequences, no stray lines).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../demo/main.mjs', import.meta.url));

function run(args) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - t0 }));
  });
}

const MODES = ['sync', 'thread', 'process', 'c'];
const NUM = '\\d[\\d,]*';

/** Every line the demo may print on stdout, in order of appearance. */
const STDOUT_LINES = [
  new RegExp(`^concurry-wasm demo: ${NUM} tasks \\(${NUM} Mandelbrot tiles of a \\d+x\\d+ image, ${NUM} prime counts up to ${NUM}\\) per mode$`),
  /^\d+ cores; pools of \d+ workers; bars on stderr as plain lines \(not a terminal\)$/,
  /^workers ready in [\d.]+ m?s$/,
  /^$/,
  /^[1-4]\/4 (sync|thread|process|c): .+$/,
  new RegExp(`^results: identical in all 4 modes \\(${NUM} tiles byte for byte; ${NUM} primes below ${NUM}\\)$`),
  /^race: the same request to the thread, process and C pools; wait FIRST_COMPLETED, cancel the losers$/,
  /^ {2}(primes|tile) \S+ +(thread|process|c)(, (thread|process|c))* first in [\d.]+ m?s \(same result as sync\); cancelled: .+$/,
  /^timeout and cancel$/,
  /^ {2}(thread|C) spin\(60 s\) with timeout 250 ms +-> TimeoutError after [\d.]+ m?s$/,
  /^ {2}process spin\(60 s\), cancel\(\) at 200 ms -> CancelledError after [\d.]+ m?s, cancelled\(\) = true$/,
  /^[ .:\-=+*#%@]*$/, // the image as text
  /^mode +tasks +wall time +speed-up +on$/,
  /^[- ]+$/,
  /^(sync|thread|process|c) +\d+ +[\d.]+ s +[\d.]+x +.+$/,
  /^done in [\d.]+ m?s$/,
];

const BAR_LINE = /^(sync|thread|process|c) (tasks|rows|numbers): +\d+% \d+\/\d+ \[\d\d:\d\d<(\d\d:\d\d|\?), [^\]]+\]( done)?$/;

describe('npm run demo (demo/main.mjs --quick), not on a terminal', () => {
  let r;
  beforeAll(async () => { r = await run(['--quick']); }, 120000);

  test('exits 0 by itself', () => {
    expect(r.signal).toBeNull();
    if (r.code !== 0) throw new Error(`exit ${r.code}\n${r.stderr}`);
    expect(r.ms).toBeLessThan(60000);
  });

  test('the summary table: a row per mode, sync at 1.00x', () => {
    const lines = r.stdout.split('\n');
    const head = lines.findIndex((l) => /^mode +tasks +wall time +speed-up/.test(l));
    expect(head).toBeGreaterThan(0);
    const rows = lines.slice(head + 2, head + 6).map((l) => l.split(/ {2,}/));
    expect(rows.map((c) => c[0])).toEqual(MODES);
    for (const c of rows) {
      expect(Number(c[1])).toBe(6);
      expect(Number(c[2].replace(' s', ''))).toBeGreaterThan(0);
    }
    expect(rows[0][3]).toBe('1.00x');
    expect(r.stdout).toMatch(/^results: identical in all 4 modes/m);
  });

  test('stdout: only the lines the demo prints, in its order', () => {
    const lines = r.stdout.replace(/\n$/, '').split('\n');
    for (const line of lines) {
      if (!STDOUT_LINES.some((re) => re.test(line))) throw new Error(`unexpected stdout line: ${JSON.stringify(line)}\n${r.stdout}`);
    }
    const at = (re) => lines.findIndex((l) => re.test(l));
    const order = [/^concurry-wasm demo:/, /^workers ready/, /^1\/4 sync: /, /^2\/4 thread: /, /^3\/4 process: /, /^4\/4 c: /,
      /^results: /, /^race: /, /^timeout and cancel$/, /^mode +tasks/, /^done in /].map(at);
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(r.stdout.match(/^ {2}(primes|tile) /gm)).toHaveLength(2);
    expect(r.stdout.match(/-> TimeoutError/g)).toHaveLength(2);
    expect(r.stdout.match(/-> CancelledError/g)).toHaveLength(1);
  });

  test('stderr: plain bar lines only, each bar ending in its final state', () => {
    expect(r.stdout + r.stderr).not.toMatch(/\x1b/);
    const lines = r.stderr.replace(/\n$/, '').split('\n');
    for (const line of lines) if (!BAR_LINE.test(line)) throw new Error(`stray stderr line: ${JSON.stringify(line)}\n${r.stderr}`);
    for (const mode of MODES) expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${mode} tasks: 100% 6/6 .* done$`)));
    for (const mode of ['sync', 'thread', 'process']) {
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${mode} rows: 100% (\\d+)/\\1 .* done$`)));
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${mode} numbers: 100% (\\d+)/\\1 .* done$`)));
    }
  });

  test('bad arguments: exit 2 with a message', async () => {
    const bad = await run(['--bogus']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown argument --bogus/);
  });
});

describe("the demo's mandelbrot task (demo/tasks.mjs on demo/mandelbrot-kernel.mjs, which the web demo shares)", () => {
  const TASKS = new URL('../demo/tasks.mjs', import.meta.url).href;
  const args = [30, 40, -2, -1.5, 1, 1.5, 50];

  test("in a thread worker: progress every 16 rows and at the last, and the C kernel's bytes", async () => {
    const { createWorker } = await import('../bindings/index.js');
    const w = await createWorker(TASKS, { mode: 'thread', maxWorkers: 1 });
    const c = await createWorker('builtin', { mode: 'c', maxWorkers: 1 });
    try {
      const seen = [];
      const px = await w.callWith({ onProgress: (n) => seen.push(n) }, 'mandelbrot', ...args);
      expect(seen).toEqual([16, 32, 40]);
      expect(Buffer.from(px).equals(Buffer.from(await c.mandelbrot(...args)))).toBe(true);
    } finally {
      await Promise.all([w.stop({ force: true }), c.stop({ force: true })]);
    }
  }, 30000);

  test('the kernel calls onRow before each row and after the last; a throw there ends the tile', async () => {
    const { mandelbrotTile } = await import('../demo/mandelbrot-kernel.mjs');
    const rows = [];
    const px = mandelbrotTile(...args, (n) => rows.push(n));
    expect(rows).toEqual(Array.from({ length: 41 }, (_, i) => i));
    expect(Buffer.from(px).equals(Buffer.from(mandelbrotTile(...args)))).toBe(true);
    const stop = new Error('stop');
    const before = [];
    expect(() => mandelbrotTile(...args, (n) => { before.push(n); if (n === 3) throw stop; })).toThrow(stop);
    expect(before).toEqual([0, 1, 2, 3]);
  });
});
