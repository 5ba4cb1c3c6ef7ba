// Remote mode against BullMQ alone (BENCHMARKS.md "Remote mode"), same run,
// rounds alternating, medians:
//   e2e     N jobs (add(i, 1)) end to end on a fresh queue each round, the
//           serving process started per round before timing:
//             ours      concurry-wasm remote mode: N calls in one tick and a
//                       gather, served by our worker command
//                       (bin/concurry-worker.js --concurrency C);
//             bullmq    BullMQ alone, as a BullMQ user writes it: a Queue.add
//                       and a job.waitUntilFinished(queueEvents) per job,
//                       Promise.all, served by a plain BullMQ Worker in its own
//                       process (bench/workers/bullmq-worker.mjs, the same
//                       add(), concurrency C, plain JSON data);
//             bullmq-cw the same BullMQ client served by our worker command
//                       (our job data): isolates the clients.
//             ours-thread, ours-process: ours with --sandbox thread / process
//                       (with --only, to compare the sandboxes in one run).
//             ours-single: ours with maxBatch 1, a BullMQ job per call (by
//                       default the N calls of one tick travel in batch jobs
//                       of up to 64 calls: remote-wire.js, "Batch jobs").
//           Jobs/s; Redis commands per job from Redis's own INFO commandstats
//           over the round (every command, those BullMQ's and our Lua scripts
//           run inside Redis included; --stats prints them by kind); CPU per
//           job of this process, of the serving process (with its sandbox
//           children) and of Redis.
//   check   the batch check of K finished jobs (remote-check.js, forced):
//           round trips (EVALSHA calls, from INFO commandstats) and ms per
//           check (median of R checks).
//
//   node bench/remote.mjs [--jobs N] [--runs R] [--concurrency C] [--check K] [--polling NAME]
//                         [--only ours,ours-thread,ours-process,ours-single,bullmq,bullmq-cw] [--sandbox process|thread] [--warmup W] [--stats] [--cpu-prof DIR] [--json]
//
// --polling: the strategy of our gather (default: config.defaults.defaultPolling,
// 'adaptive'); remote futures are probe-only, so it sets how often the gather's
// probe rounds (O(pending futures) each) run. --cpu-prof DIR: the serving
// processes run with node --cpu-prof (profiles in DIR, one per round).
// --sandbox: our worker command's --sandbox (default: its own default).
// --warmup W (default 2000): W jobs through the same client and serving process
// before the timed N, on both sides: a worker command or BullMQ Worker serves a
// queue for long, so the steady state is measured, not V8 compiling the hot
// paths of a fresh process (a fresh worker command spent ~30% of its CPU of a
// 3000-job round in TurboFan, on V8's platform threads: perf, 2026-12-06).
//
// A redis-server (Debian's, scripts/setup.sh) is started on a free port for
// the run (no persistence) and stopped at the end.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Queue, QueueEvents } from 'bullmq';
import IORedis from 'ioredis';
import { createWorker, gather } from '../bindings/index.js';
import { jobData } from '../bindings/modes/remote-wire.js';
import { createChecker } from '../bindings/modes/remote-check.js';
import { startRedis } from '../tests/redis-server.js';

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const JOBS = Number(opt('--jobs', 2000));
const RUNS = Number(opt('--runs', 5));
const CONC = Number(opt('--concurrency', 2));
const CHECK = Number(opt('--check', 5000));
const POLLING = opt('--polling', undefined);
const ONLY = opt('--only', 'ours,bullmq,bullmq-cw').split(',');
const STATS = args.includes('--stats');
const PROF = opt('--cpu-prof', undefined);
const SANDBOX = opt('--sandbox', undefined);
const WARMUP = Number(opt('--warmup', 2000));
const JSON_OUT = args.includes('--json');
if (!(WARMUP >= 0) || !(JOBS >= 1) || !(RUNS >= 1) || !(CONC >= 1) || !(CHECK >= 0) || ONLY.some((k) => !['ours', 'ours-thread', 'ours-process', 'ours-single', 'bullmq', 'bullmq-cw'].includes(k))) {
  throw new RangeError('usage: node bench/remote.mjs [--jobs N>=1] [--runs R>=1] [--concurrency C>=1] [--check K>=0] ' +
    '[--polling NAME] [--only ours,ours-thread,ours-process,ours-single,bullmq,bullmq-cw] [--stats] [--cpu-prof DIR] [--json]');
}

const TASKS = fileURLToPath(new URL('./workers/add.mjs', import.meta.url));
const BIN = fileURLToPath(new URL('../bin/concurry-worker.js', import.meta.url));
const PLAIN = fileURLToPath(new URL('./workers/bullmq-worker.mjs', import.meta.url));
const KEEP = { age: 3600, count: 100000 };
const sorted = (a) => [...a].sort((x, y) => x - y);
const med = (a) => sorted(a)[a.length >> 1];

const redis = await startRedis({ appendonly: false });
const admin = new IORedis(redis.url);
let qn = 0;

async function commandCalls() {
  const text = await admin.info('commandstats');
  const out = {};
  for (const line of text.split('\n')) {
    const m = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}
/** Commands per kind between two commandCalls() (INFO itself left out). */
function callDiff(before, after) {
  const d = {};
  for (const [k, n] of Object.entries(after)) {
    if (k === 'info') continue;
    const x = n - (before[k] || 0);
    if (x > 0) d[k] = x;
  }
  return d;
}
/** CPU time (user + system) of this process, ms, from a process.cpuUsage() difference. */
const cpuMs = (u) => (u.user + u.system) / 1000;
const total = (d) => Object.values(d).reduce((a, n) => a + n, 0);

/** CPU seconds Redis has used (INFO cpu: user + sys). */
async function redisCpuMs() {
  const text = await admin.info('cpu');
  const get = (k) => Number((new RegExp(`^${k}:([\\d.]+)`, 'm').exec(text) || [0, 0])[1]);
  return (get('used_cpu_user') + get('used_cpu_sys')) * 1000;
}

/**
 * CPU time (ms) of a process and its live descendants (the worker command and
 * its sandbox processes), from /proc (Linux; 0 elsewhere). Clock ticks of 10 ms.
 */
function treeCpuMs(pid) {
  let ms = 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ms += (Number(f[11]) + Number(f[12])) * 10; // utime, stime (fields 14, 15)
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const kids = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      for (const k of kids ? kids.split(' ') : []) ms += treeCpuMs(Number(k));
    }
  } catch { /* gone, or not Linux */ }
  return ms;
}

/** CPU time (ms) of process `pid`'s main thread, from /proc (0 elsewhere). */
function mainThreadCpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch { return 0; }
}

/** A serving process for `queue` (ours: the worker command; plain: a BullMQ Worker), resolved once ready. */
async function startServer(queue, plain, sandbox = SANDBOX) {
  const node = PROF ? ['--cpu-prof', `--cpu-prof-dir=${PROF}`] : [];
  const argv = plain ? [PLAIN, redis.url, queue, String(CONC)]
    : [BIN, '--redis', redis.url, '--queue', queue, '--module', TASKS, '--concurrency', String(CONC), ...(sandbox ? ['--sandbox', sandbox] : [])];
  const child = spawn(process.execPath, [...node, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err += d; });
  const exited = new Promise((r) => child.once('exit', r));
  while (!/(concurry|bullmq)-worker: ready/.test(out)) {
    if (child.exitCode !== null) throw new Error(`${plain ? 'bullmq-worker' : 'concurry-worker'} exited before ready (exit code ${child.exitCode}):\n${err}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return { pid: child.pid, stop: async () => { child.kill('SIGTERM'); await exited; } };
}

/** Times `run` (which makes and awaits JOBS jobs) with the server's, Redis's and this process's CPU and Redis's commands. */
async function measure(server, run) {
  const before = await commandCalls();
  const r0 = await redisCpuMs();
  const w0 = treeCpuMs(server.pid);
  const m0 = mainThreadCpuMs(server.pid);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await run();
  const ms = performance.now() - t0;
  const cpu = cpuMs(process.cpuUsage(c0));
  const wcpu = treeCpuMs(server.pid) - w0;
  const wmain = mainThreadCpuMs(server.pid) - m0;
  const rcpu = (await redisCpuMs()) - r0;
  const kinds = callDiff(before, await commandCalls());
  return { ms, cpu, wcpu, wmain, rcpu, cmds: total(kinds), kinds };
}

async function ours(sandbox, maxBatch) {
  const queue = `bench-ours-${++qn}`;
  const w = await createWorker(TASKS, { mode: 'remote', redis: redis.url, queue, ...(maxBatch ? { maxBatch } : {}) });
  const server = await startServer(queue, false, sandbox);
  const round = async (n) => {
    const fs = [];
    for (let i = 0; i < n; i++) fs.push(w.add(i, 1));
    const res = await gather(fs, POLLING ? { polling: POLLING } : undefined);
    if (res[n - 1] !== n) throw new Error('ours: wrong result');
  };
  if (WARMUP > 0) await round(WARMUP);
  const m = await measure(server, () => round(JOBS));
  await w.stop();
  await server.stop();
  return m;
}

/** BullMQ's client: Queue.add + waitUntilFinished per job; `plain`: a plain BullMQ Worker serves, else our worker command. */
async function bullmq(plain) {
  const queue = `bench-bull-${++qn}`;
  const connection = { host: redis.host, port: redis.port, maxRetriesPerRequest: null };
  const q = new Queue(queue, { connection });
  q.setMaxListeners(0); // one 'closing' listener per waitUntilFinished in flight
  const qe = new QueueEvents(queue, { connection });
  await qe.waitUntilReady();
  await q.waitUntilReady();
  const server = await startServer(queue, plain);
  const round = async (n) => {
    const ps = [];
    for (let i = 0; i < n; i++) {
      const data = plain ? { a: i, b: 1 } : jobData({ method: 'add', args: [i, 1] });
      ps.push(q.add('add', data, { attempts: 1, removeOnComplete: KEEP, removeOnFail: KEEP })
        .then((job) => job.waitUntilFinished(qe)));
    }
    const res = await Promise.all(ps);
    if (plain ? res[n - 1] !== n : !res[n - 1] || typeof res[n - 1].ok !== 'string') throw new Error('bullmq: wrong result');
  };
  if (WARMUP > 0) await round(WARMUP);
  const m = await measure(server, () => round(JOBS));
  await server.stop();
  await qe.close();
  await q.close();
  return m;
}

const NAMES = {
  ours: 'concurry-wasm remote',
  'ours-thread': 'concurry-wasm remote, --sandbox thread',
  'ours-process': 'concurry-wasm remote, --sandbox process',
  'ours-single': 'concurry-wasm remote, maxBatch 1 (a job per call)',
  bullmq: 'BullMQ alone (waitUntilFinished, BullMQ Worker)',
  'bullmq-cw': 'BullMQ client, our worker command',
};
const RUN = {
  ours: () => ours(SANDBOX), 'ours-thread': () => ours('thread'), 'ours-process': () => ours('process'),
  'ours-single': () => ours(SANDBOX, 1),
  bullmq: () => bullmq(true), 'bullmq-cw': () => bullmq(false),
};
const rounds = Object.fromEntries(ONLY.map((k) => [k, []]));
const OURS = ONLY.filter((k) => k.startsWith('ours'));
const summary = (xs) => {
  const perJob = (f) => med(xs.map((x) => (f(x) * 1000) / JOBS));
  const kinds = {};
  for (const k of new Set(xs.flatMap((x) => Object.keys(x.kinds)))) kinds[k] = med(xs.map((x) => (x.kinds[k] || 0) / JOBS));
  return {
    jobsPerSec: med(xs.map((x) => (JOBS * 1000) / x.ms)),
    min: Math.min(...xs.map((x) => (JOBS * 1000) / x.ms)),
    max: Math.max(...xs.map((x) => (JOBS * 1000) / x.ms)),
    commandsPerJob: med(xs.map((x) => x.cmds / JOBS)),
    commandsPerJobByKind: kinds,
    // CPU time per job (µs) of this process (the client), the serving process
    // (with its sandbox children) and Redis: less noisy than jobs/s on a loaded machine.
    cpuUsPerJob: perJob((x) => x.cpu),
    cpuUsMin: Math.min(...xs.map((x) => (x.cpu * 1000) / JOBS)),
    cpuUsMax: Math.max(...xs.map((x) => (x.cpu * 1000) / JOBS)),
    workerCpuUsPerJob: perJob((x) => x.wcpu),
    // Of which the serving process's main thread (the rest: its other threads — V8's, sandboxes — and sandbox processes).
    workerMainCpuUsPerJob: perJob((x) => x.wmain),
    redisCpuUsPerJob: perJob((x) => x.rcpu),
  };
};
let out;
try {
  for (let r = 0; r < RUNS; r++) {
    // Alternating order, so that neither side always runs on a warmer Redis.
    const order = r % 2 === 0 ? ONLY : [...ONLY].reverse();
    for (const k of order) rounds[k].push(await RUN[k]());
  }
  const e2e = Object.fromEntries(ONLY.map((k) => [k, summary(rounds[k])]));

  let chk = null;
  if (CHECK > 0) {
    // Batch check of CHECK finished jobs, made by our own client, one job
    // per call (maxBatch 1): the check reads CHECK jobs (with batching on,
    // the same calls would be a few dozen batch jobs).
    const cq = `bench-check-${++qn}`;
    const cw = await createWorker(TASKS, { mode: 'remote', redis: redis.url, queue: cq, maxBatch: 1 });
    const cbin = await startServer(cq, false);
    const cfs = [];
    for (let i = 0; i < CHECK; i++) cfs.push(cw.add(i, 1));
    await gather(cfs);
    await cw.stop();
    await cbin.stop();
    // The ids of the finished jobs, as Redis has them.
    const keys = await admin.zrange(`bull:${cq}:completed`, 0, -1);
    const check = createChecker(admin, 'bull', cq);
    await check(keys.slice(0, 1), null, '0-0', true);
    const times = [];
    let trips = 0;
    for (let r = 0; r < Math.max(RUNS, 5); r++) {
      const b = await commandCalls();
      const t0 = performance.now();
      const res = await check(keys, null, '0-0', true);
      times.push(performance.now() - t0);
      const a = await commandCalls();
      trips = (a.evalsha || 0) - (b.evalsha || 0);
      if (res.states.length !== keys.length) throw new Error('check: wrong length');
    }
    chk = { jobs: keys.length, roundTrips: trips, ms: med(times), minMs: Math.min(...times) };
  }
  const ratio = (a, b) => (e2e[a] && e2e[b] ? e2e[a].jobsPerSec / e2e[b].jobsPerSec : null);
  const extra = (a, b) => (e2e[a] && e2e[b] ? e2e[a].commandsPerJob - e2e[b].commandsPerJob : null);
  out = {
    jobs: JOBS, warmup: WARMUP, runs: RUNS, concurrency: CONC, sandbox: SANDBOX || 'default', polling: POLLING || 'default', e2e,
    // Against BullMQ alone (its client and its Worker), and against BullMQ's client on our worker command.
    // Each of our rows against BullMQ alone (its client and its Worker), and
    // against BullMQ's client on our worker command.
    speedup: Object.fromEntries(OURS.map((k) => [k, ratio(k, 'bullmq')])),
    speedupSameWorker: Object.fromEntries(OURS.map((k) => [k, ratio(k, 'bullmq-cw')])),
    extraCommandsPerJob: Object.fromEntries(OURS.map((k) => [k, extra(k, 'bullmq')])),
    extraCommandsPerJobSameWorker: Object.fromEntries(OURS.map((k) => [k, extra(k, 'bullmq-cw')])),
    check: chk,
  };
} finally {
  admin.disconnect();
  await redis.stop();
}

if (JSON_OUT) console.log(JSON.stringify(out, null, 2));
else {
  const f = (x) => x.toFixed(0);
  console.log(`remote e2e, ${JOBS} jobs after ${WARMUP} warm-up jobs, concurrency ${CONC} on both sides, our worker's sandbox ${SANDBOX || 'default'}, ` +
    `our gather's polling ${POLLING || 'default'}, median of ${RUNS} (min-max):`);
  for (const k of ONLY) {
    const x = out.e2e[k];
    console.log(`  ${NAMES[k].padEnd(48)} ${f(x.jobsPerSec)} jobs/s (${f(x.min)}-${f(x.max)}), ${x.commandsPerJob.toFixed(2)} Redis commands/job; ` +
      `CPU/job: client ${f(x.cpuUsPerJob)} µs (${f(x.cpuUsMin)}-${f(x.cpuUsMax)}), server ${f(x.workerCpuUsPerJob)} µs (main thread ${f(x.workerMainCpuUsPerJob)}), Redis ${f(x.redisCpuUsPerJob)} µs`);
    if (STATS) {
      const ks = Object.entries(x.commandsPerJobByKind).filter(([, n]) => n >= 0.005).sort((p, q) => q[1] - p[1]);
      console.log(`    ${ks.map(([n, v]) => `${n} ${v.toFixed(2)}`).join(', ')}`);
    }
  }
  for (const k of OURS) {
    if (out.speedup[k] !== null) console.log(`  ${k} vs BullMQ alone: ${out.speedup[k].toFixed(2)}x, ${out.extraCommandsPerJob[k].toFixed(2)} commands/job more`);
    if (out.speedupSameWorker[k] !== null) {
      console.log(`  ${k} vs BullMQ's client on our worker command: ${out.speedupSameWorker[k].toFixed(2)}x, ${out.extraCommandsPerJobSameWorker[k].toFixed(2)} commands/job more`);
    }
  }
  const chk = out.check;
  if (chk) console.log(`batch check of ${chk.jobs} finished jobs: ${chk.roundTrips} round trips (EVALSHA), ${chk.ms.toFixed(1)} ms median (min ${chk.minMs.toFixed(1)})`);
}
