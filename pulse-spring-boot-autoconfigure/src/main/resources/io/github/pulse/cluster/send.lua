-- Counts a direct send in the connection's send counter and publishes it to the node the directory names now, in
-- one step: a send is counted exactly when it is handed to the owner's command channel. Nothing happens (0) if no
-- node, or this node, holds the connection.
-- KEYS: directory entry, send counter.
-- ARGV: this node, channel prefix, '<length>:<id>', body, counter TTL (ms).
local owner = redis.call('GET', KEYS[1])
if not owner or owner == ARGV[1] then
	return 0
end
local v = redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
redis.call('PUBLISH', ARGV[2] .. owner, 'C' .. v .. ':' .. ARGV[3] .. ARGV[4])
return v
