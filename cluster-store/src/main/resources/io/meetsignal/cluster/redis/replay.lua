-- ARGV[3] room id, ARGV[4] offset, ARGV[5] limit. The entries of the room's log after the offset, as a flat array
-- {'ok', offset, message, offset, message, …}; {'gap'} when the log was trimmed past the offset or more than
-- limit entries came after it.
local room_id, after, limit = ARGV[3], ARGV[4], tonumber(ARGV[5])
local cut = redis.call('GET', key_logcut(room_id))
if cut and offset_less(after, cut) then return { 'gap' } end
local entries = redis.call('XRANGE', key_log(room_id), '(' .. after, '+', 'COUNT', limit + 1)
if #entries > limit then return { 'gap' } end
local out = { 'ok' }
for _, entry in ipairs(entries) do
  out[#out + 1] = entry[1]
  out[#out + 1] = entry[2][2]
end
return out
