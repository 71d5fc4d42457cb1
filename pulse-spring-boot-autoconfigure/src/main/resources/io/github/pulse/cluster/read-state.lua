-- Reads, at one instant, what a resume after the owner's death needs: the global broadcast counter, the send
-- counter, the epoch, and per room its counter, its stream after the snapshot's position, the room number at that
-- position and its oldest entry, as JSON {gnow, sends, epoch, rooms: [{rseq, entries: [[g, n, body]], natg,
-- first: [g, n, body]}]}.
-- KEYS: global counter, send counter, then stream and counter per room, then the epoch.
-- ARGV: the snapshot's global position.
local function fields(entry)
	local n, b
	for i = 1, #entry[2], 2 do
		if entry[2][i] == 'n' then n = entry[2][i + 1] elseif entry[2][i] == 'b' then b = entry[2][i + 1] end
	end
	return {string.sub(entry[1], 1, string.find(entry[1], '-', 1, true) - 1), n, b}
end
local result = {gnow = redis.call('GET', KEYS[1]) or '0', sends = redis.call('GET', KEYS[2]) or '0',
	epoch = redis.call('GET', KEYS[#KEYS]) or '', rooms = {}}
for i = 3, #KEYS - 1, 2 do
	local room = {rseq = redis.call('GET', KEYS[i + 1]) or '0', entries = {}}
	for _, entry in ipairs(redis.call('XRANGE', KEYS[i], '(' .. ARGV[1] .. '-0', '+')) do
		room.entries[#room.entries + 1] = fields(entry)
	end
	local before = redis.call('XREVRANGE', KEYS[i], ARGV[1] .. '-0', '-', 'COUNT', 1)
	if #before > 0 then room.natg = fields(before[1])[2] end
	local first = redis.call('XRANGE', KEYS[i], '-', '+', 'COUNT', 1)
	if #first > 0 then room.first = fields(first[1]) end
	result.rooms[#result.rooms + 1] = room
end
return cjson.encode(result)
