package io.meetsignal.node.session;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * One socket's work, one piece at a time and in the order submitted (PROTOCOL.md §7: what one socket sends is
 * processed, relayed and broadcast in the order it was sent). A piece starts only once the one before it has
 * completed, and the answers (the completions of the stages {@link #submit} returns) come in the same order.
 * Nothing waits on a thread: the next piece starts on the thread that completed the previous stage, or, while
 * stages complete at once (the in-memory store), in a loop on the submitting thread.
 *
 * <p>A piece submitted as {@code orderedOnReturn} is one whose every effect is ordered once its work has returned
 * (a relayed signal: one publish, which the bus sends in call order); the next piece may start then, while its
 * stage (the publish's reply) is still on its way. Its answer still comes in order.
 *
 * <p>Bounded: at most {@code maxTasks} pieces and {@code maxBytes} of their sizes may be waiting, running or
 * unanswered at once; {@link #submit} refuses beyond that, so a slow store cannot make one socket hold unbounded
 * work. {@link #submitLast} is never refused: it is for the socket's own cleanup.
 */
public final class Lane {

    private static final class Task<T> {
        final long bytes;
        final boolean orderedOnReturn;
        final Supplier<? extends CompletionStage<T>> work;
        final CompletableFuture<T> result = new CompletableFuture<>();
        /** Set when the task starts; read by {@link #answer} only after it saw the task in {@code started}. */
        volatile CompletableFuture<T> stage;

        Task(long bytes, boolean orderedOnReturn, Supplier<? extends CompletionStage<T>> work) {
            this.bytes = bytes;
            this.orderedOnReturn = orderedOnReturn;
            this.work = work;
        }

        void answer() {
            stage.whenComplete((value, failure) -> {
                if (failure != null) {
                    result.completeExceptionally(failure);
                } else {
                    result.complete(value);
                }
            });
        }
    }

    private final int maxTasks;
    private final long maxBytes;
    /** Guarded by {@code this}: tasks not started yet, in order. */
    private final ArrayDeque<Task<?>> waiting = new ArrayDeque<>();
    /** Guarded by {@code this}: tasks started and not answered yet, in order. */
    private final ArrayDeque<Task<?>> started = new ArrayDeque<>();
    /** Guarded by {@code this}: a started task keeps the next one from starting. */
    private boolean holding;
    /** Guarded by {@code this}. */
    private long bytes;

    private final AtomicInteger pumps = new AtomicInteger();
    private final AtomicInteger answers = new AtomicInteger();

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
     * Runs {@code work} after everything submitted before it; completes as its stage does, after the answers of
     * everything before it. Returns null, and runs nothing, when the lane is full ({@code size} counts towards the
     * byte bound).
     */
    public <T> CompletionStage<T> submit(
            long size, boolean orderedOnReturn, Supplier<? extends CompletionStage<T>> work) {
        return enqueue(new Task<>(Math.max(0, size), orderedOnReturn, work), true);
    }

    /** Runs {@code work} after everything submitted before it has completed, whatever the bound. */
    public <T> CompletionStage<T> submitLast(Supplier<? extends CompletionStage<T>> work) {
        return enqueue(new Task<>(0, false, work), false);
    }

    /** Pieces waiting, running or unanswered now. */
    public synchronized int size() {
        return waiting.size() + started.size();
    }

    private <T> CompletionStage<T> enqueue(Task<T> task, boolean bounded) {
        synchronized (this) {
            if (bounded && (waiting.size() + started.size() >= maxTasks || bytes + task.bytes > maxBytes)) {
                return null;
            }
            waiting.addLast(task);
            bytes += task.bytes;
        }
        pump();
        return task.result;
    }

    /** Starts tasks while none holds the lane; one thread at a time does it, the others leave it more to do. */
    private void pump() {
        if (pumps.getAndIncrement() != 0) {
            return;
        }
        do {
            for (; ; ) {
                Task<?> task;
                synchronized (this) {
                    if (holding || waiting.isEmpty()) {
                        break;
                    }
                    task = waiting.pollFirst();
                    // a task that is ordered once its work returned lets the next one start right after it
                    holding = !task.orderedOnReturn;
                    started.addLast(task);
                }
                start(task);
            }
        } while (pumps.decrementAndGet() != 0);
    }

    private <T> void start(Task<T> task) {
        CompletableFuture<T> stage = run(task);
        task.stage = stage;
        if (task.orderedOnReturn) {
            stage.whenComplete((value, failure) -> answer());
            return;
        }
        if (stage.isDone()) {
            answer();
            release();
            return;
        }
        stage.whenComplete((value, failure) -> {
            answer();
            release();
            pump();
        });
    }

    private synchronized void release() {
        holding = false;
    }

    private static <T> CompletableFuture<T> run(Task<T> task) {
        try {
            return task.work.get().toCompletableFuture();
        } catch (RuntimeException | Error e) {
            // a piece that throws must not wedge the lane: it fails like a failed stage
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Answers the started tasks whose stages completed, in order; one thread at a time. */
    private void answer() {
        if (answers.getAndIncrement() != 0) {
            return;
        }
        do {
            for (; ; ) {
                Task<?> head;
                synchronized (this) {
                    head = started.peekFirst();
                    if (head == null || head.stage == null || !head.stage.isDone()) {
                        break;
                    }
                    started.pollFirst();
                    bytes -= head.bytes;
                }
                head.answer();
            }
        } while (answers.decrementAndGet() != 0);
    }
}
