-- ARGV[3] room id, ARGV[4] 'true' or 'false'. Returns the room JSON, or nil when not active.
local room_id = ARGV[3]
local _, room = load_room(room_id)
if not room or not room.active then return false end
room.locked = ARGV[4] == 'true'
local json = save_room(room_id, room)
touch(room_id, room)
return json
