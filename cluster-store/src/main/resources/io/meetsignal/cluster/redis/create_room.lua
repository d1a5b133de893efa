-- ARGV[3] normalized code, ARGV[4] room id, ARGV[5] room JSON. Returns 'created' or 'taken'.
local code, room_id, room_json = ARGV[3], ARGV[4], ARGV[5]
local holder = redis.call('GET', key_code(code))
if holder and redis.call('EXISTS', key_room(holder)) == 1 then
  return 'taken'
end
redis.call('SET', key_code(code), room_id)
redis.call('HSET', key_room(room_id), 'json', room_json, 'code', code)
touch(room_id, cjson.decode(room_json))
return 'created'
