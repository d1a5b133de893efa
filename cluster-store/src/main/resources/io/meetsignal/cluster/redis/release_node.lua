-- ARGV[3] node id. Releases every seat and waiting place held by sockets of the node, and returns them as a JSON
-- array of Seats (per room: seated in joining order, then waiting in queue order).
local node_id = ARGV[3]
local places = key_places(node_id)
local rooms, sockets = {}, {}
for _, member in ipairs(redis.call('SMEMBERS', places)) do
  local pair = cjson.decode(member)
  local room_id, socket_id = pair[1], pair[2]
  if not sockets[room_id] then
    sockets[room_id] = {}
    rooms[#rooms + 1] = room_id
  end
  sockets[room_id][socket_id] = true
end
local released = {}
local function release(room_id, hash, order, take, waiting)
  for _, id in ipairs(redis.call('ZRANGE', order, 0, -1)) do
    if sockets[room_id][id] and held_by(hash, id, node_id) then
      released[#released + 1] = seat_record(room_id, (take(room_id, id)), waiting)
    end
  end
end
for _, room_id in ipairs(rooms) do
  release(room_id, key_seats(room_id), key_order(room_id), unseat, false)
  release(room_id, key_waiting(room_id), key_queue(room_id), dequeue, true)
  local _, room = load_room(room_id)
  if room then touch(room_id, room) end
end
redis.call('DEL', places)
redis.call('SREM', key_nodes(), node_id)
return json_array(released)
