// Remote mode's localWorkers (concurry-worker processes the handle starts on
// this machine): they share the caller's stderr, so they run --quiet (no
// progress lines there); and they get the Redis URL by environment
// (CONCURRY_REDIS_URL), so its password is not in their argv, which `ps`
// shows every user of the machine.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { jest } from '@jest/globals';
import { startRedis } from './redis-server.js';
import { admin } from './remote-helpers.js';

jest.setTimeout(60000);

const RUN = fileURLToPath(new URL('./fixtures/remote-local-run.mjs', import.meta.url));
const PASSWORD = 'pw-not-in-argv-7Qx';

let redis;
let ad;
beforeAll(async () => {
  redis = await startRedis({ appendonly: false });
  ad = admin(redis);
  // A password from here on (redis-server.js's readiness check speaks no AUTH).
  await ad.config('SET', 'requirepass', PASSWORD);
});
afterAll(async () => {
  if (ad) ad.disconnect();
  if (redis) await redis.stop();
});

/** Runs the fixture in a process of its own: its exit code, stdout and stderr. */
function run(url, queue) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [RUN, url, queue], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.once('exit', (code) => resolve({ code, out, err }));
  });
}

test('local workers print nothing on the caller\'s stderr, and their argv carries no Redis password', async () => {
  const url = `redis://:${PASSWORD}@${redis.host}:${redis.port}`;
  const r = await run(url, `lw${process.pid}`);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  const line = JSON.parse(r.out.trim().split('\n').pop());
  expect(line.result).toBe(5);
  expect(line.workerArgs).toHaveLength(1);
  expect(line.workerArgs[0]).toContain('--queue');
  expect(line.workerArgs[0]).not.toContain(PASSWORD);
  expect(line.workerArgs[0]).not.toContain('redis://');
});
