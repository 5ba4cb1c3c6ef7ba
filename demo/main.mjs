/**
 * npm run demo: real CPU work (Mandelbrot tiles, prime counting) fanned out
 * over every kind of worker concurry-wasm has, gathered with live progress
 * bars, then a race of mirrored requests, a timeout and a cancelled task,
 * and a summary table.
 *
 *   node demo/main.mjs [--quick] [--workers N]
 *
 * --quick    a small workload (a second or two; the Jest test uses it)
 * --workers  pool size (default: the machine's cores)
 *
 * Bars go to stderr: live bars on a terminal, sparse plain lines otherwise
 * (progress option `plain: true`); everything else goes to stdout.
 */
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { createWorker, gather, wait, TimeoutError, CancelledError } from 'concurry-wasm';
import { ProgressBar } from '../bindings/progress/bar.js';
import * as jsTasks from './tasks.mjs';
import { makeJobs, SIZES } from './jobs.mjs';
import { SubTotal, Table, thumbnail, formatMs, sameResult } from './show.mjs';

const TASKS = fileURLToPath(new URL('./tasks.mjs', import.meta.url));

function parseArgs(argv) {
  const o = { size: 'full', workers: 0 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') o.size = 'quick';
    else if (a === '--workers') o.workers = Number(argv[++i]);
    else if (a === '-h' || a === '--help') {
      process.stdout.write('usage: npm run demo [-- --quick] [-- --workers N] | npm run demo -- --c | npm run demo -- --wasi\n');
      process.exit(0);
    } else {
      process.stderr.write(`demo: unknown argument ${a} (try --help)\n`);
      process.exit(2);
    }
  }
  if (o.workers !== 0 && !(Number.isInteger(o.workers) && o.workers >= 1)) {
    process.stderr.write('demo: --workers needs an integer >= 1\n');
    process.exit(2);
  }
  return o;
}

const args = parseArgs(process.argv.slice(2));
const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
const nWorkers = args.workers || Math.max(2, cores);
const size = SIZES[args.size];
const jobs = makeJobs(size);
const out = (s = '') => process.stdout.write(`${s}\n`);

/** Bars: live on a terminal, plain lines every 2 s otherwise. */
const bar = (desc, unit) => ({ desc, unit, plain: true, mininterval: process.stderr.isTTY ? 100 : 2000 });

/**
 * Runs every job on `worker`, gathering a dict of results with a bar (and,
 * when the mode has it, progress from inside the tasks driving sub-total
 * bars of rows and numbers). `iter`: gather as they complete instead.
 * @returns {Promise<{ results: Record<string, unknown>, ms: number }>}
 */
async function runAll(label, worker, { perTask, iter = false, call = null }) {
  const subs = perTask ? [
    new SubTotal(new ProgressBar({ ...bar(`${label} rows`, 'row') }), jobs.reduce((s, j) => s + j.rows, 0)),
    new SubTotal(new ProgressBar({ ...bar(`${label} numbers`, 'n') }), jobs.reduce((s, j) => s + j.numbers, 0)),
  ] : [];
  const t0 = performance.now();
  const futures = {};
  for (const job of jobs) {
    if (call !== null) {
      futures[job.key] = call(job);
      continue;
    }
    if (!perTask) {
      futures[job.key] = worker.call(job.method, ...job.args);
      continue;
    }
    // units done so far, per task, into the sub-total of its kind
    const sub = job.method === 'mandelbrot' ? subs[0] : subs[1];
    let last = 0;
    const onProgress = (units) => { sub.add(units - last); last = units; };
    futures[job.key] = worker.callWith({ onProgress }, job.method, ...job.args);
  }
  const progress = bar(`${label} tasks`, 'task');
  let results;
  if (iter) {
    results = {};
    for await (const [key, value] of gather(futures, { iter: true, progress })) results[key] = value;
  } else {
    results = await gather(futures, { progress });
  }
  const ms = performance.now() - t0;
  for (const s of subs) s.close();
  return { results, ms };
}

/** The sync baseline: each task runs on this thread at its call; one call per turn of the event loop, so the bars can draw. */
function syncCalls(worker, subs) {
  let chain = Promise.resolve();
  return (job) => {
    const sub = job.method === 'mandelbrot' ? subs[0] : subs[1];
    const run = chain.then(() => new Promise((resolve) => setImmediate(resolve))).then(() => {
      let last = 0;
      const f = worker.callWith({ onProgress: (u) => { sub.add(u - last); last = u; } }, job.method, ...job.args);
      return f.result();
    });
    chain = run.catch(() => {});
    return run;
  };
}

async function main() {
  const t0 = performance.now();
  out(`concurry-wasm demo: ${jobs.length} tasks (${jobs.filter((j) => j.method === 'mandelbrot').length} Mandelbrot tiles of a ${size.width}x${size.height} image, ${jobs.filter((j) => j.method === 'primes').length} prime counts up to ${size.primesTo.toLocaleString('en-US')}) per mode`);
  out(`${cores} cores; pools of ${nWorkers} workers; bars on stderr${process.stderr.isTTY ? '' : ' as plain lines (not a terminal)'}`);

  const sync = await createWorker(jsTasks, { mode: 'sync' });
  const [threads, procs, cpool] = await Promise.all([
    createWorker(TASKS, { mode: 'thread', maxWorkers: nWorkers, cancelGraceMs: 200 }),
    createWorker(TASKS, { mode: 'process', maxWorkers: nWorkers, cancelGraceMs: 200 }),
    createWorker('builtin', { mode: 'c', maxWorkers: nWorkers }),
  ]);
  out(`workers ready in ${formatMs(performance.now() - t0)}`);
  out();

  const table = new Table();
  const runs = {};

  // 1. sync: the baseline, one task after another on this thread.
  out(`1/4 sync: every task on the main thread, one after another`);
  {
    const subs = [
      new SubTotal(new ProgressBar(bar('sync rows', 'row')), jobs.reduce((s, j) => s + j.rows, 0)),
      new SubTotal(new ProgressBar(bar('sync numbers', 'n')), jobs.reduce((s, j) => s + j.numbers, 0)),
    ];
    runs.sync = await runAll('sync', sync, { perTask: false, call: syncCalls(sync, subs) });
    for (const s of subs) s.close();
  }
  table.add('sync', jobs.length, runs.sync.ms, runs.sync.ms, 'main thread');

  // 2. threads: worker_threads, progress from inside the tasks.
  out(`2/4 thread: ${nWorkers} worker threads, progress from inside each task (currentTask().progress)`);
  runs.thread = await runAll('thread', threads, { perTask: true });
  table.add('thread', jobs.length, runs.thread.ms, runs.sync.ms, `${nWorkers} worker_threads`);

  // 3. processes: child processes, results as they complete (gather iter).
  out(`3/4 process: ${nWorkers} child processes, results as they complete (gather with iter)`);
  runs.process = await runAll('process', procs, { perTask: true, iter: true });
  table.add('process', jobs.length, runs.process.ms, runs.sync.ms, `${nWorkers} child processes`);

  // 4. C tasks: the core's built-in kernels on its pthread pool.
  out(`4/4 c: the same work as C kernels on the core's pthread pool (${nWorkers} pthreads)`);
  runs.c = await runAll('c', cpool, { perTask: false });
  table.add('c', jobs.length, runs.c.ms, runs.sync.ms, `${nWorkers} pthreads (wasm)`);

  // Every mode computed the same tiles and counts.
  const ref = runs.sync.results;
  const bad = [];
  for (const mode of ['thread', 'process', 'c']) {
    for (const job of jobs) if (!sameResult(ref[job.key], runs[mode].results[job.key])) bad.push(`${mode} ${job.key}`);
  }
  const primeTotal = jobs.filter((j) => j.method === 'primes').reduce((s, j) => s + ref[j.key], 0);
  out(bad.length === 0
    ? `results: identical in all 4 modes (${jobs.length - jobs.filter((j) => j.method === 'primes').length} tiles byte for byte; ${primeTotal.toLocaleString('en-US')} primes below ${size.primesTo.toLocaleString('en-US')})`
    : `results: MISMATCH in ${bad.join(', ')}`);
  out();

  // Races: the same request sent to three pools; the first answer wins, the others are cancelled.
  out('race: the same request to the thread, process and C pools; wait FIRST_COMPLETED, cancel the losers');
  // A prime count and a tile with part of the set in it (work for every pool).
  for (const job of [jobs.find((j) => j.method === 'primes'), jobs.find((j) => j.key === 'tile 1,1')]) {
    const mirrors = { thread: threads.call(job.method, ...job.args), process: procs.call(job.method, ...job.args), c: cpool.call(job.method, ...job.args) };
    const r0 = performance.now();
    const { done } = await wait(mirrors, { returnWhen: 'FIRST_COMPLETED' });
    const ms = performance.now() - r0;
    const names = Object.keys(mirrors);
    const winners = names.filter((n) => done.has(mirrors[n]));
    const losers = names.filter((n) => !done.has(mirrors[n]));
    const cancelled = losers.filter((n) => mirrors[n].cancel());
    const same = sameResult(mirrors[winners[0]].resultNow(), ref[job.key]);
    out(`  ${job.key.padEnd(24)} ${winners.join(', ')} first in ${formatMs(ms)} (${same ? 'same result as sync' : 'DIFFERENT result'}); cancelled: ${cancelled.join(', ') || 'none'}`);
  }

  // A timeout and a cancel: the future fails at once, the task is stopped.
  out('timeout and cancel');
  {
    const r0 = performance.now();
    const f = threads.callWith({ timeout: 250 }, 'spin', 60_000);
    const e = await f.exception();
    out(`  thread spin(60 s) with timeout 250 ms -> ${e instanceof TimeoutError ? 'TimeoutError' : String(e)} after ${formatMs(performance.now() - r0)}`);
  }
  {
    const r0 = performance.now();
    const f = cpool.callWith({ timeout: 250 }, 'spin', 60_000);
    const e = await f.exception();
    out(`  C spin(60 s) with timeout 250 ms      -> ${e instanceof TimeoutError ? 'TimeoutError' : String(e)} after ${formatMs(performance.now() - r0)}`);
  }
  {
    const r0 = performance.now();
    const f = procs.spin(60_000);
    setTimeout(() => f.cancel(), 200);
    const e = await f.exception().catch((x) => x);
    out(`  process spin(60 s), cancel() at 200 ms -> ${e instanceof CancelledError ? 'CancelledError' : String(e)} after ${formatMs(performance.now() - r0)}, cancelled() = ${f.cancelled()}`);
  }
  out();

  await Promise.all([sync.stop(), threads.stop(), procs.stop(), cpool.stop()]);

  out(thumbnail(jobs, ref, size, 64));
  out();
  out(table.render());
  out(`done in ${formatMs(performance.now() - t0)}`);
  if (bad.length !== 0) process.exitCode = 1;
}

main().catch((e) => {
  process.stderr.write(`demo failed: ${e && e.stack ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
