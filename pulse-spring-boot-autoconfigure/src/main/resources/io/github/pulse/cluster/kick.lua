-- Publishes a kick to the node the directory names now. Nothing happens (0) if no node, or this node, holds the
-- connection.
-- KEYS: directory entry. ARGV: this node, channel prefix, connection id.
local owner = redis.call('GET', KEYS[1])
if not owner or owner == ARGV[1] then
	return 0
end
redis.call('PUBLISH', ARGV[2] .. owner, 'K' .. ARGV[3])
return 1
