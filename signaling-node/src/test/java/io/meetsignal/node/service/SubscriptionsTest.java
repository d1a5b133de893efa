package io.meetsignal.node.service;

import static java.util.concurrent.CompletableFuture.completedFuture;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.meetsignal.cluster.ClusterBus;
import io.meetsignal.cluster.ClusterMessage;
import io.meetsignal.node.auth.Identity;
import io.meetsignal.node.session.FloodDetector;
import io.meetsignal.node.session.RecordingLink;
import io.meetsignal.node.session.Session;
import io.meetsignal.node.session.SessionRegistry;
import io.meetsignal.node.session.TokenBucket;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * A join that begins while another local session's refusal decides to stop listening: the node must end up
 * listening, whatever the interleaving. The bus below takes a moment inside {@code leaveRoom} before it queues the
 * unsubscription (as a bus may, handing it to its own thread), which is when a racing join used to overtake it.
 */
class SubscriptionsTest {

    private static final String ROOM = "room-1";
    private static final int ROUNDS = 2_000;

    /** The subscription commands in the order the bus queued them. */
    private static final class QueueingBus implements ClusterBus {
        final List<String> queued = new ArrayList<>();

        @Override
        public CompletionStage<Void> joinRoom(String roomId) {
            synchronized (queued) {
                queued.add("join");
            }
            return completedFuture(null);
        }

        @Override
        public CompletionStage<Void> leaveRoom(String roomId) {
            long until = System.nanoTime() + TimeUnit.MICROSECONDS.toNanos(50);
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            synchronized (queued) {
                queued.add("leave");
            }
            return completedFuture(null);
        }

        String last() {
            synchronized (queued) {
                return queued.isEmpty() ? "none" : queued.get(queued.size() - 1);
            }
        }

        @Override
        public void start(String nodeId, Consumer<ClusterMessage> listener) {}

        @Override
        public CompletionStage<Void> publish(ClusterMessage message) {
            return completedFuture(null);
        }

        @Override
        public CompletionStage<Optional<List<ClusterMessage>>> replay(
                String roomId, String afterOffset, int maxEntries, long maxBytes) {
            return completedFuture(Optional.empty());
        }

        @Override
        public void close() {}
    }

    private static Session session(String id) {
        return new Session(
                id,
                new Identity(null, id),
                new RecordingLink(),
                new TokenBucket(50, 100),
                new TokenBucket(5, 10),
                new FloodDetector(500, 10));
    }

    @Test
    void aJoinThatRacesTheDecisionToStopLeavesTheNodeListening() throws Exception {
        QueueingBus bus = new QueueingBus();
        SessionRegistry sessions = new SessionRegistry();
        Subscriptions subscriptions = new Subscriptions(bus, sessions, new Rosters());
        CyclicBarrier start = new CyclicBarrier(2);
        int deaf = 0;
        for (int round = 0; round < ROUNDS; round++) {
            Session joiner = session("joiner-" + round);
            sessions.add(joiner);
            CompletableFuture<Void> join = CompletableFuture.runAsync(() -> {
                await(start);
                sessions.beginJoin(joiner, ROOM);
                subscriptions.listen(ROOM);
            });
            CompletableFuture<Void> refusal = CompletableFuture.runAsync(() -> {
                await(start);
                subscriptions.stopIfUnused(ROOM); // another local session's join was refused
            });
            CompletableFuture.allOf(join, refusal).get(5, TimeUnit.SECONDS);
            if (!bus.last().equals("join")) {
                deaf++;
            }
            sessions.endJoin(joiner, ROOM);
            sessions.remove(joiner);
            subscriptions.stopIfUnused(ROOM);
            assertEquals("leave", bus.last(), "nobody left in the room: the node stops listening");
        }
        assertEquals(0, deaf, "rounds that ended with a session joining the room and the node not listening to it");
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
