-- Refreshes a session's token entry, directory entry, snapshot and send counter, unless another node took the
-- session over (the snapshot is a claim's tombstone).
-- KEYS: snapshot, token entry, directory entry, send counter. ARGV: node, token TTL (ms), node timeout (ms).
-- Returns 1 if taken over.
if redis.call('HGET', KEYS[1], 'j') == '' then return 1 end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[4], ARGV[2])
return 0
