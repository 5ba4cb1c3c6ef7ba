// Worker pools against their peers, same run, alternating, medians
// (BENCHMARKS.md "Worker pools"):
//   threads   N tiny tasks (a + b) submitted at once on 2 worker threads,
//             all awaited: concurry-wasm thread mode (gather over the
//             futures) vs piscina 5, tinypool 2, workerpool 10 (each with
//             its defaults, 2 threads, Promise.all over its promises);
//   process   the same on 2 child processes: concurry-wasm process mode vs
//             tinypool's child_process runtime and workerpool's 'process'
//             worker type;
//   wake      wake latency in thread mode: a task sleeps 1 ms (the caller is
//             parked in wait() by then) and returns process.hrtime taken as
//             it finishes; the latency is the caller's hrtime once
//             `await wait([f])` resolves minus that stamp (p50/p99); beside
//             it `await f`, a call completed by message (onProgress) and
//             piscina's `await pool.run()`, measured the same way;
//   c         a CPU kernel as C tasks on 1 vs 2 pthreads: runs W-C's
//             bench/c-kernels.mjs (its own alternating medians).
//
//   node --expose-gc bench/pools.mjs [--runs R] [--tasks N] [--wake K]
//        [--only threads,process,wake,c] [--json]
//
// Every pool is made and warmed before the first timed round; each round
// runs every contender once, in an order that rotates from round to round,
// and the figure is the median over rounds (min-max given beside it). The
// machine's other load shows: take several runs.
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Piscina from 'piscina';
import Tinypool from 'tinypool';
import workerpool from 'workerpool';
import { createWorker, gather, wait } from '../bindings/index.js';

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const RUNS = Number(opt('--runs', 7));
const TASKS = Number(opt('--tasks', 20000));
const WAKES = Number(opt('--wake', 2000));
const ONLY = new Set(opt('--only', 'threads,process,wake,c').split(','));
const JSON_OUT = args.includes('--json');
if (!(RUNS >= 1) || !(TASKS >= 1) || !(WAKES >= 10)) {
  throw new RangeError('usage: node bench/pools.mjs [--runs R>=1] [--tasks N>=1] [--wake K>=10] [--only threads,process,wake,c] [--json]');
}
const gc = globalThis.gc || (() => {});
if (!globalThis.gc) console.error('note: run with --expose-gc for stable figures');

const here = (p) => new URL(p, import.meta.url);
const ADD = here('./workers/add.mjs');
const PEER = fileURLToPath(here('./workers/peer-add.mjs'));
const WP = fileURLToPath(here('./workers/workerpool-add.mjs'));

const sorted = (a) => [...a].sort((x, y) => x - y);
const med = (a) => sorted(a)[a.length >> 1];
const pct = (a, p) => { const s = sorted(a); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]; };

/** Each contender: a name, make() -> { run(n) -> Promise<sum>, close() }. */
function concurry(mode) {
  return {
    name: `concurry-wasm ${mode}`,
    async make() {
      const w = await createWorker(ADD, { mode, maxWorkers: 2 });
      return {
        w,
        run: async (n) => {
          const fs = new Array(n);
          for (let i = 0; i < n; i++) fs[i] = w.add(i, 1);
          const out = await gather(fs);
          let s = 0;
          for (let i = 0; i < n; i++) s += out[i];
          return s;
        },
        close: () => w.stop(),
      };
    },
  };
}

function piscina() {
  return {
    name: 'piscina 5',
    async make() {
      const pool = new Piscina({ filename: PEER, minThreads: 2, maxThreads: 2 });
      return { pool, run: (n) => sumAll(n, (i) => pool.run({ a: i, b: 1 })), close: () => pool.destroy() };
    },
  };
}

function tinypool(runtime) {
  return {
    name: runtime === 'child_process' ? 'tinypool 2 child_process' : 'tinypool 2',
    async make() {
      const pool = new Tinypool({ filename: PEER, minThreads: 2, maxThreads: 2, runtime });
      return { run: (n) => sumAll(n, (i) => pool.run({ a: i, b: 1 })), close: () => pool.destroy() };
    },
  };
}

function wpool(workerType) {
  return {
    name: workerType === 'process' ? 'workerpool 10 process' : 'workerpool 10',
    async make() {
      const pool = workerpool.pool(WP, { minWorkers: 2, maxWorkers: 2, workerType });
      return { run: (n) => sumAll(n, (i) => pool.exec('add', [i, 1])), close: () => pool.terminate(true) };
    },
  };
}

async function sumAll(n, submit) {
  const ps = new Array(n);
  for (let i = 0; i < n; i++) ps[i] = submit(i);
  const out = await Promise.all(ps);
  let s = 0;
  for (let i = 0; i < n; i++) s += out[i];
  return s;
}

/** Alternating rounds over made contenders; medians and ranges in ms. */
async function race(title, contenders) {
  const made = [];
  for (const c of contenders) made.push({ c, p: await c.make() });
  const expect = (TASKS * (TASKS - 1)) / 2 + TASKS;
  // Warm-up: start every worker, JIT the paths.
  for (const { p } of made) {
    for (let k = 0; k < 2; k++) {
      const s = await p.run(Math.min(TASKS, 2000));
      void s;
    }
  }
  const times = made.map(() => []);
  for (let r = 0; r < RUNS; r++) {
    for (let j = 0; j < made.length; j++) {
      const k = (j + r) % made.length;
      gc();
      const t = performance.now();
      const s = await made[k].p.run(TASKS);
      times[k].push(performance.now() - t);
      if (s !== expect) throw new Error(`${made[k].c.name}: sum ${s}, expected ${expect}`);
    }
  }
  for (const { p } of made) await p.close();
  const rows = made.map(({ c }, k) => ({ name: c.name, medianMs: med(times[k]), minMs: sorted(times[k])[0], maxMs: sorted(times[k])[RUNS - 1] }));
  const base = rows[0].medianMs;
  for (const row of rows) row.ratio = base / row.medianMs; // concurry / peer: < 1 means concurry faster
  if (!JSON_OUT) {
    console.log(`${title}: ${TASKS} tasks, median of ${RUNS} alternating rounds (min-max)`);
    for (const row of rows) {
      console.log(`  ${row.name.padEnd(26)} ${row.medianMs.toFixed(1).padStart(8)} ms  (${row.minMs.toFixed(0)}-${row.maxMs.toFixed(0)})` +
        (row === rows[0] ? '' : `   concurry/this ${(base / row.medianMs).toFixed(2)}x`));
    }
  }
  return rows;
}

/**
 * Wake latency: the caller's hrtime when the await resolves minus the task's
 * finish stamp. Interleaved, one task in flight at a time: concurry's
 * wait([f]) (the measure of the target), beside it `await f` and a call with
 * onProgress (which completes by message, not through the core's ring:
 * the breakdown of where wait()'s time goes), and piscina's `await run()`.
 */
async function wake() {
  const w = await createWorker(ADD, { mode: 'thread', maxWorkers: 2 });
  const pool = new Piscina({ filename: PEER, minThreads: 2, maxThreads: 2 });
  const variants = {
    'concurry-wasm wait([f])': async () => {
      const f = w.stampAfter(1);
      await wait([f]);
      return [process.hrtime.bigint(), f.resultNow()];
    },
    'concurry-wasm await f': async () => {
      const f = w.stampAfter(1);
      const s = await f;
      return [process.hrtime.bigint(), s];
    },
    'concurry-wasm by message': async () => {
      const f = w.callWith({ onProgress() {} }, 'stampAfter', 1);
      await wait([f]);
      return [process.hrtime.bigint(), f.resultNow()];
    },
    'piscina await run()': async () => {
      const s = await pool.run({ ms: 1 }, { name: 'stampAfter' });
      return [process.hrtime.bigint(), s];
    },
  };
  const names = Object.keys(variants);
  const samples = names.map(() => []);
  const warm = 50;
  for (let i = 0; i < WAKES + warm; i++) {
    for (let j = 0; j < names.length; j++) {
      const k = (i + j) % names.length;
      const [now, stamp] = await variants[names[k]]();
      if (i >= warm) samples[k].push(Number(now - stamp) / 1e6);
    }
  }
  await w.stop();
  await pool.destroy();
  const res = { samples: WAKES };
  names.forEach((n, k) => { res[n] = { p50: pct(samples[k], 50), p99: pct(samples[k], 99), max: pct(samples[k], 100) }; });
  if (!JSON_OUT) {
    console.log(`wake latency, thread mode, worker finishing -> the await resolving, ${WAKES} samples each (ms)`);
    for (const n of names) {
      const v = res[n];
      console.log(`  ${n.padEnd(26)} p50 ${v.p50.toFixed(3)}  p99 ${v.p99.toFixed(3)}  max ${v.max.toFixed(3)}`);
    }
  }
  return res;
}

const out = { cpus: os.cpus().length, load1: os.loadavg()[0], node: process.version, runs: RUNS, tasks: TASKS };
if (!JSON_OUT) console.log(`# worker pools: ${out.cpus} CPUs, load ${out.load1.toFixed(2)}, node ${out.node}`);
if (ONLY.has('threads')) {
  out.threads = await race('2 threads', [concurry('thread'), piscina(), tinypool('worker_threads'), wpool('thread')]);
}
if (ONLY.has('process')) {
  out.process = await race('2 processes', [concurry('process'), tinypool('child_process'), wpool('process')]);
}
if (ONLY.has('wake')) out.wake = await wake();
if (ONLY.has('c')) {
  const script = fileURLToPath(here('./c-kernels.mjs'));
  const r = spawnSync(process.execPath, [script, '--json'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench/c-kernels.mjs failed: ${r.stderr}`);
  out.c = JSON.parse(r.stdout.trim().split('\n').pop());
  if (!JSON_OUT) {
    console.log(`C kernel ${out.c.kernel} in ${out.c.chunks} tasks (bench/c-kernels.mjs): 1 pthread ${out.c.oneThreadMs.toFixed(1)} ms, ` +
      `2 pthreads ${out.c.twoThreadsMs.toFixed(1)} ms, speedup ${out.c.speedup.toFixed(2)}x`);
  }
}
if (JSON_OUT) console.log(JSON.stringify(out));
