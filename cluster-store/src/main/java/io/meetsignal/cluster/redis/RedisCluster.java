package io.meetsignal.cluster.redis;

import static java.util.Objects.requireNonNull;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import io.meetsignal.cluster.ClusterBus;
import io.meetsignal.cluster.ClusterStore;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Redis store and bus of one node, sharing one Redis client: three connections (store commands, publishing,
 * subscriptions) that reconnect by themselves and reject commands at once while Redis is away. Closing both the
 * store and the bus (or this) shuts the client down.
 */
public final class RedisCluster implements AutoCloseable {

    /** The longest pause between two attempts to reconnect, so that a node resumes soon after Redis is back. */
    static final Duration MAX_RECONNECT_DELAY = Duration.ofSeconds(1);

    /** Store commands, publishing, subscriptions. */
    private static final int CONNECTIONS = 3;

    private static final Logger log = LoggerFactory.getLogger(RedisCluster.class);

    private final RedisClusterStore store;
    private final RedisClusterBus bus;

    private RedisCluster(
            Runnable shutdown,
            RedisConfig config,
            StatefulRedisConnection<String, String> commands,
            StatefulRedisConnection<String, String> publisher,
            StatefulRedisPubSubConnection<String, String> subscriber) {
        RedisKeys keys = new RedisKeys(config.prefix());
        Callbacks callbacks = Callbacks.forThisMachine();
        AtomicInteger open = new AtomicInteger(2);
        Runnable release = () -> {
            if (open.decrementAndGet() == 0) {
                shutdown.run();
                callbacks.close();
            }
        };
        this.store = new RedisClusterStore(commands, keys, config.roomTtl(), Clock.systemUTC(), callbacks, release);
        this.bus = new RedisClusterBus(subscriber, publisher, keys, config, callbacks, release);
    }

    /**
     * Connects to Redis, waiting at most the command timeout for each connection; meant for start-up.
     *
     * @throws io.meetsignal.cluster.StoreUnavailableException when Redis cannot be reached
     */
    public static RedisCluster connect(RedisConfig config) {
        try {
            return connectAsync(config).toCompletableFuture().join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw e;
        }
    }

    /** Connects to Redis without blocking; fails with {@code StoreUnavailableException} when it cannot be reached. */
    public static CompletionStage<RedisCluster> connectAsync(RedisConfig config) {
        requireNonNull(config, "config");
        RedisURI uri = RedisURI.create(config.uri());
        uri.setTimeout(config.commandTimeout());
        ClientResources resources = DefaultClientResources.builder()
                // one I/O thread for each of the three connections: the subscription's thread delivers every message
                // to the node (fan-out included), and must not hold up the replies of the store's commands
                .ioThreadPoolSize(Math.max(CONNECTIONS, Runtime.getRuntime().availableProcessors()))
                .reconnectDelay(
                        () -> Delay.exponential(Duration.ofMillis(10), MAX_RECONNECT_DELAY, 2, TimeUnit.MILLISECONDS))
                .build();
        RedisClient client = RedisClient.create(resources);
        long quietMillis = 0;
        long timeoutMillis = config.commandTimeout().toMillis();
        Runnable shutdown = () -> client.shutdownAsync(quietMillis, timeoutMillis, TimeUnit.MILLISECONDS)
                .whenComplete(
                        (ignored, failure) -> resources.shutdown(quietMillis, timeoutMillis, TimeUnit.MILLISECONDS));
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(config.commandTimeout()))
                .socketOptions(SocketOptions.builder()
                        .connectTimeout(config.commandTimeout())
                        .keepAlive(true)
                        .build())
                .build());
        CompletableFuture<StatefulRedisConnection<String, String>> commands =
                client.connectAsync(StringCodec.UTF8, uri).toCompletableFuture();
        CompletableFuture<StatefulRedisConnection<String, String>> publisher =
                client.connectAsync(StringCodec.UTF8, uri).toCompletableFuture();
        CompletableFuture<StatefulRedisPubSubConnection<String, String>> subscriber =
                client.connectPubSubAsync(StringCodec.UTF8, uri).toCompletableFuture();
        return CompletableFuture.allOf(commands, publisher, subscriber).handle((ignored, failure) -> {
            if (failure != null) {
                commands.thenAccept(StatefulRedisConnection::closeAsync);
                publisher.thenAccept(StatefulRedisConnection::closeAsync);
                subscriber.thenAccept(StatefulRedisPubSubConnection::closeAsync);
                shutdown.run();
                throw new CompletionException(RedisFailures.translate(failure));
            }
            log.info("Connected to {} with key prefix '{}'", RedisTopology.describe(config.uri()), config.prefix());
            return new RedisCluster(shutdown, config, commands.join(), publisher.join(), subscriber.join());
        });
    }

    public ClusterStore store() {
        return store;
    }

    public ClusterBus bus() {
        return bus;
    }

    /** Completes when Redis answers; fails with {@code StoreUnavailableException} when it does not. */
    public CompletionStage<Void> ping() {
        return store.ping();
    }

    @Override
    public void close() {
        bus.close();
        store.close();
    }
}
