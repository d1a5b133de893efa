-- ARGV[3] room id. Returns the JSON of each seated participant, in joining order.
return ordered(key_seats(ARGV[3]), key_order(ARGV[3]), nil)
