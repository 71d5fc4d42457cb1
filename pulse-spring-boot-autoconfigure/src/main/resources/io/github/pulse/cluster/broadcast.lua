-- Numbers a broadcast cluster-wide (g) and in its room (n), appends it to the room's bounded stream under id g-0
-- with the time by Redis's clock (t, in ms, for the room's history),
-- records it as the publishing node's last numbered broadcast, and publishes it: one script, so the channel order
-- is the stream order. The epoch names this Redis data set: a Redis that lost its data (restarted empty) starts a
-- new one (the proposal is fresh for every call, so a new epoch never repeats an old id), and the nodes know the
-- numbers start over.
-- KEYS: global counter, room counter, room stream, broadcast channel, epoch, publisher record.
-- ARGV: retention, key TTL (ms) (both the room's: a room with history keeps more, longer), proposed epoch, room, body, node, node's sequence number, the epoch the node last
-- saw ('' before it saw one).
-- Returns the global number; 0 if numbered already; -1, numbering nothing, if the node last saw another epoch (Redis
-- lost its data since: the node first sends again its broadcasts that some node may not have received, then this).
local e = redis.call('GET', KEYS[5])
if ARGV[8] ~= '' and e ~= ARGV[8] then
	return -1
end
-- numbered already (a batch sent again after its answer was lost, or replayed by the client on reconnect): this
-- node numbers its broadcasts in order, so a sequence number at or below its record is a second copy. Sequence
-- numbers have 19 digits: compared as strings, not as Lua numbers (doubles).
local last = redis.call('GET', KEYS[6])
if last and (#last > #ARGV[7] or (#last == #ARGV[7] and last >= ARGV[7])) then
	return 0
end
if not e then
	e = ARGV[3]
	redis.call('SET', KEYS[5], e)
end
local g = redis.call('INCR', KEYS[1])
local n = redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
local now = redis.call('TIME')
local t = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[1], g .. '-0', 'n', n, 'b', ARGV[5], 'o', ARGV[6], 's', ARGV[7], 't', t)
redis.call('PEXPIRE', KEYS[3], ARGV[2])
redis.call('SET', KEYS[6], ARGV[7], 'PX', ARGV[2])
redis.call('PUBLISH', KEYS[4], 'B|' .. e .. '|' .. g .. '|' .. n .. '|' .. ARGV[6] .. '|' .. ARGV[7] .. '|' .. ARGV[4]
	.. '|' .. ARGV[5])
return g
