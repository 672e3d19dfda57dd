/**
 * The Lua scripts that keep a budget tree in Redis. Each runs atomically on the server, so one call checks and
 * takes a whole cost at a node and every ancestor, or takes nothing.
 *
 * Keys (all share the namespace's hash tag, so they live in one slot of a cluster):
 * - `state` (hash): per node `p:<n>` (its parent, '' for a root), `r:<n>` (its resources, a JSON array), and per
 *   resource `l:` limit, `u:` amount in use, `c:` ceiling (the highest limit it has had). `<n>` is written as the
 *   node's byte length, ':', the node, so no node or resource name can collide with another. Amounts are integers:
 *   user amounts times 1,000,000.
 * - `leases` (sorted set): lease id → expiry in milliseconds on the Redis clock.
 * - `holds` (hash): lease id → what it took, `{ n: node, t: [node, resource, amount, …] }`.
 * - `waiters` (sorted set): process id → until when (Redis clock) it may be waiting for capacity. An acquire that
 *   finds the cost short registers its process here, in the same atomic step.
 *
 * Every script first gives back up to 256 expired leases (a killed holder's), then does its job. ARGV[1] is always
 * the namespace's channel: a script that frees capacity publishes on it so waiting processes retry at once, but
 * only while some process is registered as waiting (a busy tree where nothing waits sends no messages).
 */

const PRELUDE = `
local state, leases, holds, waiters = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local channel = ARGV[1]
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function f(kind, node, res)
  if res == nil then return kind .. ':' .. #node .. ':' .. node end
  return kind .. ':' .. #node .. ':' .. node .. ':' .. res
end
local function give(t)
  for i = 1, #t, 3 do redis.call('HINCRBY', state, f('u', t[i], t[i + 1]), -tonumber(t[i + 2])) end
end
-- Tells waiting processes that capacity may have come back, if any process waits.
local function wake(now, why)
  if redis.call('ZCOUNT', waiters, now, '+inf') > 0 then
    redis.call('PUBLISH', channel, why)
  elseif redis.call('ZCARD', waiters) > 0 then
    redis.call('ZREMRANGEBYSCORE', waiters, '-inf', now)
  end
end
local function reclaim(now)
  local ids = redis.call('ZRANGEBYSCORE', leases, '-inf', now, 'LIMIT', 0, 256)
  for _, id in ipairs(ids) do
    local h = redis.call('HGET', holds, id)
    if h then
      give(cjson.decode(h).t)
      redis.call('HDEL', holds, id)
    end
    redis.call('ZREM', leases, id)
  end
  return #ids
end
local function resources(node)
  local r = redis.call('HGET', state, f('r', node))
  if not r then return {} end
  return cjson.decode(r)
end
-- The node and its ancestors, or nil and the first name that is not defined.
local function chain(node)
  local out = {}
  local n = node
  while n ~= '' do
    local p = redis.call('HGET', state, f('p', n))
    if not p then return nil, n end
    out[#out + 1] = n
    if #out > 64 then return nil, n end
    n = p
  end
  return out
end
-- Per node of the chain: name, resource count, then per resource name, limit, in use, ceiling.
local function dump(nodes)
  local out = {}
  for _, n in ipairs(nodes) do
    local rs = resources(n)
    out[#out + 1] = n
    out[#out + 1] = #rs
    for _, r in ipairs(rs) do
      out[#out + 1] = r
      out[#out + 1] = redis.call('HGET', state, f('l', n, r)) or '0'
      out[#out + 1] = redis.call('HGET', state, f('u', n, r)) or '0'
      out[#out + 1] = redis.call('HGET', state, f('c', n, r)) or '0'
    end
  end
  return out
end
-- The earliest live lease expiry (0 when none), so waiters know when a dead holder's capacity comes back.
local function earliest()
  local first = redis.call('ZRANGE', leases, 0, 0, 'WITHSCORES')
  if #first == 0 then return 0 end
  return tonumber(first[2])
end
`;

/**
 * ARGV: channel, lease id, ttl ms, node, process id, how long a refused process counts as waiting (ms), '1' to
 * have the chain's figures in an 'ok' reply too, then resource and amount pairs.
 * Returns `{'ok', expiry, now, earliest, dump or {}}`, `{'short', resource, node, now, earliest, dump}` (the process
 * is then registered as waiting),
 * `{'unknown_node', name}`, `{'unknown_resource', resource}` or `{'exceeds', resource, node, amount, ceiling}`.
 */
export const ACQUIRE = `${PRELUDE}
local now = now_ms()
if reclaim(now) > 0 then wake(now, 'reclaimed') end
local nodes, missing = chain(ARGV[4])
if not nodes then return {'unknown_node', missing} end
-- A client may send the same acquire twice (a resend after a dropped connection): take it only once.
local granted = redis.call('ZSCORE', leases, ARGV[2])
if granted then return {'ok', tonumber(granted), now, earliest(), {}} end
local t = {}
local short = nil
for i = 8, #ARGV, 2 do
  local res, text = ARGV[i], ARGV[i + 1]
  local amt = tonumber(text)
  if amt > 0 then
    local tracked = false
    for _, n in ipairs(nodes) do
      local l = redis.call('HGET', state, f('l', n, res))
      if l then
        tracked = true
        local c = redis.call('HGET', state, f('c', n, res))
        if amt > tonumber(c) then return {'exceeds', res, n, text, c} end
        local u = tonumber(redis.call('HGET', state, f('u', n, res)) or '0')
        if short == nil and u + amt > tonumber(l) then short = {res, n} end
        t[#t + 1] = n
        t[#t + 1] = res
        t[#t + 1] = text
      end
    end
    if not tracked then return {'unknown_resource', res} end
  end
end
if short ~= nil then
  redis.call('ZADD', waiters, now + tonumber(ARGV[6]), ARGV[5])
  return {'short', short[1], short[2], now, earliest(), dump(nodes)}
end
for i = 1, #t, 3 do redis.call('HINCRBY', state, f('u', t[i], t[i + 1]), t[i + 2]) end
local expiry = now + tonumber(ARGV[3])
redis.call('HSET', holds, ARGV[2], cjson.encode({n = ARGV[4], t = t}))
redis.call('ZADD', leases, expiry, ARGV[2])
return {'ok', expiry, now, earliest(), ARGV[7] == '1' and dump(nodes) or {}}
`;

/**
 * ARGV: channel, node whose chain to report ('' for none), then lease ids. Gives back each lease still held
 * (idempotent). Returns `{given, now, earliest, dump}`.
 */
export const RELEASE = `${PRELUDE}
local now = now_ms()
local freed = reclaim(now)
local given = 0
for i = 3, #ARGV do
  local h = redis.call('HGET', holds, ARGV[i])
  if h then
    give(cjson.decode(h).t)
    redis.call('HDEL', holds, ARGV[i])
    given = given + 1
  end
  redis.call('ZREM', leases, ARGV[i])
end
if given + freed > 0 then wake(now, 'released') end
if ARGV[2] == '' then return {given, now, earliest(), {}} end
local nodes = chain(ARGV[2])
return {given, now, earliest(), nodes and dump(nodes) or {}}
`;

/**
 * ARGV: channel, lease id, node, then the new resource and amount pairs. Replaces what a lease holds (a task
 * corrected its cost or gave part of it back): gives the old amounts back and takes the new ones, without a fit
 * check, as the in-memory capacity does. Returns 1, or 0 when the lease is gone.
 */
export const ADJUST = `${PRELUDE}
local now = now_ms()
reclaim(now)
local h = redis.call('HGET', holds, ARGV[2])
if not h then return 0 end
local old = cjson.decode(h)
give(old.t)
local nodes = chain(ARGV[3]) or {}
local t = {}
for i = 4, #ARGV, 2 do
  local res, text = ARGV[i], ARGV[i + 1]
  if tonumber(text) > 0 then
    for _, n in ipairs(nodes) do
      if redis.call('HEXISTS', state, f('l', n, res)) == 1 then
        t[#t + 1] = n
        t[#t + 1] = res
        t[#t + 1] = text
      end
    end
  end
end
for i = 1, #t, 3 do redis.call('HINCRBY', state, f('u', t[i], t[i + 1]), t[i + 2]) end
redis.call('HSET', holds, ARGV[2], cjson.encode({n = old.n, t = t}))
wake(now, 'adjusted')
return 1
`;

/** ARGV: channel, ttl ms, then lease ids. Extends each live lease; returns `{expiry, now, lostIds}`. */
export const RENEW = `${PRELUDE}
local now = now_ms()
if reclaim(now) > 0 then wake(now, 'reclaimed') end
local expiry = now + tonumber(ARGV[2])
local lost = {}
for i = 3, #ARGV do
  if redis.call('ZSCORE', leases, ARGV[i]) then
    redis.call('ZADD', leases, 'XX', expiry, ARGV[i])
  else
    lost[#lost + 1] = ARGV[i]
  end
end
return {expiry, now, lost}
`;

/**
 * ARGV: channel, then a JSON array of `[name, parent, [[resource, amount], …]]`, parents before children.
 * Creates the nodes that do not exist; an existing node keeps its limits. Returns `{'ok'}`,
 * `{'parent_mismatch', node, existing parent}` or `{'unknown_parent', node, parent}`.
 */
export const DEFINE = `${PRELUDE}
local nodes = cjson.decode(ARGV[2])
for _, d in ipairs(nodes) do
  local name, parent = d[1], d[2]
  local existing = redis.call('HGET', state, f('p', name))
  if existing then
    if existing ~= parent then return {'parent_mismatch', name, existing} end
  end
end
for _, d in ipairs(nodes) do
  local name, parent, limits = d[1], d[2], d[3]
  if not redis.call('HGET', state, f('p', name)) then
    if parent ~= '' and not redis.call('HGET', state, f('p', parent)) then
      return {'unknown_parent', name, parent}
    end
    local rs = {}
    for _, pair in ipairs(limits) do
      rs[#rs + 1] = pair[1]
      redis.call('HSET', state, f('l', name, pair[1]), pair[2], f('c', name, pair[1]), pair[2])
      redis.call('HSETNX', state, f('u', name, pair[1]), 0)
    end
    redis.call('HSET', state, f('r', name), cjson.encode(rs), f('p', name), parent)
    local all = redis.call('HGET', state, 'nodes')
    local list = all and cjson.decode(all) or {}
    list[#list + 1] = name
    redis.call('HSET', state, 'nodes', cjson.encode(list))
  end
end
return {'ok'}
`;

/**
 * ARGV: channel, node, then resource and amount pairs. Sets those limits (a new resource joins the node); each
 * ceiling becomes the highest limit seen. Returns `{'ok'}` or `{'unknown_node', node}`.
 */
export const SET_LIMITS = `${PRELUDE}
local node = ARGV[2]
if not redis.call('HGET', state, f('p', node)) then return {'unknown_node', node} end
local rs = resources(node)
local known = {}
for _, r in ipairs(rs) do known[r] = true end
for i = 3, #ARGV, 2 do
  local res, text = ARGV[i], ARGV[i + 1]
  if not known[res] then
    rs[#rs + 1] = res
    known[res] = true
  end
  redis.call('HSET', state, f('l', node, res), text)
  local c = tonumber(redis.call('HGET', state, f('c', node, res)) or '0')
  if tonumber(text) > c then redis.call('HSET', state, f('c', node, res), text) end
  redis.call('HSETNX', state, f('u', node, res), 0)
end
redis.call('HSET', state, f('r', node), cjson.encode(rs))
redis.call('PUBLISH', channel, 'limits')
return {'ok'}
`;

/** ARGV: channel. Returns per node: name, parent, live lease count, then its dump entry. */
export const SNAPSHOT = `${PRELUDE}
local now = now_ms()
if reclaim(now) > 0 then wake(now, 'reclaimed') end
local all = redis.call('HGET', state, 'nodes')
local list = all and cjson.decode(all) or {}
local counts = {}
for _, h in ipairs(redis.call('HVALS', holds)) do
  local n = cjson.decode(h).n
  counts[n] = (counts[n] or 0) + 1
end
local out = {}
for _, n in ipairs(list) do
  out[#out + 1] = n
  out[#out + 1] = redis.call('HGET', state, f('p', n)) or ''
  out[#out + 1] = counts[n] or 0
  out[#out + 1] = dump({n})
end
return out
`;
