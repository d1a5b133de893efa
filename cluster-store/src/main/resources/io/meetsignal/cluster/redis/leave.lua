-- ARGV[3] room id, ARGV[4] socket id. Returns the released participant JSON, or nil.
local room_id, socket_id = ARGV[3], ARGV[4]
local _, room = load_room(room_id)
if not room then return false end
local json = unseat(room_id, socket_id)
if not json then return false end
touch(room_id, room)
return json
