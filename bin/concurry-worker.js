#!/usr/bin/env node
/**
 * concurry-worker: serves a remote-mode queue from any machine (DESIGN.md,
 * "Workers", remote mode; the wire contract is bindings/modes/remote-wire.js).
 *
 *   concurry-worker --redis redis://host:6379 --queue jobs --module ./tasks.js [--concurrency 4]
 *
 * The URL may come from CONCURRY_REDIS_URL instead of --redis (what
 * createWorker's localWorkers do), so that a password is not in argv.
 * Prints `concurry-worker: ready <queue> pid=<pid>` on stdout once it serves
 * the queue. SIGTERM / SIGINT: stop taking jobs, let running ones finish
 * (after --shutdown-timeout, or at a second signal, hand them back to the
 * queue for another worker), exit 0; nothing stays "active".
 *
 * Exit codes: 0 stopped by a signal; 1 cannot serve (Redis unreachable, the
 * module does not load); 2 bad command line.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';

const USAGE = `Usage: concurry-worker --redis URL --queue NAME --module PATH [options]

Serves the remote-mode queue NAME on Redis at URL: runs each job (a call made
with createWorker(PATH, { mode: 'remote', redis: URL, queue: NAME })) in a
sandbox (a worker thread, or a child process with --sandbox process) running
the functions that PATH exports.

Required:
  --redis URL              redis://[user:password@]host[:port][/db] or rediss://...
                           (or the environment variable CONCURRY_REDIS_URL, which
                           keeps a password out of the process list; --redis wins)
  --queue NAME             the queue name (the client's 'queue' option)
  --module PATH            the module of task functions (a file path or file: URL)

Options:
  --concurrency N          jobs run at once, each in its own sandbox
                           (integer >= 1; default: cores - 1, at least 1)
  --sandbox thread|process where jobs run (default thread): 'thread', a worker
                           thread per slot (cancel grace, crashes, exits and
                           heap exhaustion of a job end only its thread, but a
                           job that kills the whole process, e.g.
                           process.kill(process.pid) or a native crash, ends
                           this command, and its jobs are re-run elsewhere per
                           retries); 'process', a child process per slot (a job
                           can take down only its own process; ~30% more CPU
                           per tiny call)
  --connect-timeout MS     give up when Redis does not answer at start (default 5000)
  --shutdown-timeout MS    on SIGTERM/SIGINT, how long running calls may finish
                           before they are handed back to the queue (default 30000)
  --quiet                  no progress lines on stderr (starting, stopping);
                           errors are still reported
  -h, --help               this text

Prints "concurry-worker: ready <queue> pid=<pid>" on stdout once serving.
SIGTERM/SIGINT stop it gracefully (a second signal hands running calls back at once).
`;

class UsageError extends Error {}

/** After --shutdown-timeout, how long handing jobs back and closing may take before it gives up (ms). */
const HAND_BACK_MS = 15000;

const FLAGS = {
  '--redis': 'redis',
  '--queue': 'queue',
  '--module': 'module',
  '--concurrency': 'concurrency',
  '--connect-timeout': 'connectTimeout',
  '--shutdown-timeout': 'shutdownTimeout',
  '--sandbox': 'sandbox',
};

function intFlag(flag, v, min) {
  if (!/^\d+$/.test(v) || Number(v) < min || !Number.isSafeInteger(Number(v))) {
    throw new UsageError(`${flag} expects an integer >= ${min}; got ${JSON.stringify(v)}`);
  }
  return Number(v);
}

/**
 * The command line, checked.
 * @param {string[]} argv
 * @param {Record<string, string|undefined>} [env] CONCURRY_REDIS_URL stands in for --redis
 * @returns {{ help: true } | { help: false, quiet: boolean, redis: string, queue: string, module: string,
 *   concurrency: number, connectTimeout: number, shutdownTimeout: number, sandbox: 'process'|'thread' }}
 */
function parseArgs(argv, env = {}) {
  /** @type {Record<string, string>} */
  const raw = {};
  let quiet = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') return { help: true };
    if (a === '--quiet') {
      if (quiet) throw new UsageError('--quiet is given twice');
      quiet = true;
      continue;
    }
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const flag = eq > 0 ? a.slice(0, eq) : a;
    if (!Object.hasOwn(FLAGS, flag)) {
      throw new UsageError(a.startsWith('-')
        ? `unknown option ${flag} (expected one of ${Object.keys(FLAGS).join(', ')}, --quiet, --help)`
        : `unexpected argument ${JSON.stringify(a)} (every value follows its option, e.g. --queue NAME)`);
    }
    let v;
    if (eq > 0) v = a.slice(eq + 1);
    else {
      v = argv[++i];
      if (v === undefined || (v.startsWith('--') && v.length > 2)) {
        throw new UsageError(`${flag} expects a value${v === undefined ? '' : `; got the option ${v}`}`);
      }
    }
    if (Object.hasOwn(raw, FLAGS[flag])) throw new UsageError(`${flag} is given twice`);
    raw[FLAGS[flag]] = v;
  }
  // The URL may come from the environment: a password in argv is readable by every user (ps).
  if (raw.redis === undefined && env.CONCURRY_REDIS_URL) raw.redis = env.CONCURRY_REDIS_URL;
  for (const f of ['--redis', '--queue', '--module']) {
    if (raw[FLAGS[f]] === undefined) {
      throw new UsageError(`${f} is required${f === '--redis' ? ' (or CONCURRY_REDIS_URL in the environment)' : ''} (see --help)`);
    }
  }
  let url;
  try {
    url = new URL(raw.redis);
  } catch {
    throw new UsageError(`--redis expects a URL like redis://host:6379; got ${JSON.stringify(raw.redis)}`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new UsageError(`--redis expects a redis:// or rediss:// URL; got ${JSON.stringify(raw.redis)}`);
  }
  if (url.port && !(Number(url.port) >= 1 && Number(url.port) <= 65535)) {
    throw new UsageError(`--redis: the port must be 1..65535; got ${url.port}`);
  }
  if (url.pathname.length > 1 && !/^\/\d+$/.test(url.pathname)) {
    throw new UsageError(`--redis: the path must be a database number (redis://host:6379/0); got ${JSON.stringify(url.pathname)}`);
  }
  const queue = raw.queue;
  if (queue === '' || queue.includes(':')) {
    throw new UsageError(`--queue expects a non-empty name without ':' (BullMQ uses ':' in its keys); got ${JSON.stringify(queue)}`);
  }
  let mod = raw.module;
  if (mod === '') throw new UsageError('--module expects the path of a module of task functions; got ""');
  if (mod.startsWith('file:')) {
    try { mod = fileURLToPath(mod); } catch { throw new UsageError(`--module: not a valid file: URL: ${JSON.stringify(raw.module)}`); }
  }
  mod = resolve(mod);
  const sandbox = raw.sandbox ?? 'thread';
  if (sandbox !== 'process' && sandbox !== 'thread') {
    throw new UsageError(`--sandbox expects thread or process; got ${JSON.stringify(sandbox)}`);
  }
  if (!existsSync(mod)) throw new UsageError(`--module: no such file: ${mod}`);
  if (!statSync(mod).isFile()) throw new UsageError(`--module expects a file; ${mod} is not one`);
  return {
    help: false,
    quiet,
    redis: raw.redis,
    queue,
    module: mod,
    concurrency: raw.concurrency === undefined ? Math.max(1, availableParallelism() - 1) : intFlag('--concurrency', raw.concurrency, 1),
    connectTimeout: raw.connectTimeout === undefined ? 5000 : intFlag('--connect-timeout', raw.connectTimeout, 1),
    shutdownTimeout: raw.shutdownTimeout === undefined ? 30000 : intFlag('--shutdown-timeout', raw.shutdownTimeout, 0),
    sandbox,
  };
}

function fail(msg, code) {
  process.stderr.write(`concurry-worker: ${msg}\n`);
  process.exitCode = code;
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2), process.env);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    fail(`${e.message}\nRun concurry-worker --help for usage.`, 2);
    return;
  }
  if (opts.help) {
    process.stdout.write(USAGE);
    return;
  }
  /** A progress line on stderr (not with --quiet). */
  const info = (line) => { if (!opts.quiet) process.stderr.write(`concurry-worker: ${line}\n`); };
  // A signal during start-up is acted on once serving (jobs may already run by then).
  let server = null;
  let early = null;
  let signals = 0;
  const onSignal = (sig) => {
    if (server === null) {
      if (early !== null) process.exit(0); // a second one: do not wait for the start
      early = sig;
      return;
    }
    signals++;
    if (signals === 1) {
      const n = server.running();
      info(`${sig}: stopping (${n} running call${n === 1 ? '' : 's'} may finish; ` +
        `after ${opts.shutdownTimeout} ms or at a second signal they go back to the queue)`);
      const t = setTimeout(() => server.handBack(), opts.shutdownTimeout);
      t.unref();
      // Handing back needs Redis too: if it stays away, give up rather than hang
      // (the jobs' locks expire and other workers pick them up as stalled).
      const giveUp = setTimeout(() => {
        process.stderr.write('concurry-worker: could not finish stopping (is Redis reachable?); exiting: ' +
          'jobs still active here are picked up again by other workers once their locks expire\n');
        process.exit(1);
      }, opts.shutdownTimeout + HAND_BACK_MS);
      giveUp.unref();
      server.close().then(() => {
        clearTimeout(t);
        clearTimeout(giveUp);
        info(`stopped ${opts.queue} pid=${process.pid}`);
        process.exit(0);
      }, (e) => {
        process.stderr.write(`concurry-worker: error while stopping: ${e && e.message}\n`);
        process.exit(1);
      });
    } else {
      const n = server.handBack();
      info(`${sig} again: handing ${n} running call${n === 1 ? '' : 's'} back to the queue`);
    }
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  // Started by createWorker's localWorkers: an IPC channel to that process.
  // Its 'disconnect' means the caller is gone (exited, crashed, even
  // SIGKILLed): stop at once, handing running jobs back to the queue, so no
  // local worker outlives its caller. The channel alone keeps nothing alive.
  if (process.channel) {
    process.channel.unref();
    process.once('disconnect', () => {
      // Our stdout/stderr are pipes to that process: writes may now fail.
      for (const s of [process.stdout, process.stderr]) s.on('error', () => {});
      if (server === null) process.exit(0); // not serving yet: nothing to hand back
      if (signals === 0) onSignal('caller gone');
      onSignal('caller gone'); // the second: hand running jobs back now
    });
  }
  const { probeRedis, serveQueue, redactURL } = await import('../bindings/modes/remote-serve.js');
  info(`starting: queue ${opts.queue} on ${redactURL(opts.redis)}, module ${opts.module}, ` +
    `concurrency ${opts.concurrency}, sandbox ${opts.sandbox} (pid ${process.pid})`);
  try {
    await probeRedis(opts.redis, opts.connectTimeout);
  } catch (e) {
    fail(e.message, 1);
    return;
  }
  try {
    server = await serveQueue({ redis: opts.redis, queue: opts.queue, module: opts.module, concurrency: opts.concurrency, sandbox: opts.sandbox });
  } catch (e) {
    fail(`cannot serve queue ${JSON.stringify(opts.queue)} with ${opts.module}: ${e && e.message}`, 1);
    process.exit(1);
  }
  process.stdout.write(`concurry-worker: ready ${opts.queue} pid=${process.pid}\n`);
  if (early !== null) onSignal(early);
}

main().catch((e) => {
  fail(e && e.stack ? e.stack : String(e), 1);
  process.exit(1);
});
