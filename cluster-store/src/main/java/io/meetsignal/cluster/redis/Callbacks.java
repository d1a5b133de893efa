package io.meetsignal.cluster.redis;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where the results of commands reach the node: not on Lettuce's I/O threads. One connection is read by one I/O
 * thread; whatever runs there after a reply (parsing a 300-seat roster, building and sending {@code room-joined})
 * delays every later reply of that connection, and under load the node's own commands then timed out although
 * Redis had answered them in time. Results complete on a small pool, in no particular order (each caller chains
 * its own). Messages from subscriptions are not handed over: they are delivered on the subscription's own I/O
 * thread (see {@link RedisCluster}), where a hop to another thread cost the relay more than it saved.
 */
final class Callbacks implements AutoCloseable {

    private final ExecutorService results;
    /** The pool, or the completing thread itself once the pool is shut down, so that no result is ever lost. */
    private final Executor executor;

    Callbacks(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads: " + threads);
        }
        this.results = Executors.newFixedThreadPool(threads, named("redis-results-"));
        this.executor = task -> {
            try {
                results.execute(task);
            } catch (RejectedExecutionException e) {
                task.run();
            }
        };
    }

    /** As many threads as there are processors, at least two. */
    static Callbacks forThisMachine() {
        return new Callbacks(Math.max(2, Runtime.getRuntime().availableProcessors()));
    }

    /** {@code stage}'s outcome, delivered to dependents on the result pool (failures included). */
    <T> CompletionStage<T> completeOn(CompletionStage<T> stage) {
        CompletableFuture<T> result = new CompletableFuture<>();
        stage.whenCompleteAsync(
                (value, failure) -> {
                    if (failure != null) {
                        result.completeExceptionally(failure);
                    } else {
                        result.complete(value);
                    }
                },
                executor);
        return result;
    }

    @Override
    public void close() {
        results.shutdown();
    }

    private static ThreadFactory named(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
