// Remote mode against BullMQ alone (BENCHMARKS.md "Remote mode"), same run,
// alternating, medians:
//   e2e     N jobs (add(i, 1)) end to end on a fresh queue each round, served
//           by the same worker command (bin/concurry-worker.js, --concurrency
//           C, one process started per round before timing): concurry-wasm
//           remote mode (N calls in one tick, gather) vs BullMQ alone (a
//           Queue.add and a job.waitUntilFinished(queueEvents) per job, the
//           same job data, Promise.all). Jobs/s, and Redis commands per job
//           from Redis's own INFO commandstats over the round (every command,
//           those BullMQ's and our Lua scripts run inside Redis included;
//           the worker's share is the same on both sides, so the difference
//           is the clients').
//   check   the batch check of K finished jobs (remote-check.js, forced):
//           round trips (EVALSHA calls, from INFO commandstats) and ms per
//           check (median of R checks).
//
//   node bench/remote.mjs [--jobs N] [--runs R] [--concurrency C] [--check K] [--polling NAME] [--json]
//
// --polling: the strategy of our gather (default: config.defaults.defaultPolling,
// 'adaptive'); remote futures are probe-only, so it sets how often the gather's
// probe rounds (O(pending futures) each) run.
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
const JSON_OUT = args.includes('--json');
if (!(JOBS >= 1) || !(RUNS >= 1) || !(CONC >= 1) || !(CHECK >= 1)) {
  throw new RangeError('usage: node bench/remote.mjs [--jobs N>=1] [--runs R>=1] [--concurrency C>=1] [--check K>=1] [--json]');
}

const TASKS = fileURLToPath(new URL('./workers/add.mjs', import.meta.url));
const BIN = fileURLToPath(new URL('../bin/concurry-worker.js', import.meta.url));
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
/** CPU time (user + system) of this process, ms, from a process.cpuUsage() difference. */
const cpuMs = (u) => (u.user + u.system) / 1000;
const total = (s) => Object.entries(s).filter(([k]) => k !== 'info').reduce((a, [, n]) => a + n, 0);

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

/** A worker command serving `queue`, resolved once ready. */
async function startBin(queue) {
  const child = spawn(process.execPath, [BIN, '--redis', redis.url, '--queue', queue, '--module', TASKS, '--concurrency', String(CONC)],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err += d; });
  const exited = new Promise((r) => child.once('exit', r));
  while (!out.includes('concurry-worker: ready')) {
    if (child.exitCode !== null) throw new Error(`concurry-worker exited before ready (exit code ${child.exitCode}):\n${err}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return { pid: child.pid, stop: async () => { child.kill('SIGTERM'); await exited; } };
}

async function ours() {
  const queue = `bench-ours-${++qn}`;
  const w = await createWorker(TASKS, { mode: 'remote', redis: redis.url, queue });
  const bin = await startBin(queue);
  const before = await commandCalls();
  const r0 = await redisCpuMs();
  const w0 = treeCpuMs(bin.pid);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const fs = [];
  for (let i = 0; i < JOBS; i++) fs.push(w.add(i, 1));
  const res = await gather(fs, POLLING ? { polling: POLLING } : undefined);
  const ms = performance.now() - t0;
  const cpu = cpuMs(process.cpuUsage(c0));
  const wcpu = treeCpuMs(bin.pid) - w0;
  const rcpu = (await redisCpuMs()) - r0;
  const after = await commandCalls();
  if (res[JOBS - 1] !== JOBS) throw new Error('wrong result');
  await w.stop();
  await bin.stop();
  return { ms, cpu, wcpu, rcpu, cmds: total(after) - total(before), evalsha: (after.evalsha || 0) - (before.evalsha || 0) };
}

async function bullmq() {
  const queue = `bench-bull-${++qn}`;
  const connection = { host: redis.host, port: redis.port, maxRetriesPerRequest: null };
  const q = new Queue(queue, { connection });
  const qe = new QueueEvents(queue, { connection });
  await qe.waitUntilReady();
  await q.waitUntilReady();
  const bin = await startBin(queue);
  const before = await commandCalls();
  const r0 = await redisCpuMs();
  const w0 = treeCpuMs(bin.pid);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const ps = [];
  for (let i = 0; i < JOBS; i++) {
    ps.push(q.add('add', jobData({ method: 'add', args: [i, 1] }), { attempts: 1, removeOnComplete: KEEP, removeOnFail: KEEP })
      .then((job) => job.waitUntilFinished(qe)));
  }
  const res = await Promise.all(ps);
  const ms = performance.now() - t0;
  const cpu = cpuMs(process.cpuUsage(c0));
  const wcpu = treeCpuMs(bin.pid) - w0;
  const rcpu = (await redisCpuMs()) - r0;
  const after = await commandCalls();
  if (!res[JOBS - 1] || typeof res[JOBS - 1].ok !== 'string') throw new Error('wrong result');
  await bin.stop();
  await qe.close();
  await q.close();
  return { ms, cpu, wcpu, rcpu, cmds: total(after) - total(before), evalsha: (after.evalsha || 0) - (before.evalsha || 0) };
}

const rounds = { ours: [], bullmq: [] };
for (let r = 0; r < RUNS; r++) {
  const order = r % 2 === 0 ? [['ours', ours], ['bullmq', bullmq]] : [['bullmq', bullmq], ['ours', ours]];
  for (const [name, fn] of order) rounds[name].push(await fn());
}
const summary = (xs) => ({
  jobsPerSec: med(xs.map((x) => (JOBS * 1000) / x.ms)),
  min: Math.min(...xs.map((x) => (JOBS * 1000) / x.ms)),
  max: Math.max(...xs.map((x) => (JOBS * 1000) / x.ms)),
  commandsPerJob: med(xs.map((x) => x.cmds / JOBS)),
  evalshaPerJob: med(xs.map((x) => x.evalsha / JOBS)),
  // This process's CPU time per job (µs): less noisy than jobs/s on a loaded machine.
  cpuUsPerJob: med(xs.map((x) => (x.cpu * 1000) / JOBS)),
  cpuUsMin: Math.min(...xs.map((x) => (x.cpu * 1000) / JOBS)),
  cpuUsMax: Math.max(...xs.map((x) => (x.cpu * 1000) / JOBS)),
  // The worker command's (with its sandboxes) and Redis's CPU per job (µs): the rest of the machine's work.
  workerCpuUsPerJob: med(xs.map((x) => (x.wcpu * 1000) / JOBS)),
  redisCpuUsPerJob: med(xs.map((x) => (x.rcpu * 1000) / JOBS)),
});
const e2e = { ours: summary(rounds.ours), bullmq: summary(rounds.bullmq) };

// Batch check of CHECK finished jobs, made by our own client.
const cq = `bench-check-${++qn}`;
const cw = await createWorker(TASKS, { mode: 'remote', redis: redis.url, queue: cq });
const cbin = await startBin(cq);
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
const chk = { jobs: keys.length, roundTrips: trips, ms: med(times), minMs: Math.min(...times) };

admin.disconnect();
await redis.stop();

const out = { jobs: JOBS, runs: RUNS, concurrency: CONC, polling: POLLING || 'default', e2e, speedup: e2e.ours.jobsPerSec / e2e.bullmq.jobsPerSec,
  extraCommandsPerJob: e2e.ours.commandsPerJob - e2e.bullmq.commandsPerJob, check: chk };
if (JSON_OUT) console.log(JSON.stringify(out, null, 2));
else {
  const f = (x) => x.toFixed(0);
  console.log(`remote e2e, ${JOBS} jobs, worker --concurrency ${CONC}, our gather's polling ${POLLING || 'default'}, median of ${RUNS} (min-max):`);
  const cpu = (x) => `${f(x.cpuUsPerJob)} µs CPU/job here (${f(x.cpuUsMin)}-${f(x.cpuUsMax)})`;
  console.log(`  concurry-wasm remote  ${f(e2e.ours.jobsPerSec)} jobs/s (${f(e2e.ours.min)}-${f(e2e.ours.max)}), ${e2e.ours.commandsPerJob.toFixed(2)} Redis commands/job, ${cpu(e2e.ours)}`);
  console.log(`  BullMQ waitUntilFinished  ${f(e2e.bullmq.jobsPerSec)} jobs/s (${f(e2e.bullmq.min)}-${f(e2e.bullmq.max)}), ${e2e.bullmq.commandsPerJob.toFixed(2)} Redis commands/job, ${cpu(e2e.bullmq)}`);
  for (const [name, x] of [['ours', e2e.ours], ['BullMQ', e2e.bullmq]]) {
    console.log(`  ${name}: worker command ${f(x.workerCpuUsPerJob)} µs CPU/job, Redis ${f(x.redisCpuUsPerJob)} µs CPU/job`);
  }
  console.log(`  speedup ${out.speedup.toFixed(2)}x, extra commands/job ${out.extraCommandsPerJob.toFixed(2)}`);
  console.log(`batch check of ${chk.jobs} finished jobs: ${chk.roundTrips} round trips (EVALSHA), ${chk.ms.toFixed(1)} ms median (min ${chk.minMs.toFixed(1)})`);
}
