package io.meetsignal.node.service;

import static io.meetsignal.node.service.MeetingFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meetsignal.cluster.Room;
import io.meetsignal.cluster.RoomSettings;
import io.meetsignal.node.protocol.ErrorCode;
import io.meetsignal.node.protocol.ProtocolException;
import io.meetsignal.node.protocol.Requests.Flag;
import io.meetsignal.node.protocol.Requests.HostTarget;
import io.meetsignal.node.protocol.Requests.JoinRoom;
import io.meetsignal.node.protocol.Requests.RoomRef;
import io.meetsignal.node.service.MeetingFixture.Client;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RoomServiceTest {

    private final MeetingFixture f = new MeetingFixture();

    @AfterEach
    void close() {
        f.close();
    }

    private static ProtocolException refused(Runnable action) {
        return assertThrows(ProtocolException.class, action::run);
    }

    @Test
    void joinSeatsTheSocketAndTellsTheOthers() {
        Room room = f.createRoom("alice");
        Client host = f.connect("alice", "Alice");
        Client bob = f.connect(null, "Bob");
        f.join(host, room);
        f.join(bob, room);

        assertEquals(room.id(), bob.session().roomId());
        var joined = bob.link().payloads("room-joined").get(0);
        assertEquals(1, joined.get("participants").size());
        assertTrue(joined.get("participants").get(0).get("isHost").booleanValue());
        assertFalse(joined.get("isHost").booleanValue());
        assertEquals(
                "Bob",
                host.link()
                        .payloads("user-joined")
                        .get(0)
                        .path("participant")
                        .path("displayName")
                        .asText());
    }

    @Test
    void codesAreComparedIgnoringCaseAndHyphens() {
        Room room = f.createRoom("alice");
        Client bob = f.connect(null, "Bob");
        await(f.rooms
                .joining()
                .join(bob.session(), new JoinRoom(room.code().toUpperCase().replace("-", ""), null)));
        assertEquals(room.id(), bob.session().roomId());
    }

    @Test
    void rejoiningTheSameRoomIsHarmless() {
        Room room = f.createRoom("alice");
        Client host = f.connect("alice", "Alice");
        Client bob = f.connect(null, "Bob");
        f.join(host, room);
        f.join(bob, room);
        f.join(bob, room);
        assertEquals(2, bob.link().payloads("room-joined").size());
        assertEquals(1, host.link().payloads("user-joined").size());
    }

    @Test
    void joinFailsWithTheProtocolMessages() {
        Client bob = f.connect(null, "Bob");
        assertEquals(
                "Invalid room code",
                refused(() -> await(f.rooms.joining().join(bob.session(), new JoinRoom("a b", null))))
                        .getMessage());
        assertEquals(
                "Room not found",
                refused(() -> await(f.rooms.joining().join(bob.session(), new JoinRoom("zzz-zzz-zzz", null))))
                        .getMessage());
        assertEquals(
                ErrorCode.JOIN_FAILED,
                refused(() -> await(f.rooms.joining().join(bob.session(), new JoinRoom("zzz-zzz-zzz", null))))
                        .code());
        assertNull(bob.session().roomId());
    }

    @Test
    void joinFailsWhenRoomIsFullButNeverForTheHost() {
        Room room = f.createRoom("alice", new RoomSettings(true, true, true, true, false, 2));
        f.join(f.connect(null, "A"), room);
        f.join(f.connect(null, "B"), room);
        Client c = f.connect(null, "C");
        assertEquals("Room is full", refused(() -> f.join(c, room)).getMessage());
        Client host = f.connect("alice", "Alice");
        f.join(host, room);
        assertEquals(room.id(), host.session().roomId());
    }

    @Test
    void lockedRoomRefusesOthersButNotTheHost() {
        Room room = f.createRoom("alice");
        Client host = f.connect("alice", "Alice");
        f.join(host, room);
        await(f.rooms.host().lock(host.session(), new Flag(room.id(), true)));
        Client bob = f.connect(null, "Bob");
        assertEquals("Room is locked", refused(() -> f.join(bob, room)).getMessage());
        Client hostAgain = f.connect("alice", "Alice");
        f.join(hostAgain, room);
        assertEquals(room.id(), hostAgain.session().roomId());
    }

    @Test
    void secondSocketOfTheSameUserReplacesTheFirst() {
        Room room = f.createRoom("alice");
        Client carol = f.connect("carol", "Carol");
        Client observer = f.connect(null, "Obs");
        f.join(observer, room);
        f.join(carol, room);
        Client carol2 = f.connect("carol", "Carol");
        f.join(carol2, room);

        assertEquals(
                "Joined from another connection",
                carol.link().payloads("force-disconnect").get(0).get("reason").asText());
        assertTrue(carol.link().disconnected());
        assertNull(carol.session().roomId());
        List<String> reasons = observer.link().payloads("user-left").stream()
                .map(p -> p.get("reason").asText())
                .toList();
        assertEquals(List.of("replaced"), reasons);
        assertEquals(2, await(f.store.participants(room.id())).size());
    }

    @Test
    void nonHostGetsForbiddenForHostControls() {
        Room room = f.createRoom("alice");
        Client host = f.connect("alice", "Alice");
        Client bob = f.connect(null, "Bob");
        f.join(host, room);
        f.join(bob, room);
        assertEquals(
                ErrorCode.FORBIDDEN,
                refused(() -> await(f.rooms.host().mute(bob.session(), new HostTarget(room.id(), host.id()))))
                        .code());
        assertEquals(
                ErrorCode.FORBIDDEN,
                refused(() -> await(f.rooms.host().lock(bob.session(), new Flag(room.id(), true))))
                        .code());
    }

    @Test
    void removedParticipantIsDisconnectedAndCannotRejoin() {
        Room room = f.createRoom("alice");
        Client host = f.connect("alice", "Alice");
        Client dave = f.connect("dave", "Dave");
        f.join(host, room);
        f.join(dave, room);
        await(f.rooms.host().remove(host.session(), new HostTarget(room.id(), dave.id())));

        assertEquals(
                "Removed by host",
                dave.link().payloads("force-disconnect").get(0).get("reason").asText());
        assertTrue(dave.link().disconnected());
        assertEquals(
                "removed",
                host.link().payloads("user-left").get(0).get("reason").asText());
        Client daveAgain = f.connect("dave", "Dave");
        assertEquals("Removed by host", refused(() -> f.join(daveAgain, room)).getMessage());
    }

    @Test
    void hostActionsOnSocketsOutsideTheRoomAreTargetNotFound() {
        Room room = f.createRoom("alice");
        Room other = f.createRoom("zed");
        Client host = f.connect("alice", "Alice");
        Client stranger = f.connect(null, "S");
        f.join(host, room);
        f.join(stranger, other);
        assertEquals(
                ErrorCode.TARGET_NOT_FOUND,
                refused(() -> await(f.rooms.host().remove(host.session(), new HostTarget(room.id(), stranger.id()))))
                        .code());
        assertEquals(other.id(), stranger.session().roomId());
        assertTrue(stranger.link().payloads("force-disconnect").isEmpty());
    }

    @Test
    void endingARoomDisconnectsEveryoneAndRefusesLaterJoins() {
        Room room = f.createRoom("alice");
        Client host = f.connect("alice", "Alice");
        Client bob = f.connect(null, "Bob");
        f.join(host, room);
        f.join(bob, room);
        Outcome answer = await(f.rooms.host().end(host.session(), new RoomRef(room.id())));
        assertTrue(host.link().payloads("force-disconnect").isEmpty(), "nothing happens before the host is answered");
        assertFalse(
                await(f.store.roomById(room.id())).orElseThrow().active(),
                "the room has ended in the store before the ack, so a read after the ack sees it ended");
        ((Outcome.DoneThen) answer).after().run();
        MeetingFixture.settle();

        for (Client c : List.of(host, bob)) {
            assertEquals(
                    "Meeting ended by host",
                    c.link().payloads("force-disconnect").get(0).get("reason").asText());
            assertTrue(c.link().disconnected());
        }
        assertEquals(
                "Room is no longer active",
                refused(() -> f.join(f.connect(null, "Late"), room)).getMessage());
    }

    @Test
    void waitingRoomQueuesUntilTheHostAdmits() {
        Room room = f.createRoom("alice", new RoomSettings(true, true, true, true, true, 50));
        Client host = f.connect("alice", "Alice");
        f.join(host, room);
        Client bob = f.connect(null, "Bob");
        assertEquals(new Outcome.Queued(room.id()), f.join(bob, room));
        assertEquals(1, bob.link().payloads("waiting-for-host").size());
        assertEquals(
                bob.id(),
                host.link()
                        .payloads("participant-waiting")
                        .get(0)
                        .path("participant")
                        .path("socketId")
                        .asText());

        await(f.rooms.waitingRoom().admit(host.session(), new HostTarget(room.id(), bob.id())));
        assertEquals(room.id(), bob.session().roomId());
        assertEquals(1, bob.link().payloads("room-joined").size());
        assertEquals(1, host.link().payloads("user-joined").size());
    }

    @Test
    void deniedJoinerGetsJoinErrorAndCancelledWaitTellsTheHost() {
        Room room = f.createRoom("alice", new RoomSettings(true, true, true, true, true, 50));
        Client host = f.connect("alice", "Alice");
        f.join(host, room);
        Client bob = f.connect(null, "Bob");
        Client eve = f.connect(null, "Eve");
        f.join(bob, room);
        f.join(eve, room);

        await(f.rooms.waitingRoom().deny(host.session(), new HostTarget(room.id(), bob.id())));
        assertEquals(
                "Denied by host",
                bob.link().payloads("join-error").get(0).get("message").asText());
        assertNull(bob.session().waitingRoomId());

        await(f.rooms.departures().leave(eve.session(), new RoomRef(room.id())));
        assertEquals(
                eve.id(),
                host.link()
                        .payloads("participant-waiting-cancelled")
                        .get(0)
                        .get("socketId")
                        .asText());
        assertTrue(await(f.store.participants(room.id())).stream()
                .noneMatch(p -> p.socketId().equals(eve.id())));
    }

    @Test
    void admittingIntoARoomThatFilledUpTurnsTheJoinerAway() {
        Room room = f.createRoom("alice", new RoomSettings(true, true, true, true, true, 2));
        Client host = f.connect("alice", "Alice");
        f.join(host, room);
        Client bob = f.connect(null, "Bob");
        Client eve = f.connect(null, "Eve");
        f.join(bob, room);
        f.join(eve, room);
        await(f.rooms.waitingRoom().admit(host.session(), new HostTarget(room.id(), bob.id())));
        host.link().clear();

        ProtocolException refusal =
                refused(() -> await(f.rooms.waitingRoom().admit(host.session(), new HostTarget(room.id(), eve.id()))));
        assertEquals(ErrorCode.NOT_ALLOWED, refusal.code());
        assertEquals("Room is full", refusal.getMessage());
        assertEquals(
                "Room is full",
                eve.link().payloads("join-error").get(0).get("message").asText());
        assertEquals(
                "JOIN_FAILED",
                eve.link().payloads("join-error").get(0).get("code").asText());
        assertNull(eve.session().waitingRoomId(), "the joiner left the queue");
        assertNull(eve.session().roomId());
        assertEquals(
                eve.id(),
                host.link()
                        .payloads("participant-waiting-cancelled")
                        .get(0)
                        .get("socketId")
                        .asText());
        assertTrue(host.link().payloads("user-joined").isEmpty(), "nobody sees a user-joined");
        assertEquals(2, await(f.store.participants(room.id())).size());
        assertEquals(
                ErrorCode.TARGET_NOT_FOUND,
                refused(() -> await(f.rooms.waitingRoom().admit(host.session(), new HostTarget(room.id(), eve.id()))))
                        .code());
    }

    @Test
    void anAdmissionForASocketThatIsGoneReleasesTheSeatItGave() {
        Room room = f.createRoom("alice", new RoomSettings(true, true, true, true, true, 2));
        Client host = f.connect("alice", "Alice");
        f.join(host, room);
        Client bob = f.connect(null, "Bob");
        f.join(bob, room);
        // bob's cleanup ran before the admission: it found him waiting, the admission then seated him
        f.sessions.remove(bob.session());
        await(f.rooms.waitingRoom().admit(host.session(), new HostTarget(room.id(), bob.id())));

        assertEquals(
                List.of(host.id()),
                await(f.store.participants(room.id())).stream()
                        .map(p -> p.socketId())
                        .toList());
        assertEquals(
                List.of("user-joined", "user-left"),
                host.link().names().stream().filter(n -> n.startsWith("user-")).toList(),
                "the host sees the seat come and go, in that order");
        Client carol = f.connect(null, "Carol");
        f.join(carol, room);
        await(f.rooms.waitingRoom().admit(host.session(), new HostTarget(room.id(), carol.id())));
        assertEquals(room.id(), carol.session().roomId(), "the seat is free again");
    }

    @Test
    void aJoinThatCompletesForASocketAlreadyGoneReleasesItsSeat() {
        Room room = f.createRoom("alice");
        Client host = f.connect("alice", "Alice");
        Client bob = f.connect(null, "Bob");
        f.join(host, room);
        // the socket's cleanup ran (outside its lane) while its join was on its way
        f.sessions.close(bob.session());
        f.join(bob, room);

        assertEquals(
                List.of(host.id()),
                await(f.store.participants(room.id())).stream()
                        .map(p -> p.socketId())
                        .toList());
        assertEquals(
                List.of("user-joined", "user-left"),
                host.link().names().stream().filter(n -> n.startsWith("user-")).toList());
        assertEquals(
                "disconnected",
                host.link().payloads("user-left").get(0).get("reason").asText());
        assertNull(bob.session().roomId());
        assertTrue(f.sessions.inRoom(room.id()).stream().noneMatch(s -> s == bob.session()));
    }

    @Test
    void disconnectReleasesTheSeatWithReasonDisconnected() {
        Room room = f.createRoom("alice");
        Client host = f.connect("alice", "Alice");
        Client bob = f.connect(null, "Bob");
        f.join(host, room);
        f.join(bob, room);
        await(f.rooms.departures().disconnected(bob.session()));
        assertEquals(
                "disconnected",
                host.link().payloads("user-left").get(0).get("reason").asText());
        assertEquals(1, await(f.store.participants(room.id())).size());
    }

    @Test
    void joiningAnotherRoomLeavesTheFirst() {
        Room first = f.createRoom("alice");
        Room second = f.createRoom("alice");
        Client host = f.connect("alice", "Alice");
        Client bob = f.connect(null, "Bob");
        f.join(host, first);
        f.join(bob, first);
        f.join(bob, second);
        assertEquals(
                "left", host.link().payloads("user-left").get(0).get("reason").asText());
        assertEquals(second.id(), bob.session().roomId());
    }

    @Test
    void autoCreateMakesAnAuthenticatedJoinerTheHost() {
        try (MeetingFixture auto = new MeetingFixture(true)) {
            Client alice = auto.connect("alice", "Alice");
            await(auto.rooms.joining().join(alice.session(), new JoinRoom("ABC123", null)));
            assertTrue(alice.link().payloads("room-joined").get(0).get("isHost").booleanValue());
        }
    }
}
