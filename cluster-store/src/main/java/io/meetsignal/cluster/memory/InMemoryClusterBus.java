package io.meetsignal.cluster.memory;

import static java.util.concurrent.CompletableFuture.completedFuture;

import io.meetsignal.cluster.ClusterBus;
import io.meetsignal.cluster.ClusterMessage;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A {@link ClusterBus} for a node that runs alone: every message is delivered to this node at once. */
public final class InMemoryClusterBus implements ClusterBus {

    private static final Logger log = LoggerFactory.getLogger(InMemoryClusterBus.class);

    private volatile Consumer<ClusterMessage> listener;

    @Override
    public void start(String nodeId, Consumer<ClusterMessage> listener) {
        this.listener = listener;
    }

    @Override
    public CompletionStage<Void> publish(ClusterMessage message) {
        Consumer<ClusterMessage> target = listener;
        if (target != null) {
            try {
                target.accept(message);
            } catch (RuntimeException e) {
                log.warn("Cluster message listener failed for {}", message.getClass().getSimpleName(), e);
            }
        }
        return completedFuture(null);
    }

    @Override
    public CompletionStage<Void> joinRoom(String roomId) {
        return completedFuture(null);
    }

    @Override
    public CompletionStage<Void> leaveRoom(String roomId) {
        return completedFuture(null);
    }

    @Override
    public void close() {
        listener = null;
    }
}
