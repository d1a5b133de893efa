package io.meetsignal.node.service;

import static io.meetsignal.node.service.MeetingFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meetsignal.cluster.Room;
import io.meetsignal.node.protocol.ErrorCode;
import io.meetsignal.node.protocol.Requests.Flag;
import io.meetsignal.node.protocol.Requests.HostTarget;
import io.meetsignal.node.protocol.Requests.RoomRef;
import io.meetsignal.node.service.MeetingFixture.Client;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Host controls: who may use them, removal, targets outside the room, ending the room. */
class HostControlsTest extends MeetingTest {

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
}
