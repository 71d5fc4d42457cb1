-- Claims a session snapshot once, for a resume after its node died: returns it as JSON {j, b, v} and leaves a
-- tombstone no late write of the old owner can overwrite; deletes the token entry.
-- KEYS: snapshot, token entry. ARGV: tombstone TTL (ms).
local j = redis.call('HGET', KEYS[1], 'j')
if not j or j == '' then return nil end
local result = cjson.encode({j = j, b = redis.call('HGET', KEYS[1], 'b'), v = redis.call('HGET', KEYS[1], 'v')})
redis.call('HSET', KEYS[1], 'v', '9000000000000000000', 'j', '')
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2])
return result
