-- ARGV[3] room id, ARGV[4] socket id, ARGV[5] the ISO-8601 instant of seating. Moves a waiting participant to a
-- seat, checking capacity now. Returns a JSON outcome like join.lua.
local room_id, socket_id, joined_at = ARGV[3], ARGV[4], ARGV[5]
local room_json, room = load_room(room_id)
if not room or not room.active then return refused('ENDED') end
local waiting_json = redis.call('HGET', key_waiting(room_id), socket_id)
if not waiting_json then return refused('NOT_FOUND') end
local p = cjson.decode(waiting_json)
local user_id = present(p.userId)
local replaced_id, replaced_json = seat_of_user(room_id, user_id, socket_id)
if not replaced_json and full(room_id, room) then return refused('FULL') end
local recovery_key = redis.call('HGET', key_socket(socket_id), 'key')
dequeue(room_id, socket_id)
if replaced_json then unseat(room_id, replaced_id) end
p.joinedAt = joined_at
local seat_json = cjson.encode(p)
seat(room_id, socket_id, user_id, p.nodeId, seat_json)
index_socket(socket_id, room_id, recovery_key)
touch(room_id, room)
return seated(room_id, room_json, room, seat_json, socket_id, user_id, replaced_json, false)
