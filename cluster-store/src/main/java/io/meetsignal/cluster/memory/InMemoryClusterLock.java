package io.meetsignal.cluster.memory;

import static java.util.concurrent.CompletableFuture.completedFuture;

import io.meetsignal.cluster.ClusterLock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/** A {@link ClusterLock} for a node that runs alone: locks held in this process. */
public final class InMemoryClusterLock implements ClusterLock {

    private final Set<String> held = ConcurrentHashMap.newKeySet();

    @Override
    public CompletionStage<Boolean> tryRun(String name, Duration lease, Supplier<CompletionStage<?>> work) {
        if (!held.add(name)) {
            return completedFuture(false);
        }
        try {
            return work.get().handle((result, failure) -> {
                held.remove(name);
                if (failure != null) {
                    throw new java.util.concurrent.CompletionException(failure);
                }
                return true;
            });
        } catch (RuntimeException e) {
            held.remove(name);
            throw e;
        }
    }

    @Override
    public void close() {
        held.clear();
    }
}
