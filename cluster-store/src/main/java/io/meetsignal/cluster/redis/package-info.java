/**
 * The Redis adapters of the cluster ports: {@link io.meetsignal.cluster.redis.RedisClusterStore} (state, one Lua
 * script per check-and-change) and {@link io.meetsignal.cluster.redis.RedisClusterBus} (pub/sub), built together by
 * {@link io.meetsignal.cluster.redis.RedisCluster#connect}. Stages complete on a Redis client thread: continue
 * without blocking. No Redis client type leaves this package.
 */
package io.meetsignal.cluster.redis;
