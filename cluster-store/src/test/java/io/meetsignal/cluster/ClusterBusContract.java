package io.meetsignal.cluster;

import static io.meetsignal.cluster.ClusterStoreContract.TIMEOUT;
import static io.meetsignal.cluster.ClusterStoreContract.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What every {@link ClusterBus} does, run against each adapter by a thin subclass. Tests marked
 * {@link SeveralNodes} need buses that reach each other; a subclass whose bus serves one node alone is marked
 * {@link SingleNode} and those tests are reported as disabled for it.
 */
public abstract class ClusterBusContract {

    /** A test that needs several nodes on one cluster. */
    @Target(ElementType.METHOD)
    @Retention(RetentionPolicy.RUNTIME)
    @Test
    @Tag("several-nodes")
    @ExtendWith(SeveralNodesCondition.class)
    public @interface SeveralNodes {}

    /** A contract subclass whose bus delivers to its own node only. */
    @Target(ElementType.TYPE)
    @Retention(RetentionPolicy.RUNTIME)
    @Inherited
    public @interface SingleNode {}

    static final class SeveralNodesCondition implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return context.getTestClass()
                            .filter(type -> type.isAnnotationPresent(SingleNode.class))
                            .isPresent()
                    ? ConditionEvaluationResult.disabled("the bus under test serves a single node")
                    : ConditionEvaluationResult.enabled("the bus under test reaches several nodes");
        }
    }

    private final List<ClusterBus> buses = new ArrayList<>();

    /** The bus of a new node; all buses made in one test form one cluster. The contract closes them. */
    protected abstract ClusterBus newBus();

    /** Completes once {@code bus} (started) delivers the socket events of its node. */
    protected CompletionStage<Void> started(ClusterBus bus) {
        return CompletableFuture.completedFuture(null);
    }

    @AfterEach
    final void closeBuses() {
        buses.forEach(ClusterBus::close);
    }

    // ---- one node

    @Test
    void roomEventReachesTheNodeThatJoinedTheRoom() {
        Node a = node("a");
        await(a.bus.joinRoom("r1"));
        ClusterMessage event = roomEvent("r1", "chat-message", 1);

        await(a.bus.publish(event));

        assertEquals(event, a.next());
    }

    @Test
    void socketEventReachesTheNamedNode() {
        Node a = node("a");
        ClusterMessage event = socketEvent("a", "offer", 1);

        await(a.bus.publish(event));

        assertEquals(event, a.next());
    }

    @Test
    void messagesArriveUnchanged() {
        Node a = node("a");
        await(a.bus.joinRoom("room/ä 1"));
        Participant joined = new Participant(
                "s1",
                "u/1",
                "Zoë ✓ \"q\"",
                "a",
                true,
                false,
                true,
                false,
                Instant.parse("2024-05-06T07:08:09.123456789Z"));
        List<ClusterMessage> messages = List.of(
                new ClusterMessage.RoomEvent(
                        "room/ä 1",
                        "s1",
                        "user-joined",
                        "{\"participant\":{\"displayName\":\"Zoë ✓ \\\"q\\\"\"},\"n\":[1,2.5,null]}",
                        new ClusterMessage.RosterChange(joined, null)),
                new ClusterMessage.RoomEvent(
                        "room/ä 1", null, "user-left", "{}", new ClusterMessage.RosterChange(null, "s1")),
                new ClusterMessage.RoomEvent("room/ä 1", null, "chat-message", "\"\\u2603\\n\"", null),
                new ClusterMessage.SocketEvent(
                        "a", "s1", "room/ä 1", null, null, ClusterMessage.SocketAction.UNSEAT_AND_DISCONNECT),
                new ClusterMessage.SocketEvent(
                        "a",
                        "s2",
                        "room/ä 1",
                        "force-disconnect",
                        "{\"reason\":\"Removed by host\"}",
                        ClusterMessage.SocketAction.SEAT));

        for (ClusterMessage message : messages) {
            await(a.bus.publish(message));
        }

        for (ClusterMessage message : messages) {
            assertEquals(message, a.next());
        }
    }

    /** A socket's lane runs on whichever thread is free: calls one after the other, each from another thread. */
    @Test
    void orderIsKeptWhenOnePublishersCallsComeFromChangingThreads() throws Exception {
        Node a = node("a");
        await(a.bus.joinRoom("r1"));
        List<ExecutorService> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            threads.add(Executors.newSingleThreadExecutor());
        }
        try {
            List<ClusterMessage> sent = new ArrayList<>();
            List<CompletableFuture<Void>> published = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                ClusterMessage message =
                        i % 3 == 0 ? socketEvent("a", "ice-candidate", i) : roomEvent("r1", "offer", i);
                sent.add(message);
                // the call has returned before the next one begins (on another thread); its outcome is not awaited
                published.add(threads.get(i % threads.size())
                        .submit(() -> a.bus.publish(message).toCompletableFuture())
                        .get());
            }
            await(CompletableFuture.allOf(published.toArray(CompletableFuture[]::new)));

            assertEquals(sent, a.next(1000));
        } finally {
            threads.forEach(ExecutorService::shutdownNow);
        }
    }

    @Test
    void orderOfAThousandMessagesFromOnePublisherIsKept() {
        Node a = node("a");
        await(a.bus.joinRoom("r1"));
        List<ClusterMessage> sent = new ArrayList<>();
        List<CompletableFuture<Void>> published = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            ClusterMessage message = i % 3 == 0 ? socketEvent("a", "ice-candidate", i) : roomEvent("r1", "offer", i);
            sent.add(message);
            published.add(a.bus.publish(message).toCompletableFuture());
        }
        await(CompletableFuture.allOf(published.toArray(CompletableFuture[]::new)));

        assertEquals(sent, a.next(1000));
    }

    @Test
    void throwingListenerDoesNotStopDelivery() {
        Node a = node("a");
        await(a.bus.joinRoom("r1"));

        await(a.bus.publish(roomEvent("r1", Node.THROW, 1)));
        ClusterMessage after = roomEvent("r1", "after", 2);
        await(a.bus.publish(after));

        assertEquals(Node.THROW, ((ClusterMessage.RoomEvent) a.next()).event());
        assertEquals(after, a.next());
    }

    @Test
    void joinAndLeaveRoomAreIdempotent() {
        Node a = node("a");
        await(a.bus.joinRoom("r1"));
        await(a.bus.joinRoom("r1"));
        await(a.bus.leaveRoom("r2"));
        await(a.bus.leaveRoom("r2"));
        ClusterMessage event = roomEvent("r1", "once", 1);
        ClusterMessage marker = socketEvent("a", "marker", 2);

        await(a.bus.publish(event));
        await(a.bus.publish(marker));

        assertEquals(List.of(event, marker), a.next(2)); // a duplicate would have come before the marker
    }

    // ---- several nodes

    @SeveralNodes
    void roomEventsReachOnlyNodesInterestedInTheRoom() {
        Node a = node("a");
        Node b = node("b");
        Node c = node("c");
        await(a.bus.joinRoom("r1"));
        await(b.bus.joinRoom("r1"));
        await(c.bus.joinRoom("r2"));
        ClusterMessage event = roomEvent("r1", "user-joined", 1);
        ClusterMessage marker = socketEvent("c", "marker", 2);

        await(c.bus.publish(event));
        await(c.bus.publish(marker));

        assertEquals(event, a.next());
        assertEquals(event, b.next());
        assertEquals(marker, c.next());
    }

    @SeveralNodes
    void socketEventsReachOnlyTheNamedNode() {
        Node a = node("a");
        Node b = node("b");
        Node c = node("c");
        ClusterMessage event = socketEvent("b", "offer", 1);

        await(a.bus.publish(event));
        await(a.bus.publish(socketEvent("a", "marker", 2)));
        await(a.bus.publish(socketEvent("c", "marker", 3)));

        assertEquals(event, b.next());
        assertEquals("marker", ((ClusterMessage.SocketEvent) a.next()).event());
        assertEquals("marker", ((ClusterMessage.SocketEvent) c.next()).event());
    }

    @SeveralNodes
    void leaveRoomStopsDelivery() {
        Node a = node("a");
        Node b = node("b");
        await(a.bus.joinRoom("r1"));
        await(b.bus.joinRoom("r1"));
        await(b.bus.leaveRoom("r1"));
        ClusterMessage event = roomEvent("r1", "user-left", 1);
        ClusterMessage marker = socketEvent("b", "marker", 2);

        await(a.bus.publish(event));
        await(a.bus.publish(marker));

        assertEquals(event, a.next());
        assertEquals(marker, b.next());
    }

    @SeveralNodes
    void orderOfAThousandMessagesAcrossNodesIsKept() {
        Node a = node("a");
        Node b = node("b");
        await(b.bus.joinRoom("r1"));
        List<ClusterMessage> sent = new ArrayList<>();
        List<CompletableFuture<Void>> published = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            ClusterMessage message = i % 2 == 0 ? socketEvent("b", "ice-candidate", i) : roomEvent("r1", "offer", i);
            sent.add(message);
            published.add(a.bus.publish(message).toCompletableFuture());
        }
        await(CompletableFuture.allOf(published.toArray(CompletableFuture[]::new)));

        assertEquals(sent, b.next(1000));
    }

    @SeveralNodes
    void publishersCalledFromManyThreadsKeepEachThreadsOrder() throws InterruptedException {
        Node a = node("a");
        Node b = node("b");
        int threads = 4;
        int each = 250;
        List<Thread> senders = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            String sender = "t" + t;
            senders.add(new Thread(() -> {
                for (int i = 0; i < each; i++) {
                    a.bus.publish(new ClusterMessage.SocketEvent(
                            "b", sender, "r1", "offer", Integer.toString(i), ClusterMessage.SocketAction.NONE));
                }
            }));
        }
        senders.forEach(Thread::start);
        for (Thread sender : senders) {
            sender.join(TIMEOUT.toMillis());
        }

        int[] last = new int[threads];
        java.util.Arrays.fill(last, -1);
        for (ClusterMessage message : b.next(threads * each)) {
            ClusterMessage.SocketEvent event = (ClusterMessage.SocketEvent) message;
            int thread = Integer.parseInt(event.socketId().substring(1));
            int n = Integer.parseInt(event.payload());
            assertEquals(last[thread] + 1, n, "order of " + event.socketId());
            last[thread] = n;
        }
    }

    // ---- fixtures

    /** A started node of this test's cluster. */
    protected Node node(String nodeId) {
        ClusterBus bus = newBus();
        buses.add(bus);
        Node node = new Node(nodeId, bus);
        bus.start(nodeId, node::receive);
        await(started(bus));
        return node;
    }

    protected static ClusterMessage.RoomEvent roomEvent(String roomId, String event, int n) {
        return new ClusterMessage.RoomEvent(roomId, null, event, "{\"n\":" + n + "}", null);
    }

    protected static ClusterMessage.SocketEvent socketEvent(String nodeId, String event, int n) {
        return new ClusterMessage.SocketEvent(
                nodeId, "socket-" + n, "r1", event, "{\"n\":" + n + "}", ClusterMessage.SocketAction.NONE);
    }

    static ClusterMessage withoutOffset(ClusterMessage message) {
        if (message instanceof ClusterMessage.RoomEvent event) {
            return event.withOffset(null);
        }
        return message instanceof ClusterMessage.SeatEvent event ? event.withOffset(null) : message;
    }

    // ---- the room's log

    @Test
    void loggedMessagesArriveWithIncreasingOffsetsAndSocketEventsWithout() {
        Node a = node("a");
        await(a.bus.joinRoom("r1"));
        for (int i = 0; i < 20; i++) {
            await(a.bus.publish(
                    i % 2 == 0
                            ? roomEvent("r1", "chat-message", i)
                            : new ClusterMessage.SeatEvent(
                                    "r1", "s" + i, "offer", "{\"n\":" + i + "}", ClusterMessage.SocketAction.NONE)));
        }
        await(a.bus.publish(socketEvent("a", "offer", 99)));
        a.next(21);

        assertEquals(20, a.offsets.size());
        for (int i = 1; i < a.offsets.size(); i++) {
            assertTrue(Offsets.compare(a.offsets.get(i - 1), a.offsets.get(i)) < 0, a.offsets.toString());
        }
    }

    @Test
    void replayGivesTheLoggedMessagesAfterAnOffsetInOrder() {
        Node a = node("a");
        await(a.bus.joinRoom("r1"));
        List<ClusterMessage> sent = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            ClusterMessage message = roomEvent("r1", "chat-message", i);
            sent.add(message);
            await(a.bus.publish(message));
            await(a.bus.publish(roomEvent("other-room", "chat-message", i)));
        }
        a.next(10);

        List<ClusterMessage> all =
                await(a.bus.replay("r1", Offsets.START, 100, Long.MAX_VALUE)).orElseThrow();
        List<ClusterMessage> after = await(a.bus.replay("r1", all.get(3).offset(), 100, Long.MAX_VALUE))
                .orElseThrow();

        assertEquals(sent, all.stream().map(ClusterBusContract::withoutOffset).toList());
        assertTrue(
                a.offsets.containsAll(all.stream().map(ClusterMessage::offset).toList()),
                "replayed with the offsets they were delivered with");
        assertEquals(
                sent.subList(4, 10),
                after.stream().map(ClusterBusContract::withoutOffset).toList());
        assertEquals(
                List.of(),
                await(a.bus.replay("r1", all.get(9).offset(), 100, Long.MAX_VALUE))
                        .orElseThrow());
        assertEquals(
                List.of(),
                await(a.bus.replay("never-used", Offsets.START, 100, Long.MAX_VALUE))
                        .orElseThrow());
    }

    @Test
    void replayPastTheLimitIsAGap() {
        Node a = node("a");
        await(a.bus.joinRoom("r1"));
        for (int i = 0; i < 5; i++) {
            await(a.bus.publish(roomEvent("r1", "chat-message", i)));
        }
        a.next(5);

        assertTrue(
                await(a.bus.replay("r1", Offsets.START, 4, Long.MAX_VALUE)).isEmpty(),
                "five messages do not fit in four");
        assertEquals(
                5,
                await(a.bus.replay("r1", Offsets.START, 5, Long.MAX_VALUE))
                        .orElseThrow()
                        .size());
    }

    @Test
    void replayPastTheByteLimitIsAGapAndItReadsInPages() {
        Node a = node("a");
        await(a.bus.joinRoom("r1"));
        String payload = "{\"blob\":\"" + "p".repeat(10_000) + "\"}";
        for (int i = 0; i < 100; i++) {
            await(a.bus.publish(new ClusterMessage.RoomEvent("r1", null, "offer", payload, null)));
        }
        a.next(100);

        assertTrue(
                await(a.bus.replay("r1", Offsets.START, 1_000, 500_000)).isEmpty(),
                "a million bytes do not fit in half a million");
        List<ClusterMessage> all =
                await(a.bus.replay("r1", Offsets.START, 1_000, 2_000_000)).orElseThrow();
        assertEquals(
                a.offsets,
                all.stream().map(ClusterMessage::offset).toList(),
                "every message once and in order, over several pages");
        assertTrue(await(a.bus.replay("r1", Offsets.START, 99, Long.MAX_VALUE)).isEmpty(), "100 entries are not 99");
    }

    /** A bus whose rooms' logs keep at most {@code cap} messages. */
    protected abstract ClusterBus newBusWithLogCap(int cap);

    /** A bus whose rooms' logs keep at most {@code maxBytes} bytes of messages. */
    protected abstract ClusterBus newBusWithLogBytes(long maxBytes);

    @Test
    void theLogKeepsNoMoreThanItsByteBoundAndAReplayFromBeforeWhatItTrimmedIsAGap() {
        ClusterBus bus = newBusWithLogBytes(110_000);
        buses.add(bus);
        Node a = new Node("a", bus);
        bus.start("a", a::receive);
        await(started(bus));
        await(bus.joinRoom("r1"));
        String payload = "{\"sdp\":\"" + "s".repeat(20_000) + "\"}";
        for (int i = 0; i < 40; i++) {
            await(bus.publish(new ClusterMessage.RoomEvent("r1", null, "offer", payload, null)));
        }
        a.next(40);

        List<ClusterMessage> kept =
                await(bus.replay("r1", a.offsets.get(34), 100, Long.MAX_VALUE)).orElseThrow();
        assertEquals(
                a.offsets.subList(35, 40),
                kept.stream().map(ClusterMessage::offset).toList(),
                "the newest entries that fit in the bound stay");
        assertTrue(
                await(bus.replay("r1", a.offsets.get(20), 100, Long.MAX_VALUE)).isEmpty(),
                "what came after it was trimmed to keep the bound");
        assertTrue(
                await(bus.replay("r1", a.offsets.get(30), 100, Long.MAX_VALUE)).isEmpty(),
                "five entries of 20 KB are all that fit in 110 KB");
    }

    @Test
    void replayFromBeforeWhatTheCapTrimmedIsAGap() {
        ClusterBus bus = newBusWithLogCap(3);
        buses.add(bus);
        Node a = new Node("a", bus);
        bus.start("a", a::receive);
        await(started(bus));
        await(bus.joinRoom("r1"));
        for (int i = 0; i < 70; i++) {
            await(bus.publish(roomEvent("r1", "chat-message", i)));
        }
        a.next(70);

        assertTrue(
                await(bus.replay("r1", a.offsets.get(10), 100, Long.MAX_VALUE)).isEmpty(),
                "what came after it was trimmed");
        List<ClusterMessage> kept =
                await(bus.replay("r1", a.offsets.get(67), 100, Long.MAX_VALUE)).orElseThrow();
        assertEquals(
                a.offsets.subList(68, 70),
                kept.stream().map(ClusterMessage::offset).toList());
    }

    /** A node in a test: its bus and what its listener received. */
    protected static final class Node {

        /** The listener throws after recording an event of this name. */
        public static final String THROW = "listener-throws";

        public final String id;
        public final ClusterBus bus;
        /** What arrived, without the offsets the bus added (so that it compares with what was published). */
        private final BlockingQueue<ClusterMessage> received = new LinkedBlockingQueue<>();
        /** The offsets of the logged messages that arrived, in arrival order. */
        public final List<String> offsets = new java.util.concurrent.CopyOnWriteArrayList<>();

        Node(String id, ClusterBus bus) {
            this.id = id;
            this.bus = bus;
        }

        public void receive(ClusterMessage message) {
            if (message.offset() != null) {
                offsets.add(message.offset());
            }
            received.add(withoutOffset(message));
            if (message instanceof ClusterMessage.RoomEvent event && THROW.equals(event.event())) {
                throw new IllegalStateException("listener fails on purpose");
            }
        }

        /** The next message this node received, waiting at most the contract's timeout. */
        public ClusterMessage next() {
            try {
                ClusterMessage message = received.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                assertNotNull(message, "node " + id + " received nothing within " + TIMEOUT);
                return message;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }

        public List<ClusterMessage> next(int count) {
            List<ClusterMessage> messages = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                messages.add(next());
            }
            return messages;
        }

        /** The next message within {@code wait}, or null. */
        public ClusterMessage poll(Duration wait) {
            try {
                return received.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
