-- ARGV[3] room id, ARGV[4] JSON object of the settings to change. Returns the room JSON, or nil when not active.
local room_id = ARGV[3]
local _, room = load_room(room_id)
if not room or not room.active then return false end
for name, value in pairs(cjson.decode(ARGV[4])) do
  room.settings[name] = value
end
local json = save_room(room_id, room)
touch(room_id, room)
return json
