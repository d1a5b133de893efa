package io.meetsignal.node.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.meetsignal.cluster.ClusterMessage;
import io.meetsignal.node.auth.Identity;
import io.meetsignal.node.session.FloodDetector;
import io.meetsignal.node.session.RecordingLink;
import io.meetsignal.node.session.Session;
import io.meetsignal.node.session.TokenBucket;
import io.netty.util.concurrent.DefaultEventExecutor;
import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A room event that reaches the node while one of its sessions completes a join into that room: the session gets it,
 * held until {@code room-joined} or sent after it, whichever side wins. A room of 100 others makes the delivery take a
 * while, so that the join often completes while the event is being handed out (a lost {@code user-joined} in the
 * three-node 40-joins-for-10-seats conformance test came from there).
 */
class DispatcherTest {

    private static final int ROUNDS = 1_000;
    private static final int OTHERS = 100;

    private static Session session(String id, RecordingLink link, EventExecutor loop) {
        return new Session(
                id,
                null,
                new Identity(null, id),
                link,
                new TokenBucket(50, 100),
                new TokenBucket(5, 10),
                new FloodDetector(500, 10),
                loop);
    }

    @Test
    void aSessionThatCompletesItsJoinWhileAnEventIsHandedOutGetsIt() throws Exception {
        // every session is confined to a loop, as on a node: the join completes on the joiner's loop, the event
        // is handed to it there, so the race played is the dispatcher's reads against the registry, not two
        // threads inside one session
        EventExecutor othersLoop = new DefaultEventExecutor();
        EventExecutor joinerLoop = new DefaultEventExecutor();
        try (MeetingFixture node = new MeetingFixture()) {
            Dispatcher dispatcher = new Dispatcher(node.sessions, node.rosters, node.store, node.bus, node.rooms);
            String room = "room-1";
            for (int i = 0; i < OTHERS; i++) {
                Session other = session("other-" + i, new RecordingLink(), othersLoop);
                node.sessions.add(other);
                node.sessions.seat(other, room, "code");
            }
            CyclicBarrier start = new CyclicBarrier(2);
            int missed = 0;
            for (int round = 0; round < ROUNDS; round++) {
                RecordingLink link = new RecordingLink();
                Session joiner = session("joiner-" + round, link, joinerLoop);
                node.sessions.add(joiner);
                joinerLoop.submit(() -> node.sessions.beginJoin(joiner, room)).get(5, TimeUnit.SECONDS);
                Future<?> join = joinerLoop.submit(() -> {
                    await(start);
                    node.sessions.seat(joiner, room, "code");
                    node.sessions.endJoin(joiner, room);
                    joiner.completeJoin(() -> joiner.send("room-joined", "{}"), held -> true);
                });
                CompletableFuture<Void> event = CompletableFuture.runAsync(() -> {
                    await(start);
                    dispatcher.accept(new ClusterMessage.RoomEvent(room, "someone", "user-joined", "{}", null));
                });
                join.get(5, TimeUnit.SECONDS);
                event.get(5, TimeUnit.SECONDS);
                // what the dispatcher handed to the joiner's loop has run
                joinerLoop.submit(() -> {}).get(5, TimeUnit.SECONDS);
                if (link.payloads("user-joined").size() != 1) {
                    missed++;
                }
                node.sessions.remove(joiner);
            }
            assertEquals(0, missed, "rounds in which the joiner did not get the event exactly once");
        } finally {
            othersLoop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            joinerLoop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
        }
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
