-- What a node needs to fill a gap in one room: the room number of the last entry at or before the global number
-- ARGV[1] (-1 if the stream no longer holds one) and the entries after ARGV[1] and before ARGV[2], as JSON
-- {"prev": n, "entries": [[g, n, body, node, node's sequence number], ...]}. KEYS: the room stream.
local function fields(entry)
	local f = {}
	for i = 1, #entry[2], 2 do
		f[entry[2][i]] = entry[2][i + 1]
	end
	return {string.sub(entry[1], 1, string.find(entry[1], '-', 1, true) - 1), f.n, f.b, f.o or '', f.s or '0'}
end
local result = {prev = '-1', entries = {}}
local before = redis.call('XREVRANGE', KEYS[1], ARGV[1] .. '-0', '-', 'COUNT', 1)
if #before > 0 then result.prev = fields(before[1])[2] end
for _, entry in ipairs(redis.call('XRANGE', KEYS[1], '(' .. ARGV[1] .. '-0', '(' .. ARGV[2] .. '-0')) do
	result.entries[#result.entries + 1] = fields(entry)
end
return cjson.encode(result)
