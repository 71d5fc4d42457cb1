-- Publishes a hand-over request on the owner's command channel, prefixed with where the cluster stands when Redis
-- publishes it: 'R' .. epoch .. '|' .. global number .. '|' .. request. Every broadcast numbered before the request
-- is numbered at or below it, so the owner delivers up to there before it hands the session over, whether or not its
-- subscription got them all (one cut while they were published has not shown the gap yet).
-- KEYS: the owner's command channel, epoch, global counter. ARGV: the request.
local e = redis.call('GET', KEYS[2]) or ''
local g = redis.call('GET', KEYS[3]) or '0'
return redis.call('PUBLISH', KEYS[1], 'R' .. e .. '|' .. g .. '|' .. ARGV[1])
