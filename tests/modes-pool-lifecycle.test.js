// Pools and the life of the process: idle workers never keep it alive (it
// exits by itself), process-mode children leave when their parent dies,
// and a thread that hits its resourceLimits is replaced.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createWorker, WorkerCrashedError } from '../bindings/index.js';
import { sleep } from './helpers.js';

const SCRIPT = fileURLToPath(new URL('./fixtures/workers/pool-exits.mjs', import.meta.url));
const TASKS = new URL('./fixtures/workers/pool-tasks.mjs', import.meta.url);

/** Runs the fixture; resolves with { code, signal, out, ms } (kills it after `limit` ms). */
function run(args, limit = 10000, onLine = null) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const c = spawn(process.execPath, [SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => {
      out += d;
      if (onLine) onLine(out, c);
    });
    c.stderr.on('data', (d) => { err += d; });
    const timer = setTimeout(() => c.kill('SIGKILL'), limit);
    c.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out, err, ms: Date.now() - t0 });
    });
  });
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.each(['thread', 'process'])('%s pool', (mode) => {
  test('the process exits by itself after using a pool (idle workers are unref\'d)', async () => {
    const r = await run([mode, 'use']);
    expect(r.err).toBe('');
    expect(r.signal).toBe(null);
    expect(r.code).toBe(0);
    expect(r.out).toContain('result 3 7');
    expect(r.ms).toBeLessThan(8000);
  });

  test('the process exits by itself with a pool that was never called', async () => {
    const r = await run([mode, 'idle']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('idle');
  });
});

test('process mode: the children leave when their parent is killed', async () => {
  let pids = null;
  const r = await run(['process', 'hold'], 15000, (out, c) => {
    const m = /children (\d+) (\d+)/.exec(out);
    if (m && !pids) {
      pids = [Number(m[1]), Number(m[2])];
      expect(pids.every(alive)).toBe(true);
      c.kill('SIGKILL');
    }
  });
  expect(r.signal).toBe('SIGKILL');
  expect(pids).not.toBe(null);
  const t0 = Date.now();
  while (pids.some(alive) && Date.now() - t0 < 5000) await sleep(50);
  expect(pids.filter(alive)).toEqual([]);
});

test('thread mode: a worker that hits its resourceLimits fails its running call with WorkerCrashedError and is replaced', async () => {
  const w = await createWorker(TASKS, { mode: 'thread', maxWorkers: 1, resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 } });
  try {
    const queued = w.add(1, 1);
    const f = w.alloc();
    let e = null;
    try { await f; } catch (x) { e = x; }
    expect(e).toBeInstanceOf(WorkerCrashedError);
    expect(e.method).toBe('alloc');
    expect(e.cause && e.cause.code).toBe('ERR_WORKER_OUT_OF_MEMORY');
    expect(await queued).toBe(2);
    expect(await w.add(2, 3)).toBe(5);
    expect(w.stats().crashed).toBe(1);
  } finally {
    await w.stop({ force: true });
  }
});
