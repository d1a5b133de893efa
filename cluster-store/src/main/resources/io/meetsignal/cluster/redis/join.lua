-- ARGV[3] normalized code, ARGV[4] socket id, ARGV[5] user id ('' for a guest), ARGV[6] node id,
-- ARGV[7] ban key, ARGV[8] candidate JSON (for the waiting queue), ARGV[9] the same seated now (for a seat),
-- ARGV[10] template room id and ARGV[11] template room JSON ('' and '' when unknown codes are not created),
-- ARGV[12] the socket's recovery key ('' for none).
-- Returns the JSON of the outcome (refused: reason; waiting: room, self; seated: see lib.lua's seated()) as the
-- first element of a multi-bulk reply.
local code, socket_id, node_id = ARGV[3], ARGV[4], ARGV[6]
local user_id = ARGV[5] ~= '' and ARGV[5] or nil
local ban_key, candidate_json, seat_json = ARGV[7], ARGV[8], ARGV[9]
local template_id, template_json, recovery_key = ARGV[10], ARGV[11], ARGV[12]

local room_id = redis.call('GET', key_code(code))
local room_json, room
if room_id then
  room_json, room = load_room(room_id)
end
local created = false
if not room_json then
  if template_json == '' then return refused('NOT_FOUND') end
  room_id, room_json, room = template_id, template_json, cjson.decode(template_json)
  redis.call('SET', key_code(code), room_id)
  redis.call('HSET', key_room(room_id), 'json', room_json, 'code', code)
  created = true
end

local function refuse(reason)
  if created then touch(room_id, room) end
  return refused(reason)
end

if not room.active then return refuse('ENDED') end

local existing = redis.call('HGET', key_seats(room_id), socket_id)
if existing then
  return seated(room_id, room_json, room, existing, socket_id, present(cjson.decode(existing).userId), nil, true)
end

if redis.call('SISMEMBER', key_bans(room_id), ban_key) == 1 then return refuse('REMOVED') end

local host = is_host(room, user_id)
if not host and room.locked then return refuse('LOCKED') end

if not host and room.settings.waitingRoom then
  local queued = redis.call('HGET', key_waiting(room_id), socket_id)
  if not queued then
    queued = candidate_json
    enqueue(room_id, socket_id, node_id, queued)
    index_socket(socket_id, room_id, recovery_key)
  end
  touch(room_id, room)
  return { '{"outcome":"waiting","room":' .. room_json .. ',"self":' .. queued .. '}' }
end

local replaced_id, replaced_json = seat_of_user(room_id, user_id, socket_id)
if not host and not replaced_json and full(room_id, room) then return refuse('FULL') end
if replaced_json then unseat(room_id, replaced_id) end
seat(room_id, socket_id, user_id, node_id, seat_json)
index_socket(socket_id, room_id, recovery_key)
touch(room_id, room)
return seated(room_id, room_json, room, seat_json, socket_id, user_id, replaced_json, false)
