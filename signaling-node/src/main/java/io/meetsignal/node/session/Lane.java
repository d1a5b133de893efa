package io.meetsignal.node.session;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * One socket's work, one piece at a time and in the order submitted (PROTOCOL.md §7: what one socket sends is
 * processed, relayed and broadcast in the order it was sent). A piece starts only once the stage of the one before
 * it has completed; nothing waits on a thread for that: the next piece starts on the thread that completed the
 * previous stage, or, while stages complete at once (the in-memory store), in a loop on the submitting thread.
 *
 * <p>Bounded: at most {@code maxTasks} pieces and {@code maxBytes} of their sizes may be waiting or running at once;
 * {@link #submit} refuses beyond that, so a slow store cannot make one socket hold unbounded work.
 * {@link #submitLast} is never refused: it is for the socket's own cleanup.
 */
public final class Lane {

    private record Task<T>(long bytes, Supplier<? extends CompletionStage<T>> work, CompletableFuture<T> result) {
    }

    private final int maxTasks;
    private final long maxBytes;
    /** Guarded by {@code this}: the running task (first) and the waiting ones. */
    private final ArrayDeque<Task<?>> tasks = new ArrayDeque<>();
    private long bytes;
    private boolean running;

    public Lane(int maxTasks, long maxBytes) {
        if (maxTasks < 1) {
            throw new IllegalArgumentException("maxTasks: " + maxTasks + " (expected: at least 1)");
        }
        if (maxBytes < 1) {
            throw new IllegalArgumentException("maxBytes: " + maxBytes + " (expected: at least 1)");
        }
        this.maxTasks = maxTasks;
        this.maxBytes = maxBytes;
    }

    /**
     * Runs {@code work} after everything submitted before it; completes as its stage does. Returns null, and runs
     * nothing, when the lane is full ({@code size} counts towards the byte bound).
     */
    public <T> CompletionStage<T> submit(long size, Supplier<? extends CompletionStage<T>> work) {
        return enqueue(Math.max(0, size), work, true);
    }

    /** Runs {@code work} after everything submitted before it, whatever the bound. */
    public <T> CompletionStage<T> submitLast(Supplier<? extends CompletionStage<T>> work) {
        return enqueue(0, work, false);
    }

    /** Pieces waiting or running now. */
    public synchronized int size() {
        return tasks.size();
    }

    private <T> CompletionStage<T> enqueue(long size, Supplier<? extends CompletionStage<T>> work, boolean bounded) {
        Task<T> task = new Task<>(size, work, new CompletableFuture<>());
        synchronized (this) {
            if (bounded && (tasks.size() >= maxTasks || bytes + size > maxBytes)) {
                return null;
            }
            tasks.addLast(task);
            bytes += size;
            if (running) {
                return task.result();
            }
            running = true;
        }
        drain();
        return task.result();
    }

    /** Runs tasks while their stages complete at once; returns when one is still running or none is left. */
    private void drain() {
        for (;;) {
            Task<?> task;
            synchronized (this) {
                task = tasks.peekFirst();
                if (task == null) {
                    running = false;
                    return;
                }
            }
            if (!start(task)) {
                return;
            }
        }
    }

    /** Starts {@code task}; true when its stage completed at once (and the task was finished). */
    private <T> boolean start(Task<T> task) {
        CompletableFuture<T> stage = run(task);
        if (stage.isDone()) {
            finish(task, stage);
            return true;
        }
        stage.whenComplete((value, failure) -> {
            finish(task, stage);
            drain();
        });
        return false;
    }

    private static <T> CompletableFuture<T> run(Task<T> task) {
        try {
            return task.work().get().toCompletableFuture();
        } catch (RuntimeException | Error e) {
            // a piece that throws must not wedge the lane: it fails like a failed stage
            return CompletableFuture.failedFuture(e);
        }
    }

    private <T> void finish(Task<T> task, CompletableFuture<T> stage) {
        synchronized (this) {
            tasks.pollFirst();
            bytes -= task.bytes();
        }
        // the answer to this piece goes out before the next piece starts
        stage.whenComplete((value, failure) -> {
            if (failure != null) {
                task.result().completeExceptionally(failure);
            } else {
                task.result().complete(value);
            }
        });
    }
}
