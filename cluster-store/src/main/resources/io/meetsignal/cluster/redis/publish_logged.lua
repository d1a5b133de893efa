-- ARGV[3] the room's log key, ARGV[4] its cut key, ARGV[5] channel, ARGV[6] message, ARGV[7] retention in ms,
-- ARGV[8] entry cap. (No key prelude and no lib.lua: this runs for every relayed signal.)
-- Appends the message to the room's log and publishes '<offset> <message>' on the channel, in one step, so that
-- every node sees the room's messages in the order of their offsets. Returns the offset.
-- The log expires a retention after its last append (a quiet room's log goes by itself). Every 64th append it is
-- trimmed to the retention and the cap; between two trims it may hold up to 64 entries more. What the cap trims
-- is remembered (the last offset trimmed: a replay from before it has a gap). What the retention trims is not: a
-- client away for at most the recovery window, half the retention, got those entries before it went away.
local log, cut, channel, message = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local retention, cap = tonumber(ARGV[7]), tonumber(ARGV[8])
local id = redis.call('XADD', log, '*', 'm', message)
redis.call('PEXPIRE', log, retention)
local length = redis.call('XLEN', log)
if length % 64 == 0 then
  local t = redis.call('TIME')
  local threshold = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - retention
  redis.call('XTRIM', log, 'MINID', '~', tostring(threshold))
  length = redis.call('XLEN', log)
  if length > cap then
    local over = redis.call('XRANGE', log, '-', '+', 'COUNT', length - cap)
    redis.call('XTRIM', log, 'MAXLEN', cap)
    redis.call('SET', cut, over[#over][1], 'PX', retention)
  end
end
redis.call('PUBLISH', channel, id .. ' ' .. message)
return id
