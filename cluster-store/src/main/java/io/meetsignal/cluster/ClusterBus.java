package io.meetsignal.cluster;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * Cross-node delivery. A {@link ClusterMessage.RoomEvent} or {@link ClusterMessage.SeatEvent} reaches every node
 * that declared interest in its room (the sender's node included), with its offset in the room's log; a
 * {@link ClusterMessage.SocketEvent} reaches the named node. Everything one node publishes reaches any one node
 * in the order it was published, and the logged messages of one room reach every node in the order of their
 * offsets.
 */
public interface ClusterBus extends AutoCloseable {

    /** How long a room's log keeps a message unless told otherwise (both adapters). */
    Duration DEFAULT_LOG_RETENTION = Duration.ofSeconds(60);
    /** The most messages a room's log keeps unless told otherwise, whatever their age (both adapters). */
    int DEFAULT_LOG_CAP = 10_000;
    /** The most bytes of messages a room's log keeps unless told otherwise (PROTOCOL.md §7; both adapters). */
    long DEFAULT_LOG_MAX_BYTES = 8L << 20;

    /** Starts delivering to {@code listener}; a listener that throws is logged and does not stop delivery. */
    void start(String nodeId, Consumer<ClusterMessage> listener);

    CompletionStage<Void> publish(ClusterMessage message);

    /** This node wants the events of {@code roomId}; completes once they will be delivered. */
    CompletionStage<Void> joinRoom(String roomId);

    /**
     * The logged messages of {@code roomId} after {@code afterOffset} (exclusive), oldest first, with their
     * offsets. Empty when the log cannot tell everything that came after that offset: it was trimmed past it
     * (older than the log's retention, or the room's log outgrew its entry cap or its byte bound), or more than
     * {@code maxEntries} messages, or more than {@code maxBytes} of them, came after it. Reads in short pages and
     * stops at those bounds, so that a replay never holds the store for long.
     */
    CompletionStage<Optional<List<ClusterMessage>>> replay(
            String roomId, String afterOffset, int maxEntries, long maxBytes);

    /** This node no longer has sockets in {@code roomId}. */
    CompletionStage<Void> leaveRoom(String roomId);

    @Override
    void close();
}
