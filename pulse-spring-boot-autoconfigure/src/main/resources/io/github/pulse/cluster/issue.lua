-- Writes a new token's entry and then (write-snapshot.lua, appended to this script) its snapshot, and deletes the
-- previous token's snapshot, unless another node took the session over meanwhile (the previous snapshot is a
-- claim's tombstone): then the new token's snapshot becomes a tombstone too, so that the next refresh ends the
-- session on this node (refresh.lua), and it returns -2.
-- KEYS: snapshot, send counter, token entry. ARGV: as write-snapshot.lua, node, previous snapshot key or empty.
if ARGV[6] ~= '' then
	if redis.call('HGET', ARGV[6], 'j') == '' then
		redis.call('HSET', KEYS[1], 'v', '9000000000000000000', 'j', '')
		redis.call('PEXPIRE', KEYS[1], ARGV[3])
		return -2
	end
	redis.call('DEL', ARGV[6])
end
redis.call('SET', KEYS[3], ARGV[5], 'PX', ARGV[3])
