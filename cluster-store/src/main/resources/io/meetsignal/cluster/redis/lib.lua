-- Helpers shared by every script of this package; RedisKeys.luaPrelude() comes before them.
-- ARGV[1] is the key prefix, ARGV[2] the room TTL in milliseconds; a script's own arguments start at ARGV[3].
-- Stored values are JSON written by Java (Jackson, nulls left out); results go back as JSON text, built from
-- the stored fragments where possible so that fields this version does not know survive.
if redis.replicate_commands then redis.replicate_commands() end

local ROOM_TTL_MS = tonumber(ARGV[2])

-- a JSON value that is absent or null
local function present(value)
  if value == nil or value == cjson.null then return nil end
  return value
end

local function json_array(items)
  return '[' .. table.concat(items, ',') .. ']'
end

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function load_room(room_id)
  local json = redis.call('HGET', key_room(room_id), 'json')
  if not json then return nil, nil end
  return json, cjson.decode(json)
end

local function save_room(room_id, room)
  local json = cjson.encode(room)
  redis.call('HSET', key_room(room_id), 'json', json)
  return json
end

local function is_host(room, user_id)
  return user_id ~= nil and user_id == present(room.hostId)
end

-- join.lua and admit.lua answer a multi-bulk reply whose first element is the JSON of the outcome
local function refused(reason)
  return { cjson.encode({ outcome = 'refused', reason = reason }) }
end

-- the member of a node's place index for the seat or waiting place of a socket in a room
local function place(room_id, socket_id)
  return cjson.encode({ room_id, socket_id })
end

local function held_by(hash, socket_id, node_id)
  local json = redis.call('HGET', hash, socket_id)
  return json and cjson.decode(json).nodeId == node_id
end

local function index_place(node_id, room_id, socket_id)
  redis.call('SADD', key_places(node_id), place(room_id, socket_id))
  redis.call('SADD', key_nodes(), node_id)
end

local function unindex_place(node_id, room_id, socket_id)
  if held_by(key_seats(room_id), socket_id, node_id) or held_by(key_waiting(room_id), socket_id, node_id) then
    return
  end
  local places = key_places(node_id)
  redis.call('SREM', places, place(room_id, socket_id))
  if redis.call('EXISTS', places) == 0 then
    redis.call('SREM', key_nodes(), node_id)
  end
end

local function add_place(room_id, hash, order, socket_id, node_id, json)
  local seq = redis.call('HINCRBY', key_room(room_id), 'seq', 1)
  redis.call('HSET', hash, socket_id, json)
  redis.call('ZADD', order, seq, socket_id)
  index_place(node_id, room_id, socket_id)
end

-- the recovery index of a socket: the room it sits or waits in, and the key with which it may take its place over
local function index_socket(socket_id, room_id, recovery_key)
  if recovery_key and recovery_key ~= '' then
    redis.call('HSET', key_socket(socket_id), 'room', room_id, 'key', recovery_key)
  end
end

local function remove_place(room_id, hash, order, socket_id)
  local json = redis.call('HGET', hash, socket_id)
  if not json then return nil, nil end
  redis.call('HDEL', hash, socket_id)
  redis.call('ZREM', order, socket_id)
  if redis.call('HGET', key_socket(socket_id), 'room') == room_id then
    redis.call('DEL', key_socket(socket_id))
  end
  return json, cjson.decode(json)
end

local function seat(room_id, socket_id, user_id, node_id, json)
  add_place(room_id, key_seats(room_id), key_order(room_id), socket_id, node_id, json)
  if user_id then
    redis.call('HSET', key_users(room_id), user_id, socket_id)
  end
end

local function unseat(room_id, socket_id)
  local json, p = remove_place(room_id, key_seats(room_id), key_order(room_id), socket_id)
  if not json then return nil, nil end
  local user_id = present(p.userId)
  if user_id and redis.call('HGET', key_users(room_id), user_id) == socket_id then
    redis.call('HDEL', key_users(room_id), user_id)
  end
  unindex_place(p.nodeId, room_id, socket_id)
  return json, p
end

local function enqueue(room_id, socket_id, node_id, json)
  add_place(room_id, key_waiting(room_id), key_queue(room_id), socket_id, node_id, json)
end

local function dequeue(room_id, socket_id)
  local json, p = remove_place(room_id, key_waiting(room_id), key_queue(room_id), socket_id)
  if json then
    unindex_place(p.nodeId, room_id, socket_id)
  end
  return json, p
end

-- the JSON of a hash's entries in the order of a sorted set, leaving out one socket, appended to `out` (a new
-- table if nil); read with HMGET in slices, since each call from Lua costs more than the read itself
local function ordered(hash, order, except, out)
  out = out or {}
  local ids = redis.call('ZRANGE', order, 0, -1)
  for first = 1, #ids, 500 do
    local last = math.min(first + 499, #ids)
    local values = redis.call('HMGET', hash, unpack(ids, first, last))
    for i = first, last do
      local json = values[i - first + 1]
      if json and ids[i] ~= except then out[#out + 1] = json end
    end
  end
  return out
end

-- the socket id and seat of another socket of the same user in the room, if any
local function seat_of_user(room_id, user_id, socket_id)
  if not user_id then return nil, nil end
  local other = redis.call('HGET', key_users(room_id), user_id)
  if not other or other == socket_id then return nil, nil end
  return other, redis.call('HGET', key_seats(room_id), other)
end

local function full(room_id, room)
  return redis.call('HLEN', key_seats(room_id)) >= room.settings.maxParticipants
end

-- offsets of the room's log ('<ms>-<seq>'): parsed, compared
local function offset_parts(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end

local function offset_less(a, b)
  local am, as = offset_parts(a)
  local bm, bs = offset_parts(b)
  return am < bm or (am == bm and as < bs)
end

-- the offset of the last entry of the room's log (or of the last one trimmed, or 0-0)
local function log_head(room_id)
  local last = redis.call('XREVRANGE', key_log(room_id), '+', '-', 'COUNT', 1)[1]
  if last then return last[1] end
  return redis.call('GET', key_logcut(room_id)) or '0-0'
end

-- A seat: the JSON of the outcome without `others`, then the JSON of every other seated
-- participant in joining order. Returned as separate strings because concatenating a large room's seats in Lua
-- costs several times what reading them does.
local function seated(room_id, room_json, room, self_json, socket_id, user_id, replaced_json, rejoin)
  local waiting = {}
  if is_host(room, user_id) then
    waiting = ordered(key_waiting(room_id), key_queue(room_id), nil)
  end
  local parts = {
    '{"outcome":"seated","room":', room_json,
    ',"self":', self_json,
    ',"history":', json_array(redis.call('LRANGE', key_chat(room_id), 0, -1)),
    ',"waiting":', json_array(waiting),
    ',"rejoin":', tostring(rejoin),
    ',"offset":', cjson.encode(log_head(room_id)),
  }
  if replaced_json then
    parts[#parts + 1] = ',"replaced":'
    parts[#parts + 1] = replaced_json
  end
  parts[#parts + 1] = '}'
  return ordered(key_seats(room_id), key_order(room_id), socket_id, { table.concat(parts) })
end

-- the JSON of a Seat
local function seat_record(room_id, participant_json, waiting)
  return '{"roomId":' .. cjson.encode(room_id) .. ',"participant":' .. participant_json
      .. ',"waiting":' .. tostring(waiting) .. '}'
end

-- After every change of a room: while the room is active and someone sits or waits in it, its keys have no
-- TTL (the seats own it); otherwise they expire ROOM_TTL_MS from now. Keeps the active-room index in step.
local function touch(room_id, room)
  local room_key = key_room(room_id)
  local keys = { room_key, key_seats(room_id), key_order(room_id), key_waiting(room_id), key_queue(room_id),
                 key_users(room_id), key_bans(room_id), key_chat(room_id) }
  local code = redis.call('HGET', room_key, 'code')
  if code and redis.call('GET', key_code(code)) == room_id then
    keys[#keys + 1] = key_code(code)
  end
  local occupied = room.active and (redis.call('EXISTS', key_seats(room_id)) == 1
      or redis.call('EXISTS', key_waiting(room_id)) == 1)
  for _, key in ipairs(keys) do
    if occupied then
      redis.call('PERSIST', key)
    else
      redis.call('PEXPIRE', key, ROOM_TTL_MS)
    end
  end
  local now = now_ms()
  local active = key_active_rooms()
  if not room.active then
    redis.call('ZREM', active, room_id)
  elseif occupied then
    redis.call('ZADD', active, '+inf', room_id)
  else
    redis.call('ZADD', active, now + ROOM_TTL_MS, room_id)
  end
  redis.call('ZREMRANGEBYSCORE', active, '-inf', '(' .. now)
end
