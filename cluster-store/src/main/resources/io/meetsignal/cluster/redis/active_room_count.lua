-- Returns how many rooms are active and not expired.
return redis.call('ZCOUNT', key_active_rooms(), '(' .. now_ms(), '+inf')
