import { LuaScript } from './lua-script';

/**
 * Lua scripts: each runs atomically in Redis, which is what makes a batch of blocks apply whole
 * or not at all, and a read see one consistent version of every entity. Keys of one file are
 * built from its base (`FileKeys.base`, passed as ARGV[1]); KEYS[1] is always the file's meta.
 */

const HELPERS = `
local function fmt(n) return string.format('%.0f', n) end

-- Redis does not undo the writes of a script that fails half-way: scripts check their input
-- before their first write. Index commands come in groups of four from 'first'.
local INDEX_COMMANDS = { HSET = true, HDEL = true, SADD = true, SREM = true }
local function badIndexCommand(first, count)
  for i = 0, count - 1 do
    local command = ARGV[first + 4 * i]
    if not INDEX_COMMANDS[command] then return 'unknown index command ' .. tostring(command) end
  end
  return nil
end
local function runIndexCommand(base, at)
  local command, key, field = ARGV[at], base .. ARGV[at + 1], ARGV[at + 2]
  if command == 'HSET' then redis.call('HSET', key, field, ARGV[at + 3])
  elseif command == 'HDEL' then redis.call('HDEL', key, field)
  elseif command == 'SADD' then redis.call('SADD', key, field)
  else redis.call('SREM', key, field) end
end

-- Spec §5: the largest N such that every block of the file numbered <= N is applied.
-- A pending rewind (a reorganisation not undone yet) counts as applied only up to its target.
local function effectiveApplied(meta)
  local state = redis.call('HMGET', meta, 'appliedThrough', 'rewindTo')
  local applied, rewindTo = state[1] or '', state[2] or ''
  if rewindTo ~= '' and (applied == '' or tonumber(rewindTo) < tonumber(applied)) then
    if tonumber(rewindTo) < 0 then return '' end
    return rewindTo
  end
  return applied
end

-- The file's block count and first and last block, from its block list.
local function refreshBlockRange(base, meta)
  local first = redis.call('ZRANGE', base .. 'blocks', 0, 0)[1] or ''
  local last = redis.call('ZRANGE', base .. 'blocks', -1, -1)[1] or ''
  redis.call('HSET', meta, 'blockCount', redis.call('ZCARD', base .. 'blocks'), 'firstBlock', first, 'lastBlock', last)
end

local function refreshProgress(base, meta)
  local applied = effectiveApplied(meta)
  local hasApplied = applied ~= ''
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
 * ARGV: base, generation, expectedAppliedThrough ('' = none), newAppliedThrough, epoch, now,
 *       then the counts of each section, then the sections:
 *       versions (kind, key, block, version), heads (kind, key, json), born (kind, key, block),
 *       changelog (block, member), rejections (block, member), stats (block, applied, rejected),
 *       index ops (command, key suffix, field, value), payloads (block).
 */
export const APPLY_BATCH = new LuaScript(`${HELPERS}
local meta = KEYS[1]
local base = ARGV[1]
local state = redis.call('HMGET', meta, 'generation', 'status', 'appliedThrough', 'epoch', 'rewindTo', 'reorgWindow')
if not state[1] then return {0, 'file is gone'} end
if state[1] ~= ARGV[2] then return {0, 'file was replaced'} end
if state[2] == 'stopped' then return {0, 'file is stopped'} end
if (state[3] or '') ~= ARGV[3] then return {0, 'blocks were applied by another consumer'} end
if (state[4] or '0') ~= ARGV[5] or (state[5] or '') ~= '' then return {0, 'the chain reorganised under the batch'} end

local nVersions, nHeads, nBorn, nChangelog = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
local nRejections, nStats, nIndex, nPayloads = tonumber(ARGV[11]), tonumber(ARGV[12]), tonumber(ARGV[13]), tonumber(ARGV[14])
local indexFirst = 15 + 4 * nVersions + 3 * nHeads + 3 * nBorn + 2 * nChangelog + 2 * nRejections + 3 * nStats
local bad = badIndexCommand(indexFirst, nIndex)
if bad then return redis.error_reply(bad) end
for i = 0, nStats - 1 do
  local at = 15 + 4 * nVersions + 3 * nHeads + 3 * nBorn + 2 * nChangelog + 2 * nRejections + 3 * i
  if not tonumber(ARGV[at + 1]) or not tonumber(ARGV[at + 2]) then return redis.error_reply('block stats must be numbers') end
end
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
  runIndexCommand(base, at)
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
local keepAbove = fmt(tonumber(ARGV[4]) - tonumber(state[6] or '64'))
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
 * Returns one string, key and version lines alternating (a version is '<block>|<encoded>'; neither
 * holds a line break): one reply to parse instead of thousands.
 */
export const STATE_PAGE = new LuaScript(`
local base, kind, n = ARGV[1], ARGV[2], ARGV[3]
local keys = redis.call('ZRANGEBYSCORE', base .. 'born:' .. kind, '-inf', n, 'LIMIT', ARGV[4], ARGV[5])
local history = base .. 'hist:' .. kind .. ':'
local out = {}
for i, key in ipairs(keys) do
  out[2 * i - 1] = key
  out[2 * i] = redis.call('ZREVRANGEBYSCORE', history .. key, n, '-inf', 'LIMIT', 0, 1)[1] or ''
end
return table.concat(out, '\\n')
`);

/** Takes a lease if free or already ours, for `ARGV[2]` ms. Returns 1 when held. */
export const TAKE_LEASE = new LuaScript(`
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`);

/**
 * A job's way in to a file: take its apply lease when free, or, when a consumer holds it for the
 * same generation, leave word that more blocks came (the holder looks again before it lets go,
 * see FINISH_DRAIN) and let the job end. KEYS: lease, more-flag. ARGV: holder, generation, ms.
 * Returns 'taken', 'delegated', or 'busy' (held for another generation: try later).
 */
export const TAKE_OR_DELEGATE = new LuaScript(`
local holder = redis.call('GET', KEYS[1])
if not holder or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
  return 'taken'
end
if string.match(holder, '|(%d+)$') == ARGV[2] then
  redis.call('SET', KEYS[2], '1')
  return 'delegated'
end
return 'busy'
`);

/**
 * The holder found nothing more to apply: it lets the lease go, unless a job left word of more
 * blocks meanwhile (then it keeps the lease and goes on). Atomic with TAKE_OR_DELEGATE, so no word
 * is lost between the holder's last look and its release. A lease that ran out under a slow
 * holder and that nobody took is still the holder's to settle: word left for it would otherwise
 * wait for no one. KEYS: lease, more-flag. ARGV: holder, ms.
 * Returns 'again', 'released', or 'lost' (another holds the lease; the word stays for it).
 */
export const FINISH_DRAIN = new LuaScript(`
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 'lost' end
if redis.call('DEL', KEYS[2]) == 1 then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 'again'
end
redis.call('DEL', KEYS[1])
return 'released'
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
refreshBlockRange(base, meta)
redis.call('HSET', meta, 'updatedAt', ARGV[3])
refreshProgress(base, meta)
return 1
`);

/**
 * Ends an ingest: records the declared coverage and whether the file is whole (sealed) or may
 * still grow (a simulation), and recomputes progress. ARGV: base, generation, toBlock ('' = none), sealed, now,
 * ignoredLogs (raw-log files; '' = not a log file).
 */
export const SEAL_FILE = new LuaScript(`${HELPERS}
local meta, base = KEYS[1], ARGV[1]
if redis.call('HGET', meta, 'generation') ~= ARGV[2] then return 0 end
redis.call('HSET', meta, 'toBlock', ARGV[3], 'sealed', ARGV[4], 'updatedAt', ARGV[5], 'ignoredLogs', ARGV[6] or '')
refreshProgress(base, meta)
return 1
`);

/**
 * A re-ingested file differs from block K on (a chain reorganisation, or removed logs): the
 * stored blocks from K on are dropped (the new ones follow), in-flight batches are made stale
 * (epoch), and if blocks from K on were applied, a rewind to K−1 is recorded for the next
 * consumer to carry out; `processedThrough` drops to at most K−1 at once, so no answer comes from
 * the dead branch. When the applied blocks reach further back than the window of recent changes
 * kept to undo them, nothing is changed but the file is stopped with the reason.
 * ARGV: base, generation, K, now, stopWhenTooDeep ('1': chain data, stop the file; '0': only
 * refuse). Returns {1} or {0, reason, stopped}.
 */
export const BEGIN_REORG = new LuaScript(`${HELPERS}
local meta, base = KEYS[1], ARGV[1]
local state = redis.call('HMGET', meta, 'generation', 'status', 'appliedThrough', 'rewindTo', 'reorgWindow', 'processedThrough')
if state[1] ~= ARGV[2] then return {0, 'the file was replaced by another ingest', 0} end
if state[2] == 'stopped' then return {0, 'the file is stopped', 0} end
local from = tonumber(ARGV[3])
local applied = state[3] or ''
if applied ~= '' and from <= tonumber(applied) then
  local window = tonumber(state[5] or '64')
  if from <= tonumber(applied) - window then
    local reason = 'the change from block ' .. ARGV[3] .. ' reaches ' .. fmt(tonumber(applied) - from + 1) ..
      ' applied blocks back (applied through block ' .. applied .. '), deeper than the reorganisation window of ' .. fmt(window) .. ' blocks'
    if ARGV[5] == '1' then reason = 'a chain reorganisation: ' .. reason .. '; the file is stopped at block ' .. fmt(from - 1) .. ' (ingest the content it had to let it go on, or use --replace to start it again)' end
    if ARGV[5] ~= '1' then return {0, reason, 0} end
    local processed = state[6] or ''
    local keep = fmt(from - 1)
    if processed ~= '' and tonumber(processed) < from - 1 then keep = processed end
    if from - 1 < 0 then keep = '' end
    redis.call('HSET', meta, 'status', 'stopped', 'error', reason, 'processedThrough', keep, 'updatedAt', ARGV[4])
    return {0, reason, 1}
  end
  local rewindTo = state[4] or ''
  if rewindTo == '' or from - 1 < tonumber(rewindTo) then redis.call('HSET', meta, 'rewindTo', fmt(from - 1)) end
end
local dropped = redis.call('ZRANGEBYSCORE', base .. 'blocks', ARGV[3], '+inf')
for i = 1, #dropped, 500 do
  local last = math.min(i + 499, #dropped)
  redis.call('HDEL', base .. 'payloads', unpack(dropped, i, last))
  redis.call('HDEL', base .. 'digests', unpack(dropped, i, last))
end
redis.call('ZREMRANGEBYSCORE', base .. 'blocks', ARGV[3], '+inf')
refreshBlockRange(base, meta)
redis.call('HINCRBY', meta, 'epoch', 1)
redis.call('HINCRBY', meta, 'reorgs', 1)
-- The new blocks follow: the file is not whole until the ingest seals it again.
redis.call('HSET', meta, 'lastReorgBlock', ARGV[3], 'sealed', '0', 'updatedAt', ARGV[4])
local processed = redis.call('HGET', meta, 'processedThrough') or ''
refreshProgress(base, meta)
local now = redis.call('HGET', meta, 'processedThrough') or ''
-- Never further than before: the reorganisation only takes blocks back.
if processed ~= '' and now ~= '' and tonumber(now) > tonumber(processed) then redis.call('HSET', meta, 'processedThrough', processed) end
return {1, ''}
`);

/**
 * Undoes the applied blocks after a rewind target (planned by the consumer holding the file's
 * lease), if nothing moved since the plan: every entity those blocks changed gets back its
 * version as of the target (or disappears), and their rejections, counts and change log go.
 * ARGV: base, generation, epoch, expectedAppliedThrough, target, now, then counts of heads and
 * index ops, then heads (kind, key, json or '' to delete) and index ops (command, key suffix, field, value).
 */
export const ROLLBACK = new LuaScript(`${HELPERS}
local meta, base = KEYS[1], ARGV[1]
local state = redis.call('HMGET', meta, 'generation', 'epoch', 'appliedThrough', 'rewindTo', 'status')
if state[1] ~= ARGV[2] or (state[2] or '0') ~= ARGV[3] or (state[3] or '') ~= ARGV[4] or (state[4] or '') ~= ARGV[5] then
  return {0, 'the file moved while the rollback was planned'}
end
if state[5] == 'stopped' then return {0, 'the file is stopped'} end
local target = ARGV[5]
local nHeads, nIndex = tonumber(ARGV[7]), tonumber(ARGV[8])
local bad = badIndexCommand(9 + 3 * nHeads, nIndex)
if bad then return redis.error_reply(bad) end
-- What the undone blocks counted, read before the first write.
local blocks, applied, rejected = 0, 0, 0
for _, entry in ipairs(redis.call('ZRANGEBYSCORE', base .. 'block-stats', '(' .. target, '+inf')) do
  local _, a, r = string.match(entry, '^([^|]+)|([^|]+)|([^|]+)$')
  if not tonumber(a) or not tonumber(r) then return redis.error_reply('malformed block stats: ' .. entry) end
  blocks = blocks + 1
  applied = applied + tonumber(a)
  rejected = rejected + tonumber(r)
end
local at = 9
for _ = 1, nHeads do
  local kind, key, json = ARGV[at], ARGV[at + 1], ARGV[at + 2]
  redis.call('ZREMRANGEBYSCORE', base .. 'hist:' .. kind .. ':' .. key, '(' .. target, '+inf')
  if json == '' then
    redis.call('HDEL', base .. 'head:' .. kind, key)
    redis.call('ZREM', base .. 'born:' .. kind, key)
  else
    redis.call('HSET', base .. 'head:' .. kind, key, json)
  end
  at = at + 3
end
for _ = 1, nIndex do
  runIndexCommand(base, at)
  at = at + 4
end
redis.call('ZREMRANGEBYSCORE', base .. 'block-stats', '(' .. target, '+inf')
redis.call('ZREMRANGEBYSCORE', base .. 'changelog', '(' .. target, '+inf')
redis.call('ZREMRANGEBYSCORE', base .. 'rejections', '(' .. target, '+inf')
-- 0 - n, not -n: Lua writes -0 as "-0", which HINCRBY refuses.
redis.call('HINCRBY', meta, 'blocksApplied', 0 - blocks)
redis.call('HINCRBY', meta, 'eventsApplied', 0 - applied)
redis.call('HINCRBY', meta, 'eventsRejected', 0 - rejected)
local last = redis.call('ZREVRANGEBYSCORE', base .. 'blocks', target, '-inf', 'LIMIT', 0, 1)[1] or ''
redis.call('HSET', meta, 'appliedThrough', last, 'rewindTo', '', 'updatedAt', ARGV[6])
refreshProgress(base, meta)
return {1, blocks}
`);

/**
 * A stopped file given again with the content it has (not the branch that stopped it) goes on:
 * its state was never changed by the refused reorganisation. ARGV: base, generation, now.
 */
export const RESUME_FILE = new LuaScript(`${HELPERS}
local meta, base = KEYS[1], ARGV[1]
if redis.call('HGET', meta, 'generation') ~= ARGV[2] then return 0 end
redis.call('HSET', meta, 'status', 'active', 'error', '', 'updatedAt', ARGV[3])
refreshProgress(base, meta)
return 1
`);
