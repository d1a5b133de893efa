-- ARGV[3] normalized code, ARGV[4] room JSON, ARGV[5..] JSON of seats to restore.
-- After Redis lost its data, a node puts back the rooms and seats of its live sockets: the room is created
-- again if it is missing (its code too, unless another room took it), and each seat that is missing is put
-- back, unless the room has ended or the same user sits there from another socket. Returns how many seats
-- were restored.
local code, room_json = ARGV[3], ARGV[4]
local room_id = cjson.decode(room_json).id
if redis.call('EXISTS', key_room(room_id)) == 0 then
  local holder = redis.call('GET', key_code(code))
  if not holder or redis.call('EXISTS', key_room(holder)) == 0 then
    redis.call('SET', key_code(code), room_id)
  end
  redis.call('HSET', key_room(room_id), 'json', room_json, 'code', code)
end
local _, room = load_room(room_id)
local restored = 0
if room.active then
  for i = 5, #ARGV do
    local json = ARGV[i]
    local p = cjson.decode(json)
    local user_id = present(p.userId)
    local taken = user_id and redis.call('HEXISTS', key_users(room_id), user_id) == 1
    if redis.call('HEXISTS', key_seats(room_id), p.socketId) == 0 and not taken then
      seat(room_id, p.socketId, user_id, p.nodeId, json)
      restored = restored + 1
    end
  end
end
touch(room_id, room)
return restored
