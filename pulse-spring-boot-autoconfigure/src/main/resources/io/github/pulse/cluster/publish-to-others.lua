-- Publishes a message on the command channel of every other live node: a send to a user, which each node delivers to
-- the user's connections it holds (this node delivered to its own already; not counted here: each node counts what
-- it delivers, as it does a direct send to a session of its own), or this node's presence counts.
-- KEYS: node registry. ARGV: this node, channel prefix, now (epoch ms), message.
local nodes = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[3], '+inf')
local published = 0
for _, node in ipairs(nodes) do
	if node ~= ARGV[1] then
		redis.call('PUBLISH', ARGV[2] .. node, ARGV[4])
		published = published + 1
	end
end
return published
