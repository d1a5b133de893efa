-- ARGV[3] room id, ARGV[4] socket id. Releases the seat and bans its holder. Returns the participant JSON, or nil.
local room_id, socket_id = ARGV[3], ARGV[4]
local _, room = load_room(room_id)
if not room then return false end
local json, p = unseat(room_id, socket_id)
if not json then return false end
-- as Participant.banKey()
local user_id = present(p.userId)
local ban_key = user_id and ('user:' .. user_id) or ('socket:' .. socket_id)
redis.call('SADD', key_bans(room_id), ban_key)
touch(room_id, room)
return json
