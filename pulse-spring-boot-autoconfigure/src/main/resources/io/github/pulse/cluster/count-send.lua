-- Counts a direct send to a session of this node in its send counter, where a resume after this node's death reads
-- it. KEYS: send counter. ARGV: counter TTL (ms). Returns the counter.
local v = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return v
