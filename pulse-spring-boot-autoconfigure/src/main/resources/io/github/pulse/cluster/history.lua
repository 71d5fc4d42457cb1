-- A room's history as a node needs it to start its copy: the most recent entries of the room's stream up to the
-- node's position ARGV[3] (the number of the last broadcast it delivered), at most ARGV[1], and every entry after
-- that position (the node delivers those later, and takes into its copy those it delivered by the time the read is
-- back); none older than ARGV[2] ms by Redis's clock (an entry written before entries carried their time counts as
-- new). Oldest first, as JSON [[g, body, age in ms], ...]. KEYS: the room stream.
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local maxAge = tonumber(ARGV[2])
local result = {}
local function add(entry)
	local f = {}
	for j = 1, #entry[2], 2 do
		f[entry[2][j]] = entry[2][j + 1]
	end
	local age = 0
	if f.t then
		age = math.max(0, nowMs - tonumber(f.t))
	end
	if age <= maxAge then
		result[#result + 1] = {string.sub(entry[1], 1, string.find(entry[1], '-', 1, true) - 1), f.b, age}
	end
end
local before = redis.call('XREVRANGE', KEYS[1], ARGV[3] .. '-0', '-', 'COUNT', tonumber(ARGV[1]))
for i = #before, 1, -1 do
	add(before[i])
end
for _, entry in ipairs(redis.call('XRANGE', KEYS[1], '(' .. ARGV[3] .. '-0', '+')) do
	add(entry)
end
if #result == 0 then
	return '[]'
end
return cjson.encode(result)
