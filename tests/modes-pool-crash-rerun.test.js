// A crash must not run again the calls that already ran on the dying worker
// (DESIGN.md, "Crashes"): calls before the crashing one in the same batch
// had finished, their outcomes not yet sent. Each must have run exactly once
// and its future succeed, or fail with WorkerCrashedError; never run twice.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWorker, WorkerCrashedError } from '../bindings/index.js';

const FIXTURE = new URL('./fixtures/workers/crash-log.mjs', import.meta.url);
const workers = [];
let dir;

beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'cy-crash-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => { await Promise.all(workers.splice(0).map((w) => w.stop({ force: true }))); });

async function outcomes(fs) {
  return Promise.all(fs.map((f) => Promise.resolve(f).then((v) => ({ ok: true, v }), (e) => ({ ok: false, e }))));
}

function runs(file) {
  let text = '';
  try { text = readFileSync(file, 'utf8'); } catch { /* nothing ran */ }
  const n = new Map();
  for (const line of text.split('\n')) if (line) n.set(Number(line), (n.get(Number(line)) || 0) + 1);
  return n;
}

describe.each(['thread', 'process'])('%s pool', (mode) => {
  test.each([['exit', 5], ['hardExit', 6]])('calls before a crashing call (%s) in one batch run once', async (how, arg) => {
    const w = await createWorker(FIXTURE, { mode, maxWorkers: 1 });
    workers.push(w);
    // Quick calls first, so the worker is given a pipeline of them.
    const warm = join(dir, `${mode}-${how}-warm`);
    await Promise.all(Array.from({ length: 40 }, (_, i) => w.note(warm, i)));
    const file = join(dir, `${mode}-${how}`);
    const quick = Array.from({ length: 15 }, (_, i) => w.note(file, i));
    const crash = w.call(how, arg);
    const after = Array.from({ length: 5 }, (_, i) => w.note(file, 100 + i));
    const [q, c, a] = await Promise.all([outcomes(quick), outcomes([crash]), outcomes(after)]);
    expect(c[0].ok).toBe(false);
    expect(c[0].e).toBeInstanceOf(WorkerCrashedError);
    const n = runs(file);
    for (let i = 0; i < 15; i++) {
      expect([i, n.get(i)]).toEqual([i, 1]);
      if (q[i].ok) expect(q[i].v).toBe(i);
      else {
        expect(q[i].e).toBeInstanceOf(WorkerCrashedError);
        expect(q[i].e.method).toBe('note');
        expect(q[i].e.attempts).toBe(1);
      }
    }
    // Calls behind the crash had not started: they run on the replacement, once.
    for (let i = 0; i < 5; i++) {
      expect(a[i]).toEqual({ ok: true, v: 100 + i });
      expect(n.get(100 + i)).toBe(1);
    }
    if (how === 'exit') {
      // The worker sent what it had finished as it exited: nothing was lost.
      expect(q.every((o) => o.ok)).toBe(true);
    }
  });

  test('with retries, a finished call whose outcome was lost is re-run only as a counted retry', async () => {
    const w = await createWorker(FIXTURE, { mode, maxWorkers: 1, retries: 1 });
    workers.push(w);
    const warm = join(dir, `${mode}-r-warm`);
    await Promise.all(Array.from({ length: 40 }, (_, i) => w.note(warm, i)));
    const file = join(dir, `${mode}-r`);
    const quick = Array.from({ length: 15 }, (_, i) => w.note(file, i));
    const crash = w.hardExit(6);
    const [q, c] = await Promise.all([outcomes(quick), outcomes([crash])]);
    expect(c[0].e).toBeInstanceOf(WorkerCrashedError);
    expect(c[0].e.attempts).toBe(2);
    const n = runs(file);
    // Run again with the crashing call behind them, they are lost again: at
    // most 1 + retries runs each, and an error that counts both attempts.
    for (let i = 0; i < 15; i++) {
      expect([i, n.get(i) === 1 || n.get(i) === 2]).toEqual([i, true]);
      if (q[i].ok) expect(q[i].v).toBe(i);
      else {
        expect(q[i].e).toBeInstanceOf(WorkerCrashedError);
        expect(q[i].e.attempts).toBe(n.get(i));
      }
    }
  });
});
