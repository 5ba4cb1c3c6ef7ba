/**
 * The batch check of remote mode (the original's single `ray.wait` over many
 * futures): the state of N BullMQ jobs in one Redis round trip per chunk of
 * at most CHECK_CHUNK ids, by one Lua script (EVALSHA) that reads BullMQ's own
 * keys: the job hash `<prefix><queue>:<id>` (fields timestamp, finishedOn,
 * returnvalue, failedReason, processedOn). One HMGET per job inside Redis, one
 * command per chunk on the wire.
 *
 * The same script also answers "could events have been lost?" (the stream
 * guard): given P, the id of the last event this client had read when it
 * last asked, it says "lost" when an entry newer than P was deleted from the
 * queue's events stream since (trimming, XTRIM, a tiny maxLen: Redis 7's
 * `max-deleted-entry-id` is newer than P; before Redis 7, the first entry is
 * newer than P), or the stream is gone. An entry newer than P may have been
 * deleted before this client read it, so its event may be lost. Asked with no
 * job ids (and `force` off) it answers only that: a healthy client pays one
 * small command per polling round, not one read per pending job; when the
 * guard says "lost", the caller asks again with the ids (forced).
 * @module concurry-wasm/modes/remote-check
 */

/** Most job ids per EVALSHA (one round trip each; chunks go out pipelined). */
export const CHECK_CHUNK = 1000;

/** Job states the script reports. */
export const J_MISSING = 0;
export const J_WAITING = 1;
export const J_ACTIVE = 2;
export const J_COMPLETED = 3;
export const J_FAILED = 4;

/*
 * KEYS[1] = the events stream. ARGV[1] = the key prefix of jobs ('bull:q:'),
 * ARGV[2] = last event id read ('' = unknown: the guard says lost), ARGV[3] =
 * '1' to report states even when nothing was lost, ARGV[4..] = job ids.
 * Reply: { lost (0|1), [state, payload] per id when lost or forced }.
 */
const SCRIPT = `
local function idlt(a, b)
  local am, as = string.match(a, '^(%d+)-(%d+)$')
  local bm, bs = string.match(b, '^(%d+)-(%d+)$')
  if not am or not bm then return a < b end
  am = tonumber(am); bm = tonumber(bm)
  if am ~= bm then return am < bm end
  return tonumber(as) < tonumber(bs)
end
local seen = ARGV[2]
local lost = 0
if seen == '' then
  lost = 1
elseif redis.call('EXISTS', KEYS[1]) == 1 then
  local info = redis.call('XINFO', 'STREAM', KEYS[1])
  local maxdel = nil
  local first = nil
  for i = 1, #info, 2 do
    if info[i] == 'max-deleted-entry-id' then maxdel = info[i + 1]
    elseif info[i] == 'first-entry' then first = info[i + 1] end
  end
  if maxdel then
    if idlt(seen, maxdel) then lost = 1 end
  elseif first and first[1] and idlt(seen, first[1]) then
    lost = 1
  end
elseif seen ~= '0-0' then
  lost = 1
end
local out = { lost }
if lost == 0 and ARGV[3] ~= '1' then return out end
local prefix = ARGV[1]
for i = 4, #ARGV do
  local h = redis.call('HMGET', prefix .. ARGV[i], 'timestamp', 'finishedOn', 'returnvalue', 'failedReason', 'processedOn')
  if not h[1] then
    out[#out + 1] = ${J_MISSING}; out[#out + 1] = ''
  elseif h[2] and h[3] then
    out[#out + 1] = ${J_COMPLETED}; out[#out + 1] = h[3]
  elseif h[2] then
    out[#out + 1] = ${J_FAILED}; out[#out + 1] = h[4] or ''
  elseif h[5] then
    out[#out + 1] = ${J_ACTIVE}; out[#out + 1] = ''
  else
    out[#out + 1] = ${J_WAITING}; out[#out + 1] = ''
  end
end
return out
`;

/**
 * A checker over one queue's keys on an ioredis client: `check(ids, lastSeen,
 * force)` sends one EVALSHA per chunk of ids (all chunks at once, so one
 * round trip of latency) and resolves with `{ lost, states, payloads }`
 * (states/payloads: one per id when the guard said lost or force was set,
 * else null).
 * @param {import('ioredis').Redis} redis
 * @param {string} prefix the BullMQ key prefix ('bull')
 * @param {string} queue
 */
export function createChecker(redis, prefix, queue) {
  const name = 'concurryCheckJobs';
  if (typeof redis[name] !== 'function') redis.defineCommand(name, { numberOfKeys: 1, lua: SCRIPT });
  const jobPrefix = `${prefix}:${queue}:`;
  const events = `${prefix}:${queue}:events`;
  /**
   * @param {string[]} ids
   * @param {string} lastSeen
   * @param {boolean} force
   * @returns {Promise<{ lost: boolean, states: number[]|null, payloads: string[]|null }>}
   */
  async function check(ids, lastSeen, force) {
    const f = force ? '1' : '0';
    if (ids.length <= CHECK_CHUNK) {
      const r = await redis[name](events, jobPrefix, lastSeen, f, ...ids);
      return unpack([r], ids.length);
    }
    const parts = [];
    for (let i = 0; i < ids.length; i += CHECK_CHUNK) {
      parts.push(redis[name](events, jobPrefix, lastSeen, f, ...ids.slice(i, i + CHECK_CHUNK)));
    }
    return unpack(await Promise.all(parts), ids.length);
  }
  return check;
}

function unpack(replies, n) {
  let lost = false;
  let full = true;
  for (const r of replies) {
    if (r[0] === 1) lost = true;
    if (r.length === 1 && n !== 0) full = false;
  }
  if (!full || n === 0) return { lost, states: null, payloads: null };
  const states = new Array(n);
  const payloads = new Array(n);
  let k = 0;
  for (const r of replies) {
    for (let i = 1; i < r.length; i += 2) {
      states[k] = Number(r[i]);
      payloads[k] = r[i + 1];
      k++;
    }
  }
  return { lost, states, payloads };
}
