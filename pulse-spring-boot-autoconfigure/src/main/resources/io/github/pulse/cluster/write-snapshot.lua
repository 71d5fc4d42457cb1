-- Writes a session snapshot unless a newer version (or the tombstone of a claim) is there, with the send counter's
-- base: given, or the one an earlier write of this token recorded, or else the counter now (the first time).
-- issue.lua runs this after its own part.
-- KEYS: snapshot, send counter. ARGV: version, JSON, TTL (ms), base or empty. Returns the base.
local current = tonumber(redis.call('HGET', KEYS[1], 'v') or '-1')
local base = ARGV[4]
if base == '' then base = redis.call('HGET', KEYS[1], 'b') or redis.call('GET', KEYS[2]) or '0' end
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[3])
else redis.call('SET', KEYS[2], '0', 'PX', ARGV[3]) end
if tonumber(ARGV[1]) > current then redis.call('HSET', KEYS[1], 'v', ARGV[1], 'j', ARGV[2], 'b', base) end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return tonumber(base)
