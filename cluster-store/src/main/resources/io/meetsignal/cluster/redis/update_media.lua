-- ARGV[3] room id, ARGV[4] socket id, ARGV[5] participant field, ARGV[6] 'true' or 'false'.
-- Returns the changed participant JSON, or nil when the socket holds no seat. A seated room has no TTL to renew.
local room_id, socket_id, field = ARGV[3], ARGV[4], ARGV[5]
local json = redis.call('HGET', key_seats(room_id), socket_id)
if not json then return false end
local p = cjson.decode(json)
p[field] = ARGV[6] == 'true'
json = cjson.encode(p)
redis.call('HSET', key_seats(room_id), socket_id, json)
return json
