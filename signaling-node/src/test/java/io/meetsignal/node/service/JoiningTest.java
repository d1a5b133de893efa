package io.meetsignal.node.service;

import static io.meetsignal.node.service.MeetingFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meetsignal.cluster.Room;
import io.meetsignal.cluster.RoomSettings;
import io.meetsignal.node.protocol.ErrorCode;
import io.meetsignal.node.protocol.Requests.Flag;
import io.meetsignal.node.protocol.Requests.JoinRoom;
import io.meetsignal.node.service.MeetingFixture.Client;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Joining a room: seats, refusals, replacement of a user's earlier socket, auto-created rooms. */
class JoiningTest extends MeetingTest {

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
    void autoCreateMakesAnAuthenticatedJoinerTheHost() {
        try (MeetingFixture auto = new MeetingFixture(true)) {
            Client alice = auto.connect("alice", "Alice");
            await(auto.rooms.joining().join(alice.session(), new JoinRoom("ABC123", null)));
            assertTrue(alice.link().payloads("room-joined").get(0).get("isHost").booleanValue());
        }
    }
}
