package io.meetsignal.node.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meetsignal.node.auth.Identity;
import io.netty.util.concurrent.DefaultEventExecutor;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A session does its work on its own loop, whichever thread asks for it. */
class SessionConfinementTest {

    /** What was sent, and on which thread. */
    private static final class ThreadLink implements ClientLink {
        final List<String> sent = new CopyOnWriteArrayList<>();
        final List<Thread> threads = new CopyOnWriteArrayList<>();

        @Override
        public void sendEvent(String event, String payloadJson, String offset) {
            sent.add(event);
            threads.add(Thread.currentThread());
        }

        @Override
        public void sendAck(long ackId, String payloadJson) {
            sent.add("ack " + ackId);
            threads.add(Thread.currentThread());
        }

        @Override
        public void disconnect() {}

        @Override
        public void closeTransport() {}
    }

    private final EventExecutor loop = new DefaultEventExecutor();
    private final ExecutorService other = Executors.newFixedThreadPool(2);
    private final SessionRegistry sessions = new SessionRegistry();

    @AfterEach
    void stop() {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        other.shutdownNow();
    }

    private Session session(ThreadLink link) {
        Session session = new Session(
                "s1",
                null,
                new Identity(null, "S"),
                link,
                new TokenBucket(50, 100),
                new TokenBucket(5, 10),
                new FloodDetector(500, 10),
                loop);
        sessions.add(session);
        return session;
    }

    private Thread loopThread() throws Exception {
        return loop.submit(Thread::currentThread).get(5, TimeUnit.SECONDS);
    }

    private void drain() throws Exception {
        loop.submit(() -> {}).get(5, TimeUnit.SECONDS);
    }

    @Test
    void eventsDeliveredFromOtherThreadsLeaveFromTheLoopInCallOrder() throws Exception {
        ThreadLink link = new ThreadLink();
        Session session = session(link);
        loop.submit(() -> sessions.seat(session, "room-1", "code")).get(5, TimeUnit.SECONDS);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            expected.add("e" + i);
            session.roomEvent("room-1", "e" + i, "{}", null); // the test thread stands for the subscription thread
        }
        session.ack(7, "{}");
        expected.add("ack 7");
        drain();
        assertEquals(expected, link.sent);
        Thread onLoop = loopThread();
        assertTrue(link.threads.stream().allMatch(t -> t == onLoop), "every write from the session's loop");
    }

    @Test
    void aJoinsStateCannotBeChangedOffTheLoop() {
        Session session = session(new ThreadLink());
        assertThrows(AssertionError.class, () -> session.beginJoin("room-1"));
        assertThrows(AssertionError.class, session::abandonJoin);
        assertThrows(AssertionError.class, () -> session.inOrder(1, false, () -> CompletableFuture.completedFuture(1)));
    }

    @Test
    void theNextEventStartsOnTheLoopWhenTheStoreAnsweredOnAnotherThread() throws Exception {
        Session session = session(new ThreadLink());
        List<Thread> ranOn = new CopyOnWriteArrayList<>();
        CompletableFuture<Thread> answeredOn = new CompletableFuture<>();
        loop.execute(() -> {
            // the first event's stage completes on another thread, as a Redis reply does
            session.inOrder(1, false, () -> {
                ranOn.add(Thread.currentThread());
                return CompletableFuture.supplyAsync(() -> 1, other);
            });
            // chained on the loop, as the edge chains its answer
            session.inOrder(1, false, () -> {
                        ranOn.add(Thread.currentThread());
                        return CompletableFuture.completedFuture(2);
                    })
                    .whenComplete((value, failure) -> answeredOn.complete(Thread.currentThread()));
        });
        Thread onLoop = loopThread();
        assertEquals(onLoop, answeredOn.get(5, TimeUnit.SECONDS), "the answer leaves from the loop");
        assertEquals(List.of(onLoop, onLoop), ranOn, "both events ran on the loop");
    }

    @Test
    void thenOnLoopRunsTheNextStepOnTheLoopAndPassesFailuresOn() throws Exception {
        Session session = session(new ThreadLink());
        CompletableFuture<Thread> step = new CompletableFuture<>();
        session.thenOnLoop(CompletableFuture.supplyAsync(() -> 1, other), value -> {
            step.complete(Thread.currentThread());
            return CompletableFuture.completedFuture(value);
        });
        assertEquals(loopThread(), step.get(5, TimeUnit.SECONDS));
        CompletableFuture<Integer> failed = new CompletableFuture<>();
        CompletableFuture<Thread> failureSeenOn = new CompletableFuture<>();
        session.thenOnLoop(failed, value -> CompletableFuture.completedFuture(value))
                .whenComplete((value, failure) -> failureSeenOn.complete(Thread.currentThread()));
        // the store fails on a thread of its own, after the next step was chained
        other.execute(() -> failed.completeExceptionally(new IllegalStateException("store down")));
        assertEquals(loopThread(), failureSeenOn.get(5, TimeUnit.SECONDS));
    }
}
