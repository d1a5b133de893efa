package io.meetsignal.cluster.redis;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the adapter hands results and messages to the node: never on Lettuce's I/O threads. One connection is
 * read by one I/O thread; whatever runs there after a reply (parsing a roster, fanning an event out to hundreds of
 * sockets) delays every later reply of that connection, and under load the node's own commands then time out
 * although Redis answered them in time.
 *
 * <p>Results of commands complete on a small pool, in no particular order (each caller chains its own). Messages
 * from subscriptions run on one thread of their own, in the order in which Redis delivered them: the bus promises
 * the order of one publisher's messages across channels (a socket's seat on the node channel, then its room's
 * events), which lanes per channel would break.
 */
final class Callbacks implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Callbacks.class);

    private final ExecutorService results;
    private final ExecutorService messages;

    Callbacks(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads: " + threads);
        }
        this.results = Executors.newFixedThreadPool(threads, named("redis-results-"));
        this.messages = Executors.newSingleThreadExecutor(named("redis-messages-"));
    }

    /** As many result threads as there are processors, at least two. */
    static Callbacks forThisMachine() {
        return new Callbacks(Math.max(2, Runtime.getRuntime().availableProcessors()));
    }

    /** {@code stage}'s outcome, delivered to dependents on the result pool (failures included). */
    <T> CompletionStage<T> completeOn(CompletionStage<T> stage) {
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            stage.whenCompleteAsync((value, failure) -> {
                if (failure != null) {
                    result.completeExceptionally(failure);
                } else {
                    result.complete(value);
                }
            }, results);
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new IllegalStateException("Redis adapter closed", e));
        }
        return result;
    }

    /** Runs {@code task} (a message from {@code channel}) after every message given before. Dropped once closed. */
    void inOrder(String channel, Runnable task) {
        try {
            messages.execute(task);
        } catch (RejectedExecutionException e) {
            log.debug("Dropped a message on {}: closed", channel);
        }
    }

    @Override
    public void close() {
        results.shutdown();
        messages.shutdown();
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
