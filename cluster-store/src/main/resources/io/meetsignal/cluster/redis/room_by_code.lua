-- ARGV[3] normalized code. Returns the room JSON or nil.
local room_id = redis.call('GET', key_code(ARGV[3]))
if not room_id then return false end
return redis.call('HGET', key_room(room_id), 'json')
