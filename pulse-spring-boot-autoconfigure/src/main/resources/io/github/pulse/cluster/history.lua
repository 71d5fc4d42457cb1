-- A room's history: the most recent entries of its stream, at most ARGV[1], none older than ARGV[2] ms by Redis's
-- clock (an entry written before entries carried their time counts as new), oldest first, as JSON
-- [[g, body, age in ms], ...]. KEYS: the room stream.
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local maxAge = tonumber(ARGV[2])
local entries = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', tonumber(ARGV[1]))
local result = {}
for i = #entries, 1, -1 do
	local entry = entries[i]
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
if #result == 0 then
	return '[]'
end
return cjson.encode(result)
