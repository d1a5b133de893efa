package io.meetsignal.cluster.redis;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.meetsignal.cluster.ClusterBus;
import io.meetsignal.cluster.ClusterMessage;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ClusterBus} over Redis pub/sub: {@link ClusterMessage.RoomEvent}s on the channel of their room,
 * {@link ClusterMessage.SocketEvent}s on the channel of their node ({@link RedisKeys}); one {@code PUBLISH} per
 * message. Create it with {@link RedisCluster#connect}.
 *
 * <p>Every Redis command of the bus is issued from one thread of its own, in the order of the calls, so that
 * messages leave in publish order and subscriptions end as the last {@code joinRoom}/{@code leaveRoom} said.
 * Lettuce re-subscribes after a reconnect; in addition, once every {@link #RECONCILE_INTERVAL} the bus subscribes
 * what it wants but Redis has not confirmed and unsubscribes what it no longer wants (changes that failed while
 * Redis was away). The listener runs on a Redis client thread and must not block.
 */
public final class RedisClusterBus implements ClusterBus {

    static final Duration RECONCILE_INTERVAL = Duration.ofSeconds(1);

    private static final Logger log = LoggerFactory.getLogger(RedisClusterBus.class);

    private final StatefulRedisPubSubConnection<String, String> subscriber;
    private final StatefulRedisConnection<String, String> publisher;
    private final RedisKeys keys;
    private final Runnable onClose;
    private final ClusterMessageCodec codec = new ClusterMessageCodec();
    private final ScheduledExecutorService commands;
    /** Channels this node wants: its node channel and those of its rooms. Changed on {@link #commands} only. */
    private final Set<String> wanted = ConcurrentHashMap.newKeySet();
    /** Channels that Redis confirmed on the current connection. */
    private final Set<String> confirmed = ConcurrentHashMap.newKeySet();
    private final CompletableFuture<Void> started = new CompletableFuture<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Consumer<ClusterMessage> listener;
    private volatile String nodeChannel;

    RedisClusterBus(StatefulRedisPubSubConnection<String, String> subscriber,
                    StatefulRedisConnection<String, String> publisher, RedisKeys keys, Runnable onClose) {
        this.subscriber = requireNonNull(subscriber, "subscriber");
        this.publisher = requireNonNull(publisher, "publisher");
        this.keys = requireNonNull(keys, "keys");
        this.onClose = requireNonNull(onClose, "onClose");
        this.commands = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "redis-cluster-bus");
            thread.setDaemon(true);
            return thread;
        });
        subscriber.addListener(new RedisPubSubAdapter<String, String>() {
            @Override
            public void message(String channel, String body) {
                deliver(channel, body);
            }

            @Override
            public void subscribed(String channel, long count) {
                confirmed.add(channel);
                if (channel.equals(nodeChannel)) {
                    started.complete(null);
                }
            }

            @Override
            public void unsubscribed(String channel, long count) {
                confirmed.remove(channel);
            }
        });
        subscriber.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                confirmed.clear();
            }
        });
        long every = RECONCILE_INTERVAL.toMillis();
        commands.scheduleWithFixedDelay(this::reconcile, every, every, TimeUnit.MILLISECONDS);
    }

    @Override
    public void start(String nodeId, Consumer<ClusterMessage> listener) {
        requireNonNull(nodeId, "nodeId");
        requireNonNull(listener, "listener");
        String channel = keys.nodeChannel(nodeId);
        synchronized (this) {
            if (this.listener != null) {
                throw new IllegalStateException("already started as " + nodeChannel);
            }
            this.nodeChannel = channel;
            this.listener = listener;
        }
        onCommandThread(() -> {
            wanted.add(channel);
            return RedisFailures.guard(() -> subscriber.async().subscribe(channel));
        }).whenComplete((ignored, failure) -> {
            if (failure != null) {
                log.warn("Subscribing to {} failed, retrying: {}", channel, failure.toString());
            }
        });
    }

    /** Completes once the node channel is subscribed, i.e. {@link ClusterMessage.SocketEvent}s for this node are delivered. */
    public CompletionStage<Void> started() {
        return started.copy();
    }

    @Override
    public CompletionStage<Void> publish(ClusterMessage message) {
        String channel = message instanceof ClusterMessage.SocketEvent socketEvent
                ? keys.nodeChannel(socketEvent.nodeId())
                : keys.roomChannel(message.roomId());
        String text = codec.encode(message);
        return onCommandThread(() -> RedisFailures.guard(() -> publisher.async().publish(channel, text)));
    }

    /**
     * {@inheritDoc} Idempotent. When Redis cannot be reached the stage fails with
     * {@link io.meetsignal.cluster.StoreUnavailableException}, but the room stays wanted and is subscribed as soon as
     * Redis is back (until {@link #leaveRoom}).
     */
    @Override
    public CompletionStage<Void> joinRoom(String roomId) {
        String channel = keys.roomChannel(roomId);
        return onCommandThread(() -> {
            wanted.add(channel);
            return RedisFailures.guard(() -> subscriber.async().subscribe(channel));
        });
    }

    /** {@inheritDoc} Idempotent; events of the room still in flight are dropped. */
    @Override
    public CompletionStage<Void> leaveRoom(String roomId) {
        String channel = keys.roomChannel(roomId);
        return onCommandThread(() -> {
            wanted.remove(channel);
            return RedisFailures.guard(() -> subscriber.async().unsubscribe(channel));
        });
    }

    private void deliver(String channel, String body) {
        Consumer<ClusterMessage> target = listener;
        if (target == null || !wanted.contains(channel)) {
            return;
        }
        ClusterMessage message;
        try {
            message = codec.decode(body);
        } catch (JsonProcessingException e) {
            // the text may hold SDP or ICE candidates: name the failure only
            log.warn("Dropped an unreadable cluster message on {}: {}", channel, e.getClass().getSimpleName());
            return;
        }
        try {
            target.accept(message);
        } catch (RuntimeException e) {
            log.warn("Cluster message listener failed on {} for {}", channel, message.getClass().getSimpleName(), e);
        }
    }

    private void reconcile() {
        try {
            if (!subscriber.isOpen()) {
                return;
            }
            String[] missing = wanted.stream().filter(channel -> !confirmed.contains(channel)).toArray(String[]::new);
            String[] unwanted = confirmed.stream().filter(channel -> !wanted.contains(channel)).toArray(String[]::new);
            if (missing.length > 0) {
                log.debug("Subscribing to {} channel(s) that Redis has not confirmed", missing.length);
                subscriber.async().subscribe(missing);
            }
            if (unwanted.length > 0) {
                log.debug("Unsubscribing from {} channel(s) no longer wanted", unwanted.length);
                subscriber.async().unsubscribe(unwanted);
            }
        } catch (RuntimeException e) {
            log.warn("Reconciling subscriptions failed", e);
        }
    }

    /** Issues a command from the bus's own thread, after every command asked for before it. */
    private CompletionStage<Void> onCommandThread(Supplier<CompletionStage<?>> command) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        try {
            commands.execute(() -> command.get().whenComplete((ignored, failure) -> {
                if (failure != null) {
                    result.completeExceptionally(failure);
                } else {
                    result.complete(null);
                }
            }));
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new IllegalStateException("bus closed"));
        }
        return result;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        listener = null;
        Runnable closeConnections = () -> CompletableFuture.allOf(subscriber.closeAsync(), publisher.closeAsync())
                .whenComplete((ignored, failure) -> onClose.run());
        try {
            commands.execute(closeConnections); // after the commands asked for before
        } catch (RejectedExecutionException e) {
            closeConnections.run();
        }
        commands.shutdown();
    }
}
