package io.meetsignal.cluster.redis;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.meetsignal.cluster.ClusterBus;
import io.meetsignal.cluster.ClusterMessage;
import io.meetsignal.cluster.Deliveries;
import io.meetsignal.cluster.Offsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
 * A {@link ClusterBus} over Redis pub/sub: {@link ClusterMessage.RoomEvent}s and {@link ClusterMessage.SeatEvent}s
 * on the channel of their room, {@link ClusterMessage.SocketEvent}s on the channel of their node
 * ({@link RedisKeys}); one Redis command per message. A room's messages are logged: one script appends the
 * message to the room's log (a stream) and publishes it with its entry id, which is its offset; the log is what
 * {@link #replay} reads. Socket events are published as they are. Create it with {@link RedisCluster#connect}.
 *
 * <p>Messages leave in publish order: {@link #publish} hands its command to the publishing connection at once, on the
 * caller's thread, and Lettuce writes a connection's commands in the order they were handed over (also across
 * threads, when one call returned before the next began), so two publishes one after the other reach Redis in that
 * order, without a hop through a thread of the bus. Subscriptions and unsubscriptions are issued from one thread
 * of the bus's own, in the order of the calls, so that they end as the last {@code joinRoom}/{@code leaveRoom} said.
 * Lettuce re-subscribes after a reconnect; in addition, once every {@link #RECONCILE_INTERVAL} the bus subscribes
 * what it wants but Redis has not confirmed and unsubscribes what it no longer wants (changes that failed while
 * Redis was away). The listener runs on a Redis client thread and must not block.
 */
public final class RedisClusterBus implements ClusterBus {

    static final Duration RECONCILE_INTERVAL = Duration.ofSeconds(1);

    /** Stands for the offset of a message that is not logged: every published text is {@code <offset> <json>}. */
    private static final String UNLOGGED_MARK = "-";

    private static final String UNLOGGED = UNLOGGED_MARK + " ";

    private static final Logger log = LoggerFactory.getLogger(RedisClusterBus.class);
    /** Entries one replay call reads at most: 32 entries of the largest size are 2 MiB, a millisecond or two of Redis. */
    static final int REPLAY_PAGE = 32;

    private final StatefulRedisPubSubConnection<String, String> subscriber;
    private final StatefulRedisConnection<String, String> publisher;
    private final RedisKeys keys;
    private final String roomTtlMillis;
    private final String logRetentionMillis;
    private final String logCap;
    private final String logMaxBytes;
    /** Whether rooms' messages are logged (a log cap of 0 turns the log, and replays, off). */
    private final boolean logging;

    private final Runnable onClose;
    private final ClusterMessageCodec codec;
    private final ScheduledExecutorService commands;
    private final Callbacks callbacks;
    /** Channels this node wants: its node channel and those of its rooms. Changed on {@link #commands} only. */
    private final Set<String> wanted = ConcurrentHashMap.newKeySet();
    /** Unsubscriptions sent and not answered yet, by channel: a channel with one is not taken as subscribed. */
    private final Map<String, Integer> unsubscribing = new ConcurrentHashMap<>();
    /** Channels that Redis confirmed on the current connection. */
    private final Set<String> confirmed = ConcurrentHashMap.newKeySet();

    private final CompletableFuture<Void> started = new CompletableFuture<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Written before {@link #listener}, read after it: for the log lines of a delivery. */
    private String nodeId;

    private volatile Consumer<ClusterMessage> listener;
    private volatile String nodeChannel;

    RedisClusterBus(
            StatefulRedisPubSubConnection<String, String> subscriber,
            StatefulRedisConnection<String, String> publisher,
            RedisKeys keys,
            RedisConfig config,
            Callbacks callbacks,
            Runnable onClose) {
        this.subscriber = requireNonNull(subscriber, "subscriber");
        this.publisher = requireNonNull(publisher, "publisher");
        this.keys = requireNonNull(keys, "keys");
        this.codec = new ClusterMessageCodec(config.busFormat());
        this.roomTtlMillis = Long.toString(config.roomTtl().toMillis());
        this.logRetentionMillis = Long.toString(config.logRetention().toMillis());
        this.logCap = Integer.toString(config.logCap());
        this.logMaxBytes = Long.toString(config.logMaxBytes());
        this.logging = config.logCap() > 0;
        this.callbacks = requireNonNull(callbacks, "callbacks");
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
                unsubscribing.computeIfPresent(channel, (key, pending) -> pending > 1 ? pending - 1 : null);
            }
        });
        subscriber.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                confirmed.clear();
                unsubscribing.clear();
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
            this.nodeId = nodeId;
            this.listener = listener;
        }
        onCommandThread(() -> {
                    wanted.add(channel);
                    return RedisFailures.guard(() -> subscriber.async().subscribe(channel));
                })
                .whenComplete((ignored, failure) -> {
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
        String text = codec.encode(message);
        boolean socketEvent = message instanceof ClusterMessage.SocketEvent;
        String roomId = message.roomId();
        String channel = socketEvent
                ? keys.nodeChannel(((ClusterMessage.SocketEvent) message).nodeId())
                : keys.roomChannel(roomId);
        if (closed.get()) {
            return CompletableFuture.failedFuture(new IllegalStateException("bus closed"));
        }
        CompletionStage<?> sent;
        if (socketEvent || !logging) {
            sent = RedisFailures.guard(() -> publisher.async().publish(channel, UNLOGGED + text));
        } else {
            sent = LuaScript.PUBLISH_LOGGED.run(
                    publisher.async(),
                    keys.prefix(),
                    roomTtlMillis,
                    ScriptOutputType.VALUE,
                    keys.log(roomId),
                    keys.logCut(roomId),
                    channel,
                    text,
                    logRetentionMillis,
                    logCap,
                    logMaxBytes,
                    keys.logBytes(roomId));
        }
        return callbacks.completeOn(sent).thenApply(ignored -> (Void) null);
    }

    @Override
    public CompletionStage<Optional<List<ClusterMessage>>> replay(
            String roomId, String afterOffset, int maxEntries, long maxBytes) {
        if (!Offsets.valid(afterOffset) || maxEntries < 0 || maxBytes < 0) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    "offset " + afterOffset + ", maxEntries " + maxEntries + ", maxBytes " + maxBytes));
        }
        return replayPage(new Replay(roomId, maxEntries, maxBytes), afterOffset);
    }

    /** The entries one replay read so far, and what it may still read. */
    private static final class Replay {
        final String roomId;
        final int maxEntries;
        final long maxBytes;
        final List<ClusterMessage> messages = new ArrayList<>();
        long bytes;

        Replay(String roomId, int maxEntries, long maxBytes) {
            this.roomId = roomId;
            this.maxEntries = maxEntries;
            this.maxBytes = maxBytes;
        }
    }

    /** Reads the page after {@code after}, then the next one, until the log ends or a bound is passed. */
    private CompletionStage<Optional<List<ClusterMessage>>> replayPage(Replay replay, String after) {
        int count = Math.min(REPLAY_PAGE, replay.maxEntries - replay.messages.size() + 1);
        return callbacks
                .completeOn(LuaScript.REPLAY.<List<Object>>run(
                        publisher.async(),
                        keys.prefix(),
                        roomTtlMillis,
                        ScriptOutputType.MULTI,
                        keys.log(replay.roomId),
                        keys.logCut(replay.roomId),
                        after,
                        Integer.toString(count)))
                .thenCompose(reply -> {
                    if (reply.isEmpty() || !"ok".equals(reply.get(0))) {
                        return CompletableFuture.completedFuture(Optional.<List<ClusterMessage>>empty());
                    }
                    String last = after;
                    for (int i = 1; i + 1 < reply.size(); i += 2) {
                        String offset = (String) reply.get(i);
                        String text = (String) reply.get(i + 1);
                        last = offset;
                        replay.bytes += text.length();
                        if (replay.messages.size() >= replay.maxEntries || replay.bytes > replay.maxBytes) {
                            return CompletableFuture.completedFuture(Optional.<List<ClusterMessage>>empty());
                        }
                        try {
                            replay.messages.add(withOffset(codec.decode(text), offset));
                        } catch (JsonProcessingException e) {
                            log.warn("Skipped an unreadable entry {} of the log of room {}", offset, replay.roomId);
                        }
                    }
                    if ((reply.size() - 1) / 2 < count) {
                        return CompletableFuture.completedFuture(Optional.of(replay.messages));
                    }
                    return replayPage(replay, last);
                });
    }

    private static ClusterMessage withOffset(ClusterMessage message, String offset) {
        if (message instanceof ClusterMessage.RoomEvent event) {
            return event.withOffset(offset);
        }
        if (message instanceof ClusterMessage.SeatEvent event) {
            return event.withOffset(offset);
        }
        return message;
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
            if (confirmed.contains(channel) && !unsubscribing.containsKey(channel)) {
                // already subscribed on this connection: no round trip (a join storm asks for it with every join)
                return CompletableFuture.completedFuture(null);
            }
            return RedisFailures.guard(() -> subscriber.async().subscribe(channel));
        });
    }

    /** {@inheritDoc} Idempotent; events of the room still in flight are dropped. */
    @Override
    public CompletionStage<Void> leaveRoom(String roomId) {
        String channel = keys.roomChannel(roomId);
        return onCommandThread(() -> {
            wanted.remove(channel);
            unsubscribing.merge(channel, 1, Integer::sum);
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
            int space = body.indexOf(' ');
            if (space < 1) {
                throw new JsonParseException(null, "no offset");
            }
            String offset = body.substring(0, space);
            message = codec.decode(body.substring(space + 1));
            if (!offset.equals(UNLOGGED_MARK)) {
                message = withOffset(message, offset);
            }
        } catch (JsonProcessingException e) {
            // the text may hold SDP or ICE candidates: name the failure only
            log.warn(
                    "Dropped an unreadable cluster message on {}: {}",
                    channel,
                    e.getClass().getSimpleName());
            return;
        }
        Deliveries.deliver(nodeId, target, message, log);
    }

    private void reconcile() {
        try {
            if (!subscriber.isOpen()) {
                return;
            }
            String[] missing = wanted.stream()
                    .filter(channel -> !confirmed.contains(channel))
                    .toArray(String[]::new);
            String[] unwanted = confirmed.stream()
                    .filter(channel -> !wanted.contains(channel))
                    .toArray(String[]::new);
            if (missing.length > 0) {
                log.debug("Subscribing to {} channel(s) that Redis has not confirmed", missing.length);
                subscriber.async().subscribe(missing);
            }
            if (unwanted.length > 0) {
                log.debug("Unsubscribing from {} channel(s) no longer wanted", unwanted.length);
                for (String channel : unwanted) {
                    unsubscribing.merge(channel, 1, Integer::sum);
                }
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
            commands.execute(() -> callbacks.completeOn(command.get()).whenComplete((ignored, failure) -> {
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
