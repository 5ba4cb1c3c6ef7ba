// createWorker in remote mode is bounded by connectTimeout as a whole,
// counted from the call: every Redis wait of its start-up (the connection,
// the stream position, the event subscription) shares that budget. A review
// found the subscription's wait given a fresh connectTimeout of its own, so
// a Redis slow to answer the first connection and silent on the next one
// (a proxy, a half-broken link) made createWorker take up to twice it.
import net from 'node:net';
import { jest } from '@jest/globals';
import { createWorker } from '../bindings/index.js';
import { startRedis } from './redis-server.js';
import { TASKS, queueName } from './remote-helpers.js';

jest.setTimeout(60000);

let redis;
beforeAll(async () => { redis = await startRedis({ appendonly: false }); });
afterAll(async () => { if (redis) await redis.stop(); });

/**
 * A TCP server in front of the test's Redis: the first `forward` connections
 * are passed on to it (the first one only after `delay` ms), every later one
 * is accepted and never answered.
 */
async function proxy({ forward, delay = 0 }) {
  const sockets = new Set();
  let n = 0;
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('error', () => {});
    client.on('close', () => sockets.delete(client));
    const i = n++;
    if (i >= forward) return; // silent: accepted, never answered
    const go = () => {
      if (client.destroyed) return;
      const up = net.connect(redis.port, '127.0.0.1');
      sockets.add(up);
      up.on('error', () => client.destroy());
      up.on('close', () => { sockets.delete(up); client.destroy(); });
      client.on('close', () => up.destroy());
      client.pipe(up);
      up.pipe(client);
    };
    if (i === 0 && delay > 0) setTimeout(go, delay);
    else go();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `redis://127.0.0.1:${port}`,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

/** createWorker over the proxy: { ms, error } (the handle stopped if it resolved). */
async function timeCreate(url, connectTimeout) {
  const t0 = performance.now();
  try {
    const w = await createWorker(TASKS, { mode: 'remote', redis: url, queue: queueName('budget'), connectTimeout });
    await w.stop({ force: true });
    return { ms: performance.now() - t0, error: null };
  } catch (e) {
    return { ms: performance.now() - t0, error: e };
  }
}

test('a server that accepts connections and never answers: createWorker rejects within connectTimeout, naming the URL', async () => {
  const p = await proxy({ forward: 0 });
  try {
    const { ms, error } = await timeCreate(p.url, 1000);
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toContain(`cannot reach Redis at ${p.url} within 1000 ms (connectTimeout)`);
    expect(ms).toBeGreaterThanOrEqual(950);
    expect(ms).toBeLessThan(1300);
  } finally {
    await p.close();
  }
});

test('Redis slow on the first connection, silent on the event subscription\'s: rejected within connectTimeout of the call, not connectTimeout per step', async () => {
  // The command connection answers after 900 ms (of 1500); the subscription's
  // connection (BullMQ's duplicate of it) never does. Before: 900 + 1500 ms.
  const p = await proxy({ forward: 1, delay: 900 });
  try {
    const { ms, error } = await timeCreate(p.url, 1500);
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toContain(`cannot reach Redis at ${p.url} within 1500 ms (connectTimeout): the event subscription did not connect`);
    expect(ms).toBeGreaterThanOrEqual(1450);
    expect(ms).toBeLessThan(1800);
  } finally {
    await p.close();
  }
});

test('the same proxy passing every connection on: createWorker resolves (the budget refuses only what does not answer)', async () => {
  const p = await proxy({ forward: Infinity, delay: 900 });
  try {
    const { error } = await timeCreate(p.url, 1500);
    expect(error).toBeNull();
  } finally {
    await p.close();
  }
});
