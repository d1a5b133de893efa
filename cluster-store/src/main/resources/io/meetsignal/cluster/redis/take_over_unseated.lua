-- ARGV[3] socket id, ARGV[4] recovery key, ARGV[5] user id ('' for a guest). Claims, once, a socket in no room
-- that lost its transport (kept by keepUnseated) for the node it came back to: when the key and the user are
-- those it was kept with, forgets it and returns the node that kept it; nil otherwise, changing nothing.
local socket_id, recovery_key, user_id = ARGV[3], ARGV[4], ARGV[5]
local key = key_unseated(socket_id)
local json = redis.call('GET', key)
if not json then return false end
local kept = cjson.decode(json)
if kept.key ~= recovery_key or (kept.user or '') ~= user_id then return false end
redis.call('DEL', key)
return kept.node
