-- Puts a claimed snapshot back after a refused resume.
-- KEYS: snapshot, token entry. ARGV: version, JSON, base, TTL (ms), owner node.
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'j', ARGV[2], 'b', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('SET', KEYS[2], ARGV[5], 'PX', ARGV[4])
return 1
