// Helpers of the remote-mode client tests (not a test file): a real
// redis-server (tests/redis-server.js), Redis's own command counters, and
// concurry-worker processes started as a user on another machine would.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import IORedis from 'ioredis';

export const BIN = fileURLToPath(new URL('../bin/concurry-worker.js', import.meta.url));
export const TASKS = fileURLToPath(new URL('./fixtures/workers/remote-client-tasks.mjs', import.meta.url));
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let n = 0;
/** A queue name of its own per test. */
export const queueName = (what = 'q') => `${what}${process.pid}x${++n}`;

/** A plain ioredis connection to the test's Redis (the test's own eyes). */
export function admin(redis) {
  const c = new IORedis(redis.url, { maxRetriesPerRequest: null, retryStrategy: (k) => Math.min(50 * k, 300) });
  c.on('error', () => {});
  return c;
}

/** Calls per command from INFO commandstats: { evalsha: 12, exec: 3, ... }. */
export async function commandStats(c) {
  const text = await c.info('commandstats');
  const out = {};
  for (const line of text.split('\n')) {
    const m = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
    if (m) out[m[1].toLowerCase()] = Number(m[2]);
  }
  return out;
}

/** after - before, per command (missing = 0). */
export function delta(before, after) {
  const d = {};
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) d[k] = (after[k] || 0) - (before[k] || 0);
  return d;
}

const live = new Set();

/**
 * A concurry-worker process serving `queue` (the real bin), resolved once it
 * printed its ready line.
 */
export async function startBin(redis, queue, { concurrency = 2, module = TASKS, sandbox = 'process' } = {}) {
  const child = spawn(process.execPath, [BIN, '--redis', redis.url, '--queue', queue, '--module', module, '--concurrency', String(concurrency), '--sandbox', sandbox],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err += d; });
  const exited = new Promise((r) => child.once('exit', (code, signal) => { live.delete(child); r({ code, signal }); }));
  const end = Date.now() + 20000;
  while (!out.includes(`concurry-worker: ready ${queue}`)) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`concurry-worker exited before ready:\n${err}`);
    if (Date.now() > end) throw new Error(`concurry-worker not ready within 20 s:\n${out}\n${err}`);
    await sleep(20);
  }
  return { child, exited, pid: child.pid, err: () => err };
}

/** Ends (SIGKILL) every bin startBin started that still runs. */
export async function killBins() {
  await Promise.all([...live].map((c) => new Promise((r) => {
    if (c.exitCode !== null || c.signalCode !== null) { r(); return; }
    c.once('exit', r);
    c.kill('SIGKILL');
  })));
}

/** Waits until pred() holds (polled), or throws naming what. */
export async function until(pred, what, ms = 15000) {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * Runs `node path ...args` as a process of its own and resolves once it
 * exited, or after `ms` (then it is SIGKILLed and `exited` is false):
 * { exited, code, signal, out, err, exitAt, markAt }. `markAt` is when its
 * stdout first contained `mark` (Date.now(), null if never): tests measure
 * how soon a process exits once it has nothing left to do.
 * @param {string} path @param {string[]} args @param {number} ms
 * @param {{ mark?: string }} [opts]
 */
export async function runToExit(path, args, ms, { mark = 'done\n' } = {}) {
  const child = spawn(process.execPath, [path, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let markAt = null;
  child.stdout.on('data', (d) => { out += d; if (markAt === null && out.includes(mark)) markAt = Date.now(); });
  child.stderr.on('data', (d) => { err += d; });
  const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal, exitAt: Date.now() })));
  let timer;
  const r = await Promise.race([exited, new Promise((res) => { timer = setTimeout(() => res(null), ms); })]);
  clearTimeout(timer);
  if (r === null) {
    child.kill('SIGKILL');
    const k = await exited;
    return { exited: false, ...k, out, err, markAt };
  }
  // The pipes' last bytes arrive with 'close', after 'exit'.
  if (child.exitCode !== null && !(child.stdout.readableEnded && child.stderr.readableEnded)) {
    await new Promise((res) => { child.once('close', res); });
  }
  return { exited: true, ...r, out, err, markAt };
}
