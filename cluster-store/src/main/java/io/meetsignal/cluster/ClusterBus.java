package io.meetsignal.cluster;

import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * Cross-node delivery. A {@link ClusterMessage.RoomEvent} reaches every node that declared interest in
 * its room (the sender's node included); a {@link ClusterMessage.SocketEvent} reaches the named node.
 * Everything one node publishes reaches any one node in the order it was published.
 */
public interface ClusterBus extends AutoCloseable {

    /** Starts delivering to {@code listener}; a listener that throws is logged and does not stop delivery. */
    void start(String nodeId, Consumer<ClusterMessage> listener);

    CompletionStage<Void> publish(ClusterMessage message);

    /** This node wants the events of {@code roomId}; completes once they will be delivered. */
    CompletionStage<Void> joinRoom(String roomId);

    /** This node no longer has sockets in {@code roomId}. */
    CompletionStage<Void> leaveRoom(String roomId);

    @Override
    void close();
}
