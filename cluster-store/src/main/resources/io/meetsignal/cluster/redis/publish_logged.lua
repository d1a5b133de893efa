-- ARGV[3] room id, ARGV[4] channel, ARGV[5] message, ARGV[6] retention in ms, ARGV[7] entry cap.
-- Appends the message to the room's log and publishes '<offset> <message>' on the channel, in one step, so that
-- every node sees the room's messages in the order of their offsets. Trims the log to the retention and the cap,
-- remembering the last offset trimmed (a replay from before it has a gap). Returns the offset.
local room_id, channel, message = ARGV[3], ARGV[4], ARGV[5]
local retention, cap = tonumber(ARGV[6]), tonumber(ARGV[7])
local log, cut = key_log(room_id), key_logcut(room_id)
local id = redis.call('XADD', log, '*', 'm', message)
local length = redis.call('XLEN', log)
if length == 1 and redis.call('PTTL', log) == -1 then
  redis.call('PEXPIRE', log, ROOM_TTL_MS)
end
local trimmed = nil
local oldest = redis.call('XRANGE', log, '-', '+', 'COUNT', 1)[1][1]
local threshold = now_ms() - retention
if offset_parts(oldest) < threshold then
  trimmed = redis.call('XREVRANGE', log, tostring(threshold - 1), '-', 'COUNT', 1)[1][1]
  redis.call('XTRIM', log, 'MINID', tostring(threshold))
  length = redis.call('XLEN', log)
end
if length > cap then
  local over = redis.call('XRANGE', log, '-', '+', 'COUNT', length - cap)
  trimmed = over[#over][1]
  redis.call('XTRIM', log, 'MAXLEN', cap)
end
if trimmed then
  redis.call('SET', cut, trimmed, 'KEEPTTL')
  if redis.call('PTTL', cut) == -1 then redis.call('PEXPIRE', cut, ROOM_TTL_MS) end
end
redis.call('PUBLISH', channel, id .. ' ' .. message)
return id
