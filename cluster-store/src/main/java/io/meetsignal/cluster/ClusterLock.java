package io.meetsignal.cluster;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/** Mutual exclusion across nodes, for work that exactly one node may do (such as releasing a lost node's seats). */
public interface ClusterLock extends AutoCloseable {

    /**
     * Runs {@code work} if the lock {@code name} can be taken at once, holding it at most {@code lease}; completes
     * with {@code false} without running it when another node holds the lock.
     */
    CompletionStage<Boolean> tryRun(String name, Duration lease, Supplier<CompletionStage<?>> work);

    @Override
    void close();
}
