-- ARGV[3] socket id, ARGV[4] recovery key, ARGV[5] node id. Moves the seat of a socket that comes back (connection
-- state recovery) to the node it came back to, when the key is the one its join gave and the seat is still there.
-- Returns {"room":…,"self":…,"previousNodeId":…} with the seat as it is now, or nil.
local socket_id, recovery_key, node_id = ARGV[3], ARGV[4], ARGV[5]
local index = key_socket(socket_id)
local room_id = redis.call('HGET', index, 'room')
if not room_id or redis.call('HGET', index, 'key') ~= recovery_key then return false end
local room_json, room = load_room(room_id)
if not room or not room.active then return false end
local json = redis.call('HGET', key_seats(room_id), socket_id)
if not json then return false end
local p = cjson.decode(json)
local previous = p.nodeId
if previous ~= node_id then
  p.nodeId = node_id
  json = cjson.encode(p)
  redis.call('HSET', key_seats(room_id), socket_id, json)
  unindex_place(previous, room_id, socket_id)
  index_place(node_id, room_id, socket_id)
end
return '{"room":' .. room_json .. ',"seat":' .. json .. ',"previousNodeId":' .. cjson.encode(previous) .. '}'
