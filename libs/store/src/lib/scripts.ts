import { LuaScript } from './lua-script';

/**
 * Lua scripts: each runs atomically in Redis, which is what makes a batch of blocks apply whole
 * or not at all, and a read see one consistent version of every entity. Keys of one file are
 * built from its base (`FileKeys.base`, passed as ARGV[1]); KEYS[1] is always the file's meta.
 */

const HELPERS = `
local function fmt(n) return string.format('%.0f', n) end

-- Spec §5: the largest N such that every block of the file numbered <= N is applied.
local function refreshProgress(base, meta)
  local applied = redis.call('HGET', meta, 'appliedThrough')
  local hasApplied = applied and applied ~= ''
  local nextBlock
  if hasApplied then
    nextBlock = redis.call('ZRANGEBYSCORE', base .. 'blocks', '(' .. applied, '+inf', 'LIMIT', 0, 1)[1]
  else
    nextBlock = redis.call('ZRANGE', base .. 'blocks', 0, 0)[1]
  end
  local progress
  if nextBlock then
    progress = tonumber(nextBlock) - 1
  else
    progress = hasApplied and tonumber(applied) or -1
    if redis.call('HGET', meta, 'sealed') == '1' then
      local toBlock = redis.call('HGET', meta, 'toBlock')
      if toBlock and toBlock ~= '' and tonumber(toBlock) > progress then progress = tonumber(toBlock) end
    end
  end
  local value = ''
  if progress >= 0 then value = fmt(progress) end
  redis.call('HSET', meta, 'processedThrough', value)
  return value
end
`;

/**
 * Writes a batch of applied blocks, if and only if the file is still where the batch started:
 * same generation, not stopped, and `appliedThrough` unchanged (compare-and-set). This is what
 * makes each block take effect exactly once whatever the number of consumers.
 *
 * ARGV: base, generation, expectedAppliedThrough ('' = none), newAppliedThrough, window, now,
 *       then the counts of each section, then the sections:
 *       versions (kind, key, block, version), heads (kind, key, json), born (kind, key, block),
 *       changelog (block, member), rejections (block, member), stats (block, applied, rejected),
 *       index ops (command, key suffix, field, value), payloads (block).
 */
export const APPLY_BATCH = new LuaScript(`${HELPERS}
local meta = KEYS[1]
local base = ARGV[1]
local state = redis.call('HMGET', meta, 'generation', 'status', 'appliedThrough')
if not state[1] then return {0, 'file is gone'} end
if state[1] ~= ARGV[2] then return {0, 'file was replaced'} end
if state[2] == 'stopped' then return {0, 'file is stopped'} end
if (state[3] or '') ~= ARGV[3] then return {0, 'blocks were applied by another consumer'} end

local nVersions, nHeads, nBorn, nChangelog = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
local nRejections, nStats, nIndex, nPayloads = tonumber(ARGV[11]), tonumber(ARGV[12]), tonumber(ARGV[13]), tonumber(ARGV[14])
local at = 15
for _ = 1, nVersions do
  local block = ARGV[at + 2]
  redis.call('ZADD', base .. 'hist:' .. ARGV[at] .. ':' .. ARGV[at + 1], block, block .. '|' .. ARGV[at + 3])
  at = at + 4
end
for _ = 1, nHeads do
  redis.call('HSET', base .. 'head:' .. ARGV[at], ARGV[at + 1], ARGV[at + 2])
  at = at + 3
end
for _ = 1, nBorn do
  redis.call('ZADD', base .. 'born:' .. ARGV[at], 'NX', ARGV[at + 2], ARGV[at + 1])
  at = at + 3
end
for _ = 1, nChangelog do
  redis.call('ZADD', base .. 'changelog', ARGV[at], ARGV[at + 1])
  at = at + 2
end
for _ = 1, nRejections do
  redis.call('ZADD', base .. 'rejections', ARGV[at], ARGV[at + 1])
  at = at + 2
end
local applied, rejected = 0, 0
for _ = 1, nStats do
  local block = ARGV[at]
  redis.call('ZADD', base .. 'block-stats', block, block .. '|' .. ARGV[at + 1] .. '|' .. ARGV[at + 2])
  applied = applied + tonumber(ARGV[at + 1])
  rejected = rejected + tonumber(ARGV[at + 2])
  at = at + 3
end
for _ = 1, nIndex do
  local command, key, field, value = ARGV[at], base .. ARGV[at + 1], ARGV[at + 2], ARGV[at + 3]
  if command == 'HSET' then redis.call('HSET', key, field, value)
  elseif command == 'HDEL' then redis.call('HDEL', key, field)
  elseif command == 'SADD' then redis.call('SADD', key, field)
  elseif command == 'SREM' then redis.call('SREM', key, field)
  else return redis.error_reply('unknown index command ' .. command) end
  at = at + 4
end
for _ = 1, nPayloads do
  redis.call('HDEL', base .. 'payloads', ARGV[at])
  at = at + 1
end

redis.call('HINCRBY', meta, 'blocksApplied', nStats)
redis.call('HINCRBY', meta, 'eventsApplied', applied)
redis.call('HINCRBY', meta, 'eventsRejected', rejected)
redis.call('HSET', meta, 'appliedThrough', ARGV[4], 'updatedAt', ARGV[6])
local keepAbove = fmt(tonumber(ARGV[4]) - tonumber(ARGV[5]))
redis.call('ZREMRANGEBYSCORE', base .. 'changelog', '-inf', keepAbove)
redis.call('ZREMRANGEBYSCORE', base .. 'block-stats', '-inf', keepAbove)
return {1, refreshProgress(base, meta)}
`);

/** Recomputes `processedThrough` (after ingest seals a file, or grows it). Returns it ('' = none). */
export const REFRESH_PROGRESS = new LuaScript(`${HELPERS}
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
return refreshProgress(ARGV[1], KEYS[1])
`);

/**
 * One page of the state of one collection as of block N: for each entity that existed by N
 * (born <= N), its key and its latest version <= N. Pages keep each call short, so a large state
 * does not hold Redis for long. ARGV: base, kind, N, offset, count.
 * Returns key, version, key, version... (a version is '<block>|<encoded>').
 */
export const STATE_PAGE = new LuaScript(`
local base, kind, n = ARGV[1], ARGV[2], ARGV[3]
local keys = redis.call('ZRANGEBYSCORE', base .. 'born:' .. kind, '-inf', n, 'LIMIT', ARGV[4], ARGV[5])
local out = {}
for i, key in ipairs(keys) do
  out[2 * i - 1] = key
  out[2 * i] = redis.call('ZREVRANGEBYSCORE', base .. 'hist:' .. kind .. ':' .. key, n, '-inf', 'LIMIT', 0, 1)[1] or ''
end
return out
`);

/** Takes a lease if free or already ours, for `ARGV[2]` ms. Returns 1 when held. */
export const TAKE_LEASE = new LuaScript(`
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`);

/** Gives a lease back, only if it is still ours. */
export const RELEASE_LEASE = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

/**
 * Stores a chunk of an ingested file's blocks, if the file is still the same generation, and
 * refreshes what the file's meta says of them. ARGV: base, generation, now, then (number, payload,
 * digest) triples.
 */
export const STORE_BLOCKS = new LuaScript(`${HELPERS}
local meta, base = KEYS[1], ARGV[1]
if redis.call('HGET', meta, 'generation') ~= ARGV[2] then return 0 end
for at = 4, #ARGV, 3 do
  local number = ARGV[at]
  redis.call('HSET', base .. 'payloads', number, ARGV[at + 1])
  redis.call('HSET', base .. 'digests', number, ARGV[at + 2])
  redis.call('ZADD', base .. 'blocks', number, number)
end
local first = redis.call('ZRANGE', base .. 'blocks', 0, 0)[1] or ''
local last = redis.call('ZRANGE', base .. 'blocks', -1, -1)[1] or ''
redis.call('HSET', meta, 'blockCount', redis.call('ZCARD', base .. 'blocks'), 'firstBlock', first, 'lastBlock', last, 'updatedAt', ARGV[3])
refreshProgress(base, meta)
return 1
`);

/**
 * Ends an ingest: records the declared coverage and whether the file is whole (sealed) or may
 * still grow (a simulation), and recomputes progress. ARGV: base, generation, toBlock ('' = none), sealed, now.
 */
export const SEAL_FILE = new LuaScript(`${HELPERS}
local meta, base = KEYS[1], ARGV[1]
if redis.call('HGET', meta, 'generation') ~= ARGV[2] then return 0 end
redis.call('HSET', meta, 'toBlock', ARGV[3], 'sealed', ARGV[4], 'updatedAt', ARGV[5])
refreshProgress(base, meta)
return 1
`);
