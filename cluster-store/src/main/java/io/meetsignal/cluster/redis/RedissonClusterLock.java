package io.meetsignal.cluster.redis;

import static java.util.Objects.requireNonNull;

import io.lettuce.core.RedisURI;
import io.meetsignal.cluster.ClusterLock;
import io.meetsignal.cluster.StoreUnavailableException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.redisson.Redisson;
import org.redisson.api.RLock;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;
import org.redisson.config.ReadMode;
import org.redisson.config.SentinelServersConfig;
import org.redisson.config.SubscriptionMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ClusterLock} on Redisson's lock, under the cluster's key prefix. The lock is taken without waiting
 * and with a lease, so a node that dies while holding it cannot block the others for longer than the lease.
 */
public final class RedissonClusterLock implements ClusterLock {

    private static final Logger log = LoggerFactory.getLogger(RedissonClusterLock.class);

    private final RedissonClient redisson;
    private final RedisKeys keys;
    /** Redisson ties a lock to a "thread"; async work hops threads, so each node uses one id of its own. */
    private final long owner = ThreadLocalRandom.current().nextLong(Long.MAX_VALUE);

    private RedissonClusterLock(RedissonClient redisson, RedisKeys keys) {
        this.redisson = redisson;
        this.keys = keys;
    }

    /** Connects Redisson to the Redis at {@code config.uri()}; meant for start-up. */
    public static RedissonClusterLock connect(RedisConfig config) {
        requireNonNull(config, "config");
        Config redissonConfig = new Config();
        redissonConfig.setCodec(StringCodec.INSTANCE);
        redissonConfig.setThreads(1);
        redissonConfig.setNettyThreads(2);
        int timeout = (int) config.commandTimeout().toMillis();
        if (RedisTopology.of(config.uri()) == RedisTopology.SENTINEL) {
            sentinel(redissonConfig, config, timeout);
        } else {
            redissonConfig
                    .useSingleServer()
                    .setAddress(config.uri())
                    .setConnectionMinimumIdleSize(1)
                    .setConnectionPoolSize(2)
                    .setSubscriptionConnectionMinimumIdleSize(1)
                    .setSubscriptionConnectionPoolSize(2)
                    .setConnectTimeout(timeout)
                    .setTimeout(timeout)
                    .setRetryAttempts(1);
        }
        try {
            return new RedissonClusterLock(Redisson.create(redissonConfig), new RedisKeys(config.prefix()));
        } catch (RuntimeException e) {
            throw new StoreUnavailableException("Redisson cannot reach Redis: " + e.getMessage(), e);
        }
    }

    /**
     * Redisson on Sentinel: the master the sentinels name, followed through a failover; locks read and write on
     * the master only (a replica may lag).
     */
    private static void sentinel(Config redissonConfig, RedisConfig config, int timeout) {
        RedisURI uri = RedisURI.create(config.uri());
        String scheme = uri.isSsl() ? "rediss://" : "redis://";
        SentinelServersConfig sentinel = redissonConfig
                .useSentinelServers()
                .setMasterName(uri.getSentinelMasterId())
                .setDatabase(uri.getDatabase())
                .setReadMode(ReadMode.MASTER)
                .setSubscriptionMode(SubscriptionMode.MASTER)
                .setCheckSentinelsList(false)
                .setMasterConnectionMinimumIdleSize(1)
                .setMasterConnectionPoolSize(2)
                .setSlaveConnectionMinimumIdleSize(1)
                .setSlaveConnectionPoolSize(2)
                .setSubscriptionConnectionMinimumIdleSize(1)
                .setSubscriptionConnectionPoolSize(2)
                .setConnectTimeout(timeout)
                .setTimeout(timeout)
                .setRetryAttempts(1);
        for (RedisURI node : uri.getSentinels()) {
            sentinel.addSentinelAddress(scheme + node.getHost() + ":" + node.getPort());
        }
        RedisTopology.credentials(config.uri()).ifPresent(credentials -> {
            sentinel.setUsername(credentials[0]);
            sentinel.setPassword(credentials[1]);
        });
    }

    @Override
    public CompletionStage<Boolean> tryRun(String name, Duration lease, Supplier<CompletionStage<?>> work) {
        RLock lock = redisson.getLock(keys.lock(name));
        return lock.tryLockAsync(0, lease.toMillis(), TimeUnit.MILLISECONDS, owner)
                .exceptionally(failure -> {
                    log.debug("Lock {} unavailable: {}", name, failure.toString());
                    return false;
                })
                .thenCompose(acquired -> {
                    if (!acquired) {
                        return CompletableFuture.completedFuture(false);
                    }
                    CompletionStage<?> done;
                    try {
                        done = work.get();
                    } catch (RuntimeException e) {
                        done = CompletableFuture.failedFuture(e);
                    }
                    return done.handle((result, failure) -> failure)
                            .thenCompose(failure -> lock.unlockAsync(owner).handle((ignored, unlockFailure) -> {
                                if (failure != null) {
                                    throw new java.util.concurrent.CompletionException(failure);
                                }
                                return true;
                            }));
                });
    }

    @Override
    public void close() {
        redisson.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
