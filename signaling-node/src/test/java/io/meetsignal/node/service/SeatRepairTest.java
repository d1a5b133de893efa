package io.meetsignal.node.service;

import static io.meetsignal.node.service.MeetingFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.meetsignal.cluster.Participant;
import io.meetsignal.cluster.Room;
import io.meetsignal.cluster.RoomCodes;
import io.meetsignal.cluster.Seat;
import io.meetsignal.cluster.SettingsPatch;
import io.meetsignal.cluster.memory.InMemoryClusterStore;
import io.meetsignal.node.protocol.LeaveReason;
import io.meetsignal.node.protocol.Requests.Flag;
import io.meetsignal.node.protocol.Requests.RoomRef;
import io.meetsignal.node.service.MeetingFixture.Client;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Repairs after a loss: a node puts its seats back when the shared state came back empty, and tells the rooms about
 * the seats of a node that died.
 */
class SeatRepairTest {

    private final MeetingFixture f = new MeetingFixture();

    @AfterEach
    void close() {
        f.close();
    }

    /** The shared state as Redis has it after a restart without its data: empty. */
    private final InMemoryClusterStore emptied = new InMemoryClusterStore();

    /** The repair of {@code node} when its store is {@link #emptied}. */
    private SeatRepair repairInto(MeetingFixture node) {
        return new SeatRepair(emptied, node.sessions, node.rosters, new RoomNotices(emptied, new Delivery(node.bus)));
    }

    private static Set<Participant> seats(List<Participant> participants) {
        return Set.copyOf(participants);
    }

    private static List<String> ids(List<Participant> participants) {
        return participants.stream().map(Participant::socketId).collect(Collectors.toList());
    }

    @Test
    void restoreLocalSeatsPutsBackRoomsAndSeatsWithTheirMediaState() {
        Room first = f.createRoom("alice");
        Room second = f.createRoom("dave");
        Client alice = f.connect("alice", "Alice");
        Client bob = f.connect(null, "Bob");
        Client dave = f.connect("dave", "Dave");
        f.connect("eve", "Eve"); // in no room: nothing to put back
        f.join(alice, first);
        f.join(bob, first);
        f.join(dave, second);
        await(f.signals.toggleAudio(alice.session(), new Flag(first.id(), false)));
        await(f.signals.screenShare(alice.session(), new RoomRef(first.id()), true));
        await(f.signals.toggleVideo(bob.session(), new Flag(first.id(), false)));
        await(f.signals.handRaise(bob.session(), new Flag(first.id(), true)));
        List<Participant> before = await(f.store.participants(first.id()));
        assertTrue(before.get(0).muted() && before.get(0).screenSharing());
        assertTrue(before.get(1).videoOff() && before.get(1).handRaised());

        assertEquals(3, await(repairInto(f).restoreLocalSeats()));

        assertEquals(seats(before), seats(await(emptied.participants(first.id()))));
        assertEquals(seats(await(f.store.participants(second.id()))), seats(await(emptied.participants(second.id()))));
        assertEquals(Optional.of(first), await(emptied.roomById(first.id())));
        assertEquals(
                Optional.of(second),
                await(emptied.roomByCode(RoomCodes.normalize(second.code()).orElseThrow())));
        assertEquals(0, await(repairInto(f).restoreLocalSeats()), "what is there already is not put back twice");
        assertEquals(0, await(f.rooms.repair().restoreLocalSeats()), "nor when nothing was lost");
    }

    @Test
    void restoreLocalSeatsPutsBackOnlyWhatThisNodeHolds() {
        try (MeetingFixture other = f.otherNode("node-2")) {
            Room room = f.createRoom("alice");
            Client alice = f.connect("alice", "Alice");
            Client bob = f.connect("bob", "Bob");
            Client carol = other.connect("carol", "Carol");
            f.join(alice, room);
            f.join(bob, room);
            other.join(carol, room);
            await(f.rooms.departures().leave(bob.session(), new RoomRef(room.id())));

            assertEquals(1, await(repairInto(f).restoreLocalSeats()));
            assertEquals(List.of(alice.id()), ids(await(emptied.participants(room.id()))));

            assertEquals(1, await(repairInto(other).restoreLocalSeats()));
            List<Participant> restored = await(emptied.participants(room.id()));
            assertEquals(Set.of(alice.id(), carol.id()), Set.copyOf(ids(restored)));
            assertEquals(seats(await(f.store.participants(room.id()))), seats(restored));
        }
    }

    @Test
    void announceReleasedTellsTheRoomWhyTheSeatsOfALostNodeWent() {
        try (MeetingFixture other = f.otherNode("node-2")) {
            Room room = f.createRoom("alice");
            Client alice = f.connect("alice", "Alice");
            Client bob = f.connect(null, "Bob");
            Client carol = other.connect("carol", "Carol");
            f.join(alice, room);
            f.join(bob, room);
            other.join(carol, room);
            assertTrue(f.rosters.find(room.id(), carol.id()).isPresent());
            other.close(); // node-2 died
            List<Seat> released = await(f.store.releaseNode("node-2"));
            assertEquals(1, released.size());

            await(f.rooms.repair().announceReleased(released, LeaveReason.NODE_LOST));

            for (Client stays : List.of(alice, bob)) {
                List<JsonNode> left = stays.link().payloads("user-left");
                assertEquals(1, left.size(), stays.link().names().toString());
                assertEquals(carol.id(), left.get(0).get("socketId").asText());
                assertEquals("carol", left.get(0).get("userId").asText());
                assertEquals("node-lost", left.get(0).get("reason").asText());
            }
            assertEquals(Optional.empty(), f.rosters.find(room.id(), carol.id()), "the roster dropped it");
            assertEquals(List.of(alice.id(), bob.id()), ids(await(f.store.participants(room.id()))));
        }
    }

    @Test
    void announceReleasedTellsTheHostThatAWaitingSocketOfALostNodeIsGone() {
        try (MeetingFixture other = f.otherNode("node-2")) {
            Room room = f.createRoom("alice");
            Client alice = f.connect("alice", "Alice");
            Client bob = f.connect("bob", "Bob");
            f.join(alice, room);
            f.join(bob, room);
            await(f.store.updateSettings(room.id(), new SettingsPatch(null, null, null, null, true, null)));
            Client dave = other.connect("dave", "Dave");
            other.join(dave, room);
            assertEquals(room.id(), dave.session().waitingRoomId());
            assertEquals(1, alice.link().payloads("participant-waiting").size());
            other.close();
            List<Seat> released = await(f.store.releaseNode("node-2"));
            assertEquals(List.of(true), released.stream().map(Seat::waiting).toList());

            await(f.rooms.repair().announceReleased(released, LeaveReason.NODE_LOST));

            List<JsonNode> cancelled = alice.link().payloads("participant-waiting-cancelled");
            assertEquals(1, cancelled.size());
            assertEquals(dave.id(), cancelled.get(0).get("socketId").asText());
            assertEquals(List.of(), alice.link().payloads("user-left"), "a waiting socket held no seat");
            assertEquals(List.of(), bob.link().payloads("user-left"));
            assertEquals(List.of(), bob.link().payloads("participant-waiting-cancelled"), "for the host only");
        }
    }
}
