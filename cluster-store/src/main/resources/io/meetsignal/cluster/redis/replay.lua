-- ARGV[3] the room's log key, ARGV[4] its cut key, ARGV[5] offset, ARGV[6] count. One page of the room's log: at
-- most count entries after the offset, as a flat array {'ok', offset, message, offset, message, …}; {'gap'} when
-- the log was trimmed past the offset. The caller reads page after page (each call stays short) and stops at its
-- own bounds.
local function parts(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local log, after, count = ARGV[3], ARGV[5], tonumber(ARGV[6])
local cut = redis.call('GET', ARGV[4])
if cut then
  local am, as = parts(after)
  local cm, cs = parts(cut)
  if am < cm or (am == cm and as < cs) then return { 'gap' } end
end
local entries = redis.call('XRANGE', log, '(' .. after, '+', 'COUNT', count)
local out = { 'ok' }
for _, entry in ipairs(entries) do
  out[#out + 1] = entry[1]
  out[#out + 1] = entry[2][2]
end
return out
