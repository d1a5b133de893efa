package io.meetsignal.node.service;

import static io.meetsignal.node.service.MeetingFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meetsignal.cluster.Room;
import io.meetsignal.cluster.RoomSettings;
import io.meetsignal.node.protocol.ErrorCode;
import io.meetsignal.node.protocol.ProtocolException;
import io.meetsignal.node.protocol.Requests.RoomRef;
import io.meetsignal.node.service.MeetingFixture.Client;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Departures: leaving, a seat released on disconnect, a second room leaving the first, leaving the queue. */
class DeparturesTest extends MeetingTest {

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
    void leavingTellsTheOthersReasonLeftAndFreesTheSeat() {
        Room room = f.createRoom("alice");
        Client host = f.connect("alice", "Alice");
        Client bob = f.connect(null, "Bob");
        f.join(host, room);
        f.join(bob, room);
        assertEquals(Outcome.DONE, await(f.rooms.departures().leave(bob.session(), new RoomRef(room.id()))));
        assertNull(bob.session().roomId());
        assertEquals(
                "left", host.link().payloads("user-left").get(0).get("reason").asText());
        assertEquals(
                List.of(host.id()),
                await(f.store.participants(room.id())).stream()
                        .map(p -> p.socketId())
                        .toList());
    }

    @Test
    void leavingARoomOneIsNotInIsRefusedAndChangesNothing() {
        Room room = f.createRoom("alice");
        Room other = f.createRoom("alice");
        Client host = f.connect("alice", "Alice");
        Client bob = f.connect(null, "Bob");
        f.join(host, room);
        f.join(bob, room);
        ProtocolException e = refused(() -> await(f.rooms.departures().leave(bob.session(), new RoomRef(other.id()))));
        assertEquals(ErrorCode.NOT_IN_ROOM, e.code());
        assertEquals(room.id(), bob.session().roomId());
        assertTrue(host.link().payloads("user-left").isEmpty());
        assertEquals(2, await(f.store.participants(room.id())).size());
    }

    @Test
    void leavingTheWaitingQueueTellsTheHostItWasCancelled() {
        Room room = f.createRoom("alice", new RoomSettings(true, true, true, true, true, 10));
        Client host = f.connect("alice", "Alice");
        Client bob = f.connect(null, "Bob");
        f.join(host, room);
        f.join(bob, room);
        assertEquals(room.id(), bob.session().waitingRoomId());
        await(f.rooms.departures().leave(bob.session(), new RoomRef(room.id())));
        assertNull(bob.session().waitingRoomId());
        assertEquals(
                bob.id(),
                host.link()
                        .payloads("participant-waiting-cancelled")
                        .get(0)
                        .path("socketId")
                        .asText());
        assertTrue(host.link().payloads("user-left").isEmpty());
    }
}
