package io.meetsignal.node.session;

import static java.util.concurrent.CompletableFuture.completedFuture;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LaneTest {

    @Test
    void aPieceStartsOnlyAfterThePreviousStageCompleted() {
        Lane lane = new Lane(10, 1000);
        List<String> log = new ArrayList<>();
        CompletableFuture<Object> first = new CompletableFuture<>();
        CompletionStage<Object> a = lane.submit(1, false, () -> {
            log.add("start a");
            return first;
        });
        CompletionStage<Object> b = lane.submit(1, false, () -> {
            log.add("start b");
            return completedFuture("b");
        });
        assertEquals(List.of("start a"), log, "b waits while a is in progress");
        assertEquals(2, lane.size());

        first.complete("a");
        assertEquals(List.of("start a", "start b"), log);
        assertEquals("a", a.toCompletableFuture().join());
        assertEquals("b", b.toCompletableFuture().join());
        assertEquals(0, lane.size());
    }

    @Test
    void eachAnswerIsGivenBeforeTheNextPieceStarts() {
        Lane lane = new Lane(10, 1000);
        List<String> log = new ArrayList<>();
        CompletableFuture<Object> first = new CompletableFuture<>();
        lane.submit(1, false, () -> first).thenRun(() -> log.add("answer a"));
        lane.submit(1, false, () -> {
                    log.add("start b");
                    return completedFuture(null);
                })
                .thenRun(() -> log.add("answer b"));
        first.complete(null);
        assertEquals(List.of("answer a", "start b", "answer b"), log);
    }

    @Test
    void aPieceOrderedOnReturnLetsTheNextStartAtOnceButItsAnswerStaysInOrder() {
        Lane lane = new Lane(10, 1000);
        List<String> log = new ArrayList<>();
        CompletableFuture<Object> publish = new CompletableFuture<>();
        lane.submit(1, true, () -> {
                    log.add("start relay");
                    return publish;
                })
                .thenRun(() -> log.add("answer relay"));
        CompletableFuture<Object> chat = new CompletableFuture<>();
        lane.submit(1, false, () -> {
                    log.add("start chat");
                    return chat;
                })
                .thenRun(() -> log.add("answer chat"));
        lane.submit(1, false, () -> {
                    log.add("start toggle");
                    return completedFuture(null);
                })
                .thenRun(() -> log.add("answer toggle"));
        assertEquals(List.of("start relay", "start chat"), log, "the chat starts while the relay's reply is pending");

        chat.complete(null);
        assertEquals(
                List.of("start relay", "start chat", "start toggle"),
                log,
                "the toggle starts after the chat completed, but neither is answered before the relay");
        publish.complete(null);
        assertEquals(
                List.of("start relay", "start chat", "start toggle", "answer relay", "answer chat", "answer toggle"),
                log);
        assertEquals(0, lane.size());
    }

    @Test
    void unansweredPiecesCountTowardsTheBound() {
        Lane lane = new Lane(2, 1000);
        CompletableFuture<Object> pending = new CompletableFuture<>();
        assertNotNull(lane.submit(1, true, () -> pending));
        assertNotNull(lane.submit(1, true, () -> pending));
        assertNull(lane.submit(1, true, () -> completedFuture(null)), "two replies outstanding: full");
        pending.complete(null);
        assertNotNull(lane.submit(1, true, () -> completedFuture(null)));
    }

    @Test
    void aFailedOrThrowingPieceDoesNotStopTheLane() {
        Lane lane = new Lane(10, 1000);
        CompletionStage<Object> failed =
                lane.submit(1, false, () -> CompletableFuture.failedFuture(new IllegalStateException("x")));
        CompletionStage<Object> thrown = lane.submit(1, false, () -> {
            throw new IllegalArgumentException("y");
        });
        CompletionStage<Object> after = lane.submit(1, false, () -> completedFuture("ok"));
        ExecutionException e1 = assertThrows(
                ExecutionException.class, () -> failed.toCompletableFuture().get());
        assertTrue(e1.getCause() instanceof IllegalStateException);
        ExecutionException e2 = assertThrows(
                ExecutionException.class, () -> thrown.toCompletableFuture().get());
        assertTrue(e2.getCause() instanceof IllegalArgumentException);
        assertEquals("ok", after.toCompletableFuture().join());
    }

    @Test
    void aFullLaneRefusesByCountAndRunsNothing() {
        Lane lane = new Lane(3, 1000);
        CompletableFuture<Object> blocker = new CompletableFuture<>();
        List<String> started = new ArrayList<>();
        assertNotNull(lane.submit(1, false, () -> blocker));
        assertNotNull(lane.submit(1, false, () -> {
            started.add("2");
            return completedFuture(null);
        }));
        assertNotNull(lane.submit(1, false, () -> {
            started.add("3");
            return completedFuture(null);
        }));
        assertNull(
                lane.submit(1, false, () -> {
                    started.add("refused");
                    return completedFuture(null);
                }),
                "the fourth piece does not fit");
        blocker.complete(null);
        assertEquals(List.of("2", "3"), started);
        assertNotNull(lane.submit(1, false, () -> completedFuture(null)), "room again once the lane drained");
    }

    @Test
    void aFullLaneRefusesByBytes() {
        Lane lane = new Lane(100, 100);
        CompletableFuture<Object> blocker = new CompletableFuture<>();
        assertNotNull(lane.submit(60, false, () -> blocker));
        assertNull(lane.submit(41, false, () -> completedFuture(null)), "60 + 41 bytes exceed 100");
        assertNotNull(lane.submit(40, false, () -> completedFuture(null)), "60 + 40 fit");
        blocker.complete(null);
        assertEquals(0, lane.size());
        assertNotNull(lane.submit(100, false, () -> completedFuture(null)), "the bytes are given back");
    }

    @Test
    void cleanupIsNeverRefusedAndRunsAfterEverythingBefore() {
        Lane lane = new Lane(1, 10);
        List<String> log = new ArrayList<>();
        CompletableFuture<Object> join = new CompletableFuture<>();
        lane.submit(10, false, () -> {
            log.add("join");
            return join;
        });
        CompletionStage<Void> cleanup = lane.submitLast(() -> {
            log.add("cleanup");
            return completedFuture(null);
        });
        assertEquals(List.of("join"), log, "the cleanup waits for the join in flight");
        join.complete(null);
        assertEquals(List.of("join", "cleanup"), log);
        assertTrue(cleanup.toCompletableFuture().isDone());
    }

    @Test
    void manyPiecesThatCompleteAtOnceRunInALoopNotARecursion() {
        Lane lane = new Lane(200_000, Long.MAX_VALUE);
        CompletableFuture<Object> blocker = new CompletableFuture<>();
        lane.submit(0, false, () -> blocker);
        int[] counter = {0};
        CompletionStage<Object> last = null;
        for (int i = 0; i < 100_000; i++) {
            last = lane.submit(0, false, () -> {
                counter[0]++;
                return completedFuture(null);
            });
        }
        // 100,000 queued pieces that complete at once: a recursive drain would overflow the stack here
        blocker.complete(null);
        assertNotNull(last);
        assertTrue(last.toCompletableFuture().isDone());
        assertEquals(100_000, counter[0]);
    }

    @Test
    void piecesCompletedOnOtherThreadsStillRunOneAtATimeInOrder() throws Exception {
        Lane lane = new Lane(10_000, Long.MAX_VALUE);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Integer> order = new CopyOnWriteArrayList<>();
            int[] running = {0};
            int[] maxRunning = {0};
            CountDownLatch done = new CountDownLatch(1000);
            for (int i = 0; i < 1000; i++) {
                int n = i;
                lane.submit(1, false, () -> {
                            synchronized (running) {
                                running[0]++;
                                maxRunning[0] = Math.max(maxRunning[0], running[0]);
                            }
                            order.add(n);
                            return CompletableFuture.supplyAsync(
                                    () -> {
                                        synchronized (running) {
                                            running[0]--;
                                        }
                                        return (Object) n;
                                    },
                                    pool);
                        })
                        .whenComplete((value, failure) -> done.countDown());
            }
            assertTrue(done.await(10, TimeUnit.SECONDS));
            assertEquals(1, maxRunning[0], "never two pieces of one lane at once");
            for (int i = 0; i < 1000; i++) {
                assertEquals(i, order.get(i));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void boundsMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new Lane(0, 1));
        assertThrows(IllegalArgumentException.class, () -> new Lane(1, 0));
    }
}
