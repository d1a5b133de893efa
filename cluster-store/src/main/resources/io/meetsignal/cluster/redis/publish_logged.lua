-- ARGV[3] the room's log key, ARGV[4] its cut key, ARGV[5] channel, ARGV[6] message, ARGV[7] retention in ms,
-- ARGV[8] entry cap, ARGV[9] the log's byte bound, ARGV[10] its byte count key. (No key prelude and no lib.lua:
-- this runs for every relayed signal.)
-- Appends the message to the room's log and publishes '<offset> <message>' on the channel, in one step, so that
-- every node sees the room's messages in the order of their offsets. Returns the offset.
-- The log never holds more than the byte bound of messages: at every append the oldest entries go until it fits
-- again (a few at a time; the newest entry always stays). It expires a retention after its last append (a quiet
-- room's log goes by itself). Every 64th append it is also trimmed to the retention and the cap; between two such
-- trims it may hold up to 64 entries more. What the cap or the byte bound trims is remembered (the last offset
-- trimmed: a replay from before it has a gap). What the retention trims is not: a client away for at most the
-- recovery window, half the retention, got those entries before it went away.
local log, cut, channel, message = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local retention, cap, max_bytes, size_key = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9]), ARGV[10]
local id = redis.call('XADD', log, '*', 'm', message)
redis.call('PEXPIRE', log, retention)
local bytes = redis.call('INCRBY', size_key, #message)
local length = redis.call('XLEN', log)
local trimmed = false
local last_cut = nil

-- Deletes the oldest entries while drop(entry) holds, at most `budget` of them, never the entry just added.
-- Returns the id of the last entry deleted, or nil. Reads one entry first, then twice as many each time (up to 16):
-- an append over the byte bound usually drops one or two entries, which may be 64 KiB each.
local function drop_oldest(drop, budget)
  local last = nil
  local batch_size = 1
  while budget > 0 do
    local batch = redis.call('XRANGE', log, '-', '+', 'COUNT', math.min(budget, batch_size))
    batch_size = math.min(batch_size * 2, 16)
    if #batch == 0 then return last end
    for _, entry in ipairs(batch) do
      if entry[1] == id or not drop(entry) then return last end
      redis.call('XDEL', log, entry[1])
      bytes = bytes - #entry[2][2]
      length = length - 1
      trimmed = true
      last = entry[1]
      budget = budget - 1
      if budget == 0 then return last end
    end
  end
  return last
end

if bytes > max_bytes then
  last_cut = drop_oldest(function() return bytes > max_bytes end, 256) or last_cut
end
if length % 64 == 0 then
  local t = redis.call('TIME')
  local threshold = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - retention
  drop_oldest(function(entry)
    local ms = tonumber(string.match(entry[1], '^(%d+)-'))
    return ms < threshold
  end, 256)
  if length > cap then
    last_cut = drop_oldest(function() return length > cap end, 256) or last_cut
  end
end
if last_cut then
  redis.call('SET', cut, last_cut, 'PX', retention)
end
if trimmed then
  redis.call('SET', size_key, bytes, 'PX', retention)
else
  redis.call('PEXPIRE', size_key, retention)
end
redis.call('PUBLISH', channel, id .. ' ' .. message)
return id
