-- ARGV[3] room id. Returns the seated participants as a JSON array, in joining order.
return json_array(ordered(key_seats(ARGV[3]), key_order(ARGV[3]), nil))
