/**
 * Telling workers about many cancels in one command: for a chunk of jobs, one
 * Lua script (EVALSHA) sets each job's cancel key (remote-wire.js cancelKey,
 * to the reason, for CANCEL_KEY_TTL_MS) and publishes its cancel message on
 * the queue's cancel channel, in that order and atomically: a worker that
 * hears any message of the chunk finds every key of it set.
 *
 * One command per chunk rather than a MULTI of SET + PUBLISH per job: the
 * client builds one command of 3n arguments instead of 2n commands (ioredis
 * spends microseconds on each), so the cancels of a loop over thousands of
 * futures leave within a few ms of the loop, before workers take those jobs.
 * @module concurry-wasm/modes/remote-cancel
 */
import { cancelChannel, cancelKey, encodeCancel, CANCEL_KEY_TTL_MS } from './remote-wire.js';

const SCRIPT = `
local ch = ARGV[1]
local ttl = ARGV[2]
for i = 1, #KEYS do
  redis.call('SET', KEYS[i], ARGV[1 + 2 * i], 'PX', ttl)
  redis.call('PUBLISH', ch, ARGV[2 + 2 * i])
end
return #KEYS
`;

/**
 * @param {import('ioredis').Redis} redis the handle's command connection
 * @param {string} queue
 * @returns {(ops: { id: string, reason: 'cancel'|'timeout' }[]) => Promise<number>}
 *   tells the cancels of `ops` (in their order); resolves with how many.
 */
export function createCanceller(redis, queue) {
  const name = 'concurryTellCancels';
  if (typeof /** @type {any} */ (redis)[name] !== 'function') redis.defineCommand(name, { lua: SCRIPT });
  const channel = cancelChannel(queue);
  const ttl = String(CANCEL_KEY_TTL_MS);
  return (ops) => {
    const keys = ops.map((op) => cancelKey(queue, op.id));
    const args = [channel, ttl];
    for (const op of ops) args.push(op.reason, encodeCancel(op.id, op.reason));
    return /** @type {any} */ (redis)[name](keys.length, ...keys, ...args);
  };
}
