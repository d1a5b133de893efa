-- ARGV[3] room id. Ends an active room and returns its released places as a JSON array of Seats (seated in
-- joining order, then waiting in queue order), or nil when the room is unknown or already ended.
local room_id = ARGV[3]
local _, room = load_room(room_id)
if not room or not room.active then return false end
room.active = false
save_room(room_id, room)
local released = {}
for _, id in ipairs(redis.call('ZRANGE', key_order(room_id), 0, -1)) do
  local json = unseat(room_id, id)
  if json then released[#released + 1] = seat_record(room_id, json, false) end
end
for _, id in ipairs(redis.call('ZRANGE', key_queue(room_id), 0, -1)) do
  local json = dequeue(room_id, id)
  if json then released[#released + 1] = seat_record(room_id, json, true) end
end
touch(room_id, room)
return json_array(released)
