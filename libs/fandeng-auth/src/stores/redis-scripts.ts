/**
 * The Lua scripts of `RedisTokenStore`. Each touches one key (`KEYS[1]`), so each runs in that
 * key's hash slot on Redis Cluster; Redis runs a script atomically, which is the point of each.
 */

// A token replaces the stored one only if it is newer (stores/token-order.ts decides the same in
// JS): a write the store gave up on (a timeout, a stalled link) may still arrive, and must not
// bring back an older token. Newer: issued later by the platform where both tokens carry
// platformIssuedAt (a number, the platform's clock), else obtained later; obtainedAt is ISO-8601
// text (JSON of a Date), whose order as text is its order in time. A stored value that is not a
// token of ours, or dated past ARGV[4] (the writer's clock plus the accepted skew), does not
// count: it is replaced. Stored: publishes the token (only then) and returns 1; kept: returns the
// stored text, so the writer can adopt it.
// ARGV: token JSON, TTL ms, its obtainedAt, latest believable obtainedAt, channel, its
// platformIssuedAt or ''.
export const SET_IF_NEWER = `
local ok, current = pcall(redis.call, 'GET', KEYS[1])
if ok and current then
  local parsed, stored = pcall(cjson.decode, current)
  local at = parsed and type(stored) == 'table' and stored.obtainedAt
  if type(at) == 'string' and string.match(at, '^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d%.%d%d%dZ$')
    and at <= ARGV[4] then
    local issued, incoming = stored.platformIssuedAt, tonumber(ARGV[6])
    if type(issued) == 'number' and incoming and issued ~= incoming then
      if issued > incoming then return current end
    elseif at > ARGV[3] then
      return current
    end
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('PUBLISH', ARGV[5], ARGV[1])
return 1`;

// Compare-and-delete: only the value we were told about is removed, never a newer one. The key
// may hold anything (another writer's garbage, another type): pcall keeps that from failing the
// script, and so from marking the store unhealthy; such a value is replaced at the next set.
export const DELETE_TOKEN_IF = `
local ok, current = pcall(redis.call, 'GET', KEYS[1])
if not ok or not current then return 0 end
local parsed, token = pcall(cjson.decode, current)
if parsed and type(token) == 'table' and token.value == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

// A day's counter lives two days: long enough to be read all day wherever the platform's midnight is.
// Someone else's value under the key (text, another type, no TTL) restarts the count; it is not an
// outage, and must not live for ever.
export const COUNT_REQUEST = `
local ok, count = pcall(redis.call, 'INCR', KEYS[1])
if not ok then
  redis.call('SET', KEYS[1], 1, 'PX', ARGV[1])
  return 1
end
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return count`;

// Takes the lock if it is free. A lock without a TTL is none of ours (ours always expire): it would
// keep every process from the lock for ever, so it gets the TTL of a dead holder's lock.
export const TAKE_LOCK = `
if redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then return 1 end
if redis.call('PTTL', KEYS[1]) == -1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

export const RELEASE_LOCK_IF = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export const RENEW_LOCK_IF = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

// The fleet's cooldown note and its remaining time, or nil. Someone else's value of another type
// under the key reads as no note.
export const READ_COOLDOWN = `
local ok, note = pcall(redis.call, 'GET', KEYS[1])
if not ok or not note then return nil end
return {note, redis.call('PTTL', KEYS[1])}`;

// ACL users of the store may run DEL only inside scripts (README): the note is removed here.
export const DELETE_COOLDOWN = `return redis.call('DEL', KEYS[1])`;
