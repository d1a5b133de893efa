-- ARGV[3] room id, ARGV[4] socket id, ARGV[5] a node id or ''. Releases the seat (only while that node holds
-- it, when a node id is given). Returns the released participant JSON, or nil.
local room_id, socket_id, node_id = ARGV[3], ARGV[4], ARGV[5]
local _, room = load_room(room_id)
if not room then return false end
if node_id ~= '' and not held_by(key_seats(room_id), socket_id, node_id) then return false end
local json = unseat(room_id, socket_id)
if not json then return false end
touch(room_id, room)
return json
