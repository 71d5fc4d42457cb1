-- Writes a new token's entry and then (write-snapshot.lua, appended to this script) its snapshot, and deletes the
-- previous token's snapshot, unless another node took the session over meanwhile (the previous snapshot is a
-- claim's tombstone): then returns -2.
-- KEYS: snapshot, send counter, token entry. ARGV: as write-snapshot.lua, node, previous snapshot key or empty.
if ARGV[6] ~= '' then
	if redis.call('HGET', ARGV[6], 'j') == '' then return -2 end
	redis.call('DEL', ARGV[6])
end
redis.call('SET', KEYS[3], ARGV[5], 'PX', ARGV[3])
