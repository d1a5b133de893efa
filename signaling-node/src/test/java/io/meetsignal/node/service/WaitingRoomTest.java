package io.meetsignal.node.service;

import static io.meetsignal.node.service.MeetingFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meetsignal.cluster.Room;
import io.meetsignal.cluster.RoomSettings;
import io.meetsignal.node.protocol.ErrorCode;
import io.meetsignal.node.protocol.ProtocolException;
import io.meetsignal.node.protocol.Requests.HostTarget;
import io.meetsignal.node.protocol.Requests.RoomRef;
import io.meetsignal.node.service.MeetingFixture.Client;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The waiting room: queueing, admission, denial, cancellation, and admissions that can no longer seat. */
class WaitingRoomTest extends MeetingTest {

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
}
