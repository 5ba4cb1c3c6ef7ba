/**
 * A real redis-server for the remote-mode tests (Debian's redis-server,
 * installed by scripts/setup.sh): started on 127.0.0.1 (or `host`) with a free
 * port, append-only file on, its data in a fresh temporary directory, stopped
 * (and the directory removed) by stop(). restart() stops it and starts it again
 * on the same port and directory, so the append-only file is replayed, as after
 * a crash of a production Redis; kill() is SIGKILL, for "Redis went away".
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A TCP port nothing listens on right now. */
export function freePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (srv.address());
      srv.close(() => resolve(port));
    });
  });
}

function ping(host, port) {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.setTimeout(500);
    s.once('connect', () => s.write('PING\r\n'));
    s.once('data', (d) => { s.destroy(); resolve(String(d).startsWith('+PONG')); });
    s.once('error', () => resolve(false));
    s.once('timeout', () => { s.destroy(); resolve(false); });
  });
}

async function untilUp(host, port, child, ms = 10000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
    if (await ping(host, port)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`redis-server did not answer on ${host}:${port} within ${ms} ms`);
}

/**
 * @param {{ host?: string, bind?: string, appendonly?: boolean, args?: string[] }} [opts]
 *   `bind`: the addresses to listen on (default `host`); `args`: extra redis-server arguments.
 * @returns {Promise<{ url: string, host: string, port: number, dir: string,
 *   stop(): Promise<void>, restart(): Promise<void>, kill(): Promise<void>, start(): Promise<void> }>}
 */
export async function startRedis(opts = {}) {
  const host = opts.host ?? '127.0.0.1';
  const port = await freePort(host);
  const dir = mkdtempSync(join(tmpdir(), 'cy-redis-'));
  let child = null;
  const start = async () => {
    const args = [
      '--port', String(port), '--bind', opts.bind ?? host, '--dir', dir,
      '--appendonly', opts.appendonly === false ? 'no' : 'yes', '--appendfsync', 'always',
      '--save', '', '--protected-mode', 'no', '--daemonize', 'no', '--loglevel', 'warning',
      ...(opts.args ?? []),
    ];
    child = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'inherit'] });
    child.unref();
    await untilUp(host, port, child);
  };
  const halt = (signal) => new Promise((resolve) => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null || c.signalCode !== null) { resolve(); return; }
    c.ref(); // waiting for the exit must keep the process alive until it comes
    c.once('exit', () => resolve());
    c.kill(signal);
  });
  await start();
  return {
    url: `redis://${host}:${port}`,
    host,
    port,
    dir,
    start,
    kill: () => halt('SIGKILL'),
    restart: async () => { await halt('SIGTERM'); await start(); },
    stop: async () => { await halt('SIGTERM'); rmSync(dir, { recursive: true, force: true }); },
  };
}
