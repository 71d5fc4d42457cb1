-- Deletes a directory entry only if it still names this node: a late end of a session must not delete the entry of
-- the newer session that took its connection id, here or on another node.
-- KEYS: directory entry. ARGV: node.
if redis.call('GET', KEYS[1]) == ARGV[1] then
	return redis.call('DEL', KEYS[1])
end
return 0
