-- Returns a JSON array of the ids of nodes that hold places but whose heartbeat key is gone.
local lost = {}
for _, node_id in ipairs(redis.call('SMEMBERS', key_nodes())) do
  if redis.call('EXISTS', key_alive(node_id)) == 0 and redis.call('EXISTS', key_places(node_id)) == 1 then
    lost[#lost + 1] = cjson.encode(node_id)
  end
end
return json_array(lost)
