-- ARGV[3] room id, ARGV[4] chat message JSON, ARGV[5] how many messages to keep.
local room_id = ARGV[3]
local _, room = load_room(room_id)
if not room then return false end
redis.call('RPUSH', key_chat(room_id), ARGV[4])
redis.call('LTRIM', key_chat(room_id), -tonumber(ARGV[5]), -1)
touch(room_id, room)
return false
