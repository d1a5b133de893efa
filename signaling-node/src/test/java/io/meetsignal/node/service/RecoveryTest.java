package io.meetsignal.node.service;

import static io.meetsignal.node.service.MeetingFixture.await;
import static io.meetsignal.node.service.MeetingFixture.settle;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.meetsignal.cluster.Offsets;
import io.meetsignal.cluster.Participant;
import io.meetsignal.cluster.Room;
import io.meetsignal.cluster.RoomSettings;
import io.meetsignal.node.auth.Identity;
import io.meetsignal.node.protocol.Requests.Chat;
import io.meetsignal.node.protocol.Requests.Flag;
import io.meetsignal.node.protocol.Requests.HostTarget;
import io.meetsignal.node.service.MeetingFixture.Client;
import io.meetsignal.node.service.Recovery.Recovered;
import io.meetsignal.node.session.RecordingLink;
import io.meetsignal.node.session.RecordingLink.Sent;
import io.meetsignal.node.session.Session;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Connection state recovery (PROTOCOL.md §9): a seated session whose transport is lost is kept, detached, for the
 * window; its client comes back with its private id and the offset of the last event it got, here or on another
 * node, and gets what it missed, in order, once each. Past the window, or when recovery is impossible, the seat goes
 * with {@code reason: "disconnected"}.
 */
class RecoveryTest {

    /** Longer than any test: nothing expires unless a test says so. */
    private static final Duration WINDOW = Duration.ofSeconds(30);

    private final MeetingFixture f = new MeetingFixture(WINDOW);

    @AfterEach
    void close() {
        f.close();
    }

    /** For a recovery that must take back the session of this node: making a new one is a failure. */
    private static final BiFunction<String, String, Session> NO_NEW_SESSION = (socketId, key) -> {
        throw new AssertionError("no new session expected for socket " + socketId);
    };

    /** Makes the sessions of a recovery on another node, on {@code link}, and keeps them. */
    private static final class NewSessions implements BiFunction<String, String, Session> {
        final List<Session> made = new CopyOnWriteArrayList<>();
        private final Identity identity;
        private final RecordingLink link;

        NewSessions(Identity identity, RecordingLink link) {
            this.identity = identity;
            this.link = link;
        }

        @Override
        public Session apply(String socketId, String key) {
            Session session = MeetingFixture.session(socketId, key, identity, link);
            made.add(session);
            return session;
        }
    }

    private void chat(Client from, Room room, String text) {
        await(f.signals.chat(from.session(), new Chat(room.id(), text)));
    }

    private static Optional<Recovered> recover(
            MeetingFixture node, String pid, String offset, Identity who, RecordingLink link) {
        return await(node.recovery.recover(pid, offset, who, link, NO_NEW_SESSION));
    }

    /** The result of a stage that completes without waiting for the bus (which may be held back). */
    private static <T> T done(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    /** The offset of the last logged event that {@code link} got: what its client echoes back when it recovers. */
    private static String lastOffset(RecordingLink link) {
        List<Sent> sent = link.events();
        for (int i = sent.size() - 1; i >= 0; i--) {
            if (sent.get(i).offset() != null) {
                return sent.get(i).offset();
            }
        }
        throw new AssertionError("no logged event received: " + link.names());
    }

    private static List<String> chats(RecordingLink link) {
        return link.payloads("chat-message").stream()
                .map(p -> p.get("content").asText())
                .collect(Collectors.toList());
    }

    private static void assertInLogOrderAfter(String after, RecordingLink link) {
        String previous = after;
        for (Sent sent : link.events()) {
            assertTrue(
                    sent.offset() != null && Offsets.compare(sent.offset(), previous) > 0,
                    sent.event() + " at " + sent.offset() + " after " + previous + ": " + link.events());
            previous = sent.offset();
        }
    }

    private static List<String> leftReasons(RecordingLink link, String socketId) {
        return link.payloads("user-left").stream()
                .filter(p -> p.get("socketId").asText().equals(socketId))
                .map(p -> p.get("reason").asText())
                .collect(Collectors.toList());
    }

    private static List<String> seatedIds(MeetingFixture node, Room room) {
        return await(node.store.participants(room.id())).stream()
                .map(Participant::socketId)
                .collect(Collectors.toList());
    }

    private static void eventually(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 5 s: " + what);
            }
            Thread.sleep(10);
        }
    }

    @Test
    void aLocalSessionIsTakenBackWithTheEventsItMissedInOrder() {
        Room room = f.createRoom("alice");
        Client host = f.connect("alice", "Alice");
        Client bob = f.connectRecoverable("bob", "Bob");
        f.join(host, room);
        f.join(bob, room);
        chat(host, room, "before");
        String last = lastOffset(bob.link());
        // logged after the offset bob echoes back, but sent by bob himself: not his to get back
        await(f.signals.toggleAudio(bob.session(), new Flag(room.id(), false)));

        assertTrue(f.recovery.detach(bob.session()));
        assertTrue(bob.session().detached());
        int gotBeforeTheDrop = bob.link().events().size();
        chat(host, room, "one");
        await(f.rooms.host().mute(host.session(), new HostTarget(room.id(), bob.id())));
        chat(host, room, "two");
        assertEquals(gotBeforeTheDrop, bob.link().events().size(), "nothing goes to a lost transport");

        RecordingLink back = new RecordingLink();
        Optional<Recovered> recovered =
                recover(f, bob.session().privateId(), last, bob.session().identity(), back);

        assertTrue(recovered.isPresent());
        assertSame(bob.session(), recovered.get().session());
        assertFalse(bob.session().detached());
        assertSame(back, bob.session().link());
        assertEquals(room.id(), bob.session().roomId());
        assertEquals(List.of(), back.names(), "nothing before the CONNECT answer, i.e. before finish");
        recovered.get().finish().run();
        // the seat event (force-mute) comes back in its place among the room's events
        assertEquals(List.of("chat-message", "force-mute", "user-toggle-audio", "chat-message"), back.names());
        assertEquals(List.of("one", "two"), chats(back));
        assertFalse(back.payloads("user-toggle-audio").get(0).get("enabled").booleanValue());
        assertInLogOrderAfter(last, back);

        chat(host, room, "three");
        assertEquals(List.of("one", "two", "three"), chats(back), "live delivery resumes, each event once");
        assertEquals(List.of(), host.link().payloads("user-left"), "the others saw nothing of it");
        assertEquals(1, host.link().payloads("user-joined").size());
        assertEquals(List.of(host.id(), bob.id()), seatedIds(f, room));
    }

    @Test
    void anEventLoggedBeforeTheReplayAndDeliveredDuringItReachesTheClientOnce() throws Exception {
        Room room = f.createRoom("alice");
        Client host = f.connect("alice", "Alice");
        Client bob = f.connectRecoverable("bob", "Bob");
        f.join(host, room);
        f.join(bob, room);
        chat(host, room, "before");
        String last = lastOffset(bob.link());
        assertTrue(f.recovery.detach(bob.session()));
        chat(host, room, "missed");

        RecordingLink back = new RecordingLink();
        Optional<Recovered> recovered;
        f.holdDeliveries();
        try {
            // in the room's log, not yet delivered: the replay reads it, and the live delivery follows
            done(f.signals.chat(host.session(), new Chat(room.id(), "late")));
            recovered = done(f.recovery.recover(
                    bob.session().privateId(), last, bob.session().identity(), back, NO_NEW_SESSION));
        } finally {
            f.releaseDeliveries();
        }
        settle();
        chat(host, room, "meanwhile"); // after the replay was read, before the client was answered
        assertTrue(recovered.isPresent());
        assertEquals(List.of(), back.names(), "held until finish");

        recovered.get().finish().run();
        assertEquals(List.of("missed", "late", "meanwhile"), chats(back));
        assertInLogOrderAfter(last, back);
        chat(host, room, "after");
        assertEquals(List.of("missed", "late", "meanwhile", "after"), chats(back));
    }

    @Test
    void aWrongRecoveryKeyRecoversNothingAndLeavesTheSeat() {
        Room room = f.createRoom("alice");
        Client host = f.connect("alice", "Alice");
        Client bob = f.connectRecoverable("bob", "Bob");
        f.join(host, room);
        f.join(bob, room);
        String last = lastOffset(bob.link());
        assertTrue(f.recovery.detach(bob.session()));

        RecordingLink intruder = new RecordingLink();
        assertEquals(
                Optional.empty(),
                recover(f, bob.id() + ".not-the-key", last, bob.session().identity(), intruder));

        assertTrue(bob.session().detached());
        assertSame(bob.link(), bob.session().link());
        assertEquals(room.id(), bob.session().roomId());
        assertEquals(List.of(host.id(), bob.id()), seatedIds(f, room));
        assertEquals(List.of(), host.link().payloads("user-left"));
        assertEquals(List.of(), intruder.names());
        // the failed attempt took nothing away: the right key still recovers
        assertTrue(recover(f, bob.session().privateId(), last, bob.session().identity(), new RecordingLink())
                .isPresent());
    }

    @Test
    void anotherIdentityWithTheRightKeyRecoversNothingHere() {
        Room room = f.createRoom("alice");
        Client host = f.connect("alice", "Alice");
        Client bob = f.connectRecoverable("bob", "Bob");
        f.join(host, room);
        f.join(bob, room);
        String last = lastOffset(bob.link());
        assertTrue(f.recovery.detach(bob.session()));

        String pid = bob.session().privateId();
        assertEquals(Optional.empty(), recover(f, pid, last, new Identity("mallory", "Bob"), new RecordingLink()));
        assertEquals(Optional.empty(), recover(f, pid, last, new Identity(null, "Bob"), new RecordingLink()));

        assertTrue(bob.session().detached());
        assertEquals(room.id(), bob.session().roomId());
        assertEquals(List.of(host.id(), bob.id()), seatedIds(f, room));
        assertEquals(List.of(), host.link().payloads("user-left"));
        assertTrue(recover(f, pid, last, bob.session().identity(), new RecordingLink())
                .isPresent());
    }

    @Test
    void withAZeroWindowNothingIsKeptNorRecovered() {
        try (MeetingFixture off = new MeetingFixture(Duration.ZERO)) {
            Room room = off.createRoom("alice");
            Client bob = off.connectRecoverable("bob", "Bob");
            off.join(bob, room);

            assertFalse(off.recovery.enabled());
            assertFalse(off.recovery.detach(bob.session()));
            assertFalse(bob.session().detached());
            assertEquals(
                    Optional.empty(),
                    recover(off, bob.session().privateId(), null, bob.session().identity(), new RecordingLink()));
            assertSame(bob.link(), bob.session().link());
        }
    }

    @Test
    void aWaitingOrEndingSessionIsNotKept() {
        Room room = f.createRoom("alice", new RoomSettings(true, true, true, true, true, 10));
        Client host = f.connect("alice", "Alice");
        Client bob = f.connectRecoverable("bob", "Bob");
        f.join(host, room);
        f.join(bob, room);
        assertEquals(room.id(), bob.session().waitingRoomId());

        assertFalse(f.recovery.detach(bob.session()));
        assertFalse(bob.session().detached());
        assertEquals(
                Optional.empty(),
                recover(f, bob.session().privateId(), null, bob.session().identity(), new RecordingLink()));
        assertSame(bob.link(), bob.session().link());

        Client carol = f.connectRecoverable("carol", "Carol");
        f.join(carol, f.createRoom("dave"));
        carol.session().disconnect(); // said goodbye: not a lost transport
        assertFalse(f.recovery.detach(carol.session()));
        assertFalse(carol.session().detached());
    }

    @Test
    void pastTheWindowTheSeatIsReleasedAsDisconnected() throws Exception {
        try (MeetingFixture quick = new MeetingFixture(Duration.ofMillis(200))) {
            Room room = quick.createRoom("alice");
            Client host = quick.connect("alice", "Alice");
            Client bob = quick.connectRecoverable("bob", "Bob");
            quick.join(host, room);
            quick.join(bob, room);
            String last = lastOffset(bob.link());

            long lost = System.nanoTime();
            assertTrue(quick.recovery.detach(bob.session()));
            List<JsonNode> early = host.link().payloads("user-left");
            if (System.nanoTime() - lost < TimeUnit.MILLISECONDS.toNanos(200)) {
                assertEquals(List.of(), early, "kept for the window"); // read within it
            }
            eventually(
                    () -> !host.link().payloads("user-left").isEmpty()
                            && quick.sessions.bySocketId(bob.id()).isEmpty(),
                    "the seat released and the session dropped");

            assertTrue(System.nanoTime() - lost >= TimeUnit.MILLISECONDS.toNanos(200), "not before the window");
            JsonNode left = host.link().payloads("user-left").get(0);
            assertEquals(bob.id(), left.get("socketId").asText());
            assertEquals("bob", left.get("userId").asText());
            assertEquals("disconnected", left.get("reason").asText());
            assertEquals(List.of(host.id()), seatedIds(quick, room));
            assertTrue(bob.session().closed());
            assertEquals(
                    Optional.empty(),
                    recover(
                            quick,
                            bob.session().privateId(),
                            last,
                            bob.session().identity(),
                            new RecordingLink()));
            assertEquals(1, host.link().payloads("user-left").size());
        }
    }

    @Test
    void aSessionInNoRoomIsKeptAndTakenBack() {
        Client bob = f.connectRecoverable("bob", "Bob");
        assertTrue(f.recovery.detach(bob.session()));
        assertTrue(bob.session().detached());

        RecordingLink back = new RecordingLink();
        Optional<Recovered> recovered =
                recover(f, bob.session().privateId(), null, bob.session().identity(), back);

        assertTrue(recovered.isPresent());
        assertSame(bob.session(), recovered.get().session());
        assertFalse(bob.session().detached());
        assertNull(bob.session().roomId());
        recovered.get().finish().run();
        assertEquals(List.of(), back.names(), "nothing to replay");
        // taken back here: no other node may take it over now
        assertEquals(
                Optional.empty(),
                await(f.store.takeOverUnseated(bob.id(), bob.session().recoveryKey(), "bob")));
        f.join(bob, f.createRoom("alice"));
        assertEquals(List.of("room-joined"), back.names(), "the session goes on, on the new transport");
    }

    @Test
    void aSessionInNoRoomIsTakenOverFromAnotherNode() {
        try (MeetingFixture other = f.otherNode("node-2")) {
            Client bob = other.connectRecoverable("bob", "Bob");
            assertTrue(other.recovery.detach(bob.session()));

            RecordingLink back = new RecordingLink();
            NewSessions sessions = new NewSessions(bob.session().identity(), back);
            Optional<Recovered> recovered = await(f.recovery.recover(
                    bob.session().privateId(), null, bob.session().identity(), back, sessions));

            assertTrue(recovered.isPresent());
            assertEquals(1, sessions.made.size());
            Session here = recovered.get().session();
            assertSame(sessions.made.get(0), here);
            assertEquals(bob.id(), here.socketId());
            assertEquals(bob.session().recoveryKey(), here.recoveryKey());
            assertNull(here.roomId());
            assertEquals(Optional.of(here), f.sessions.bySocketId(bob.id()));
            // the node it was on was told, and forgot it quietly
            assertEquals(Optional.empty(), other.sessions.bySocketId(bob.id()));
            assertTrue(bob.session().closed());
            assertFalse(bob.link().disconnected());
        }
    }

    @ParameterizedTest(name = "old node alive: {0}")
    @ValueSource(booleans = {true, false})
    void aSeatIsTakenOverFromAnotherNodeWithTheEventsItMissed(boolean oldNodeAlive) {
        try (MeetingFixture other = f.otherNode("node-2")) {
            Room room = f.createRoom("alice");
            Client host = f.connect("alice", "Alice");
            Client bob = other.connectRecoverable("bob", "Bob");
            f.join(host, room);
            other.join(bob, room);
            chat(host, room, "before");
            String last = lastOffset(bob.link());
            assertTrue(other.recovery.detach(bob.session()));
            chat(host, room, "one");
            await(f.rooms.host().mute(host.session(), new HostTarget(room.id(), bob.id())));
            chat(host, room, "two");
            if (!oldNodeAlive) {
                other.close(); // it died: the seat stays in the store with its node id, nobody answers for it
            }

            RecordingLink back = new RecordingLink();
            NewSessions sessions = new NewSessions(bob.session().identity(), back);
            Optional<Recovered> recovered = await(f.recovery.recover(
                    bob.session().privateId(), last, bob.session().identity(), back, sessions));

            assertTrue(recovered.isPresent());
            Session here = recovered.get().session();
            assertEquals(List.of(here), sessions.made);
            assertNotSame(bob.session(), here);
            assertEquals(room.id(), here.roomId());
            assertEquals("Bob", here.displayName());
            assertTrue(f.sessions.inRoom(room.id()).contains(here));
            Participant seat = await(f.store.participants(room.id())).get(1);
            assertEquals(bob.id(), seat.socketId());
            assertEquals("node-1", seat.nodeId(), "the seat moved here");
            assertTrue(seat.muted(), "with its media state");
            if (oldNodeAlive) {
                assertEquals(Optional.empty(), other.sessions.bySocketId(bob.id()), "the old node forgot it");
                assertTrue(bob.session().closed());
                assertFalse(bob.link().disconnected(), "quietly");
            }

            recovered.get().finish().run();
            assertEquals(List.of("chat-message", "force-mute", "user-toggle-audio", "chat-message"), back.names());
            assertEquals(List.of("one", "two"), chats(back));
            assertInLogOrderAfter(last, back);
            chat(host, room, "three");
            assertEquals(List.of("one", "two", "three"), chats(back));
            assertEquals(List.of(), host.link().payloads("user-left"));
            assertEquals(1, host.link().payloads("user-joined").size());
        }
    }

    @Test
    void aTakeOverWithAnotherIdentityReleasesTheSeat() {
        try (MeetingFixture other = f.otherNode("node-2")) {
            Room room = f.createRoom("alice");
            Client host = f.connect("alice", "Alice");
            Client bob = other.connectRecoverable("bob", "Bob");
            f.join(host, room);
            other.join(bob, room);
            String last = lastOffset(bob.link());
            assertTrue(other.recovery.detach(bob.session()));

            Identity mallory = new Identity("mallory", "Bob");
            RecordingLink back = new RecordingLink();
            Optional<Recovered> recovered = await(
                    f.recovery.recover(bob.session().privateId(), last, mallory, back, new NewSessions(mallory, back)));

            assertEquals(Optional.empty(), recovered);
            assertEquals(List.of("disconnected"), leftReasons(host.link(), bob.id()));
            assertEquals(List.of(host.id()), seatedIds(f, room));
            assertEquals(Optional.empty(), f.sessions.bySocketId(bob.id()));
            assertEquals(List.of(), back.names());
            assertEquals(
                    Optional.empty(),
                    other.sessions.bySocketId(bob.id()),
                    "the old node dropped its copy: no recovery there can take back a session without a seat");
        }
    }

    @Test
    void aRecoveryGivesUpPastMaxEventsAndReleasesTheSeat() throws Exception {
        Room room = f.createRoom("alice");
        Client host = f.connect("alice", "Alice");
        Client bob = f.connectRecoverable("bob", "Bob");
        Client carol = f.connectRecoverable("carol", "Carol");
        f.join(host, room);
        f.join(bob, room);
        f.join(carol, room);
        chat(host, room, "first");
        String bobsLast = lastOffset(bob.link());
        assertTrue(f.recovery.detach(bob.session()));
        chat(host, room, "second");
        String carolsLast = lastOffset(carol.link());
        assertTrue(f.recovery.detach(carol.session()));
        for (int i = 0; i < Recovery.MAX_EVENTS; i++) {
            done(f.signals.chat(host.session(), new Chat(room.id(), "m" + i)));
        }
        settle();

        // carol missed MAX_EVENTS: still given back, all of them
        RecordingLink carolBack = new RecordingLink();
        Optional<Recovered> carolRecovered = recover(
                f, carol.session().privateId(), carolsLast, carol.session().identity(), carolBack);
        assertTrue(carolRecovered.isPresent());
        carolRecovered.get().finish().run();
        List<String> carolGot = chats(carolBack);
        assertEquals(Recovery.MAX_EVENTS, carolGot.size());
        assertEquals("m0", carolGot.get(0));
        assertEquals("m" + (Recovery.MAX_EVENTS - 1), carolGot.get(carolGot.size() - 1));

        // bob missed one more: he joins anew, his seat goes as after a lost transport
        RecordingLink bobBack = new RecordingLink();
        assertEquals(
                Optional.empty(),
                recover(f, bob.session().privateId(), bobsLast, bob.session().identity(), bobBack));
        assertTrue(bob.session().closed());
        assertEquals(Optional.empty(), f.sessions.bySocketId(bob.id()));
        assertEquals(List.of(host.id(), carol.id()), seatedIds(f, room));
        assertEquals(List.of("disconnected"), leftReasons(host.link(), bob.id()));
        assertEquals(List.of("disconnected"), leftReasons(carolBack, bob.id()));
        assertEquals(List.of(), bobBack.names());
    }

    @Test
    void malformedPrivateIdsAndOffsetsRecoverNothing() {
        Room room = f.createRoom("alice");
        Client host = f.connect("alice", "Alice");
        Client bob = f.connectRecoverable("bob", "Bob");
        // a key long enough that its private id is over 200 characters
        Client carol = f.connectRecoverable("carol", "Carol", "k".repeat(180));
        f.join(host, room);
        f.join(bob, room);
        f.join(carol, room);
        String last = lastOffset(bob.link());
        assertTrue(f.recovery.detach(bob.session()));
        assertTrue(f.recovery.detach(carol.session()));
        String pid = bob.session().privateId();
        Identity who = bob.session().identity();

        List<String> pids = new ArrayList<>();
        pids.add(null);
        pids.addAll(
                List.of("", ".", bob.id(), bob.id() + ".", "." + bob.session().recoveryKey()));
        for (String bad : pids) {
            assertEquals(Optional.empty(), recover(f, bad, last, who, new RecordingLink()), "pid " + bad);
        }
        for (String bad : List.of("", "garbage", "12-", "-3", "1-2-3", "99999999999999999999999-0")) {
            assertEquals(Optional.empty(), recover(f, pid, bad, who, new RecordingLink()), "offset " + bad);
        }
        assertTrue(carol.session().privateId().length() > 200);
        assertEquals(
                Optional.empty(),
                recover(f, carol.session().privateId(), last, carol.session().identity(), new RecordingLink()));

        assertTrue(bob.session().detached());
        assertTrue(carol.session().detached());
        assertEquals(List.of(host.id(), bob.id(), carol.id()), seatedIds(f, room));
        assertEquals(List.of(), host.link().payloads("user-left"));
        assertTrue(recover(f, pid, last, who, new RecordingLink()).isPresent(), "the well-formed ones do recover");
    }
}
