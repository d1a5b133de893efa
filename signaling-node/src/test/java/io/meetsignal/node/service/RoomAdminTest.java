package io.meetsignal.node.service;

import static io.meetsignal.node.service.MeetingFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meetsignal.cluster.Room;
import io.meetsignal.cluster.RoomCodes;
import io.meetsignal.cluster.RoomSettings;
import io.meetsignal.cluster.SettingsPatch;
import io.meetsignal.node.protocol.ErrorCode;
import io.meetsignal.node.service.MeetingFixture.Client;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Room administration, the REST side: creation, the host check, settings and ending a room for everyone. */
class RoomAdminTest extends MeetingTest {

    private final RoomAdmin admin = f.rooms.admin();

    @Test
    void aCreatedRoomIsActiveAndFoundByItsCode() {
        Room room = await(admin.create("alice", "Standup", RoomSettings.DEFAULTS, 3));
        assertTrue(room.active());
        assertEquals("Standup", room.name());
        assertTrue(room.isHost("alice"));
        Optional<Room> found =
                await(admin.byCode(RoomCodes.normalize(room.code()).orElseThrow()));
        assertEquals(room.id(), found.orElseThrow().id());
    }

    @Test
    void onlyTheHostGetsTheRoomAndAnUnknownIdIsEmpty() {
        Room room = await(admin.create("alice", null, RoomSettings.DEFAULTS, 3));
        assertEquals(
                room.id(), await(admin.asHost(room.id(), "alice")).orElseThrow().id());
        assertEquals(
                ErrorCode.FORBIDDEN,
                refused(() -> await(admin.asHost(room.id(), "mallory"))).code());
        assertTrue(await(admin.asHost("no-such-room", "alice")).isEmpty());
    }

    @Test
    void aSettingsPatchChangesOnlyWhatItNamesAndTellsTheRoom() {
        Room room = f.createRoom("alice");
        Client host = f.connect("alice", "Alice");
        Client bob = f.connect(null, "Bob");
        f.join(host, room);
        f.join(bob, room);

        Room updated = await(admin.updateSettings(room.id(), new SettingsPatch(null, false, null, null, null, 7)))
                .orElseThrow();
        assertFalse(updated.settings().allowChat());
        assertEquals(7, updated.settings().maxParticipants());
        assertTrue(updated.settings().allowScreenShare(), "what the patch does not name stays");
        assertEquals(
                updated.settings(),
                await(f.store.roomById(room.id())).orElseThrow().settings());
        for (Client c : List.of(host, bob)) {
            var told = c.link().payloads("room-settings-updated");
            assertEquals(1, told.size());
            assertFalse(told.get(0).path("settings").path("allowChat").booleanValue());
            assertEquals(7, told.get(0).path("settings").path("maxParticipants").intValue());
        }
    }

    @Test
    void aPatchOfAnUnknownRoomIsEmptyAndTellsNobody() {
        Room room = f.createRoom("alice");
        Client host = f.connect("alice", "Alice");
        f.join(host, room);
        assertTrue(await(admin.updateSettings("no-such-room", new SettingsPatch(null, false, null, null, null, null)))
                .isEmpty());
        assertTrue(host.link().payloads("room-settings-updated").isEmpty());
    }

    @Test
    void endingARoomDisconnectsEveryoneOnceAndASecondEndIsFalse() {
        Room room = f.createRoom("alice");
        Client host = f.connect("alice", "Alice");
        Client bob = f.connect(null, "Bob");
        f.join(host, room);
        f.join(bob, room);

        assertTrue(await(admin.endRoom(room.id())));
        assertFalse(await(f.store.roomById(room.id())).orElseThrow().active());
        for (Client c : List.of(host, bob)) {
            assertEquals(
                    "Meeting ended by host",
                    c.link().payloads("force-disconnect").get(0).path("reason").asText());
            assertTrue(c.link().disconnected());
        }
        assertTrue(await(admin.participants(room.id())).isEmpty());

        assertFalse(await(admin.endRoom(room.id())), "a room ends once");
        assertEquals(1, bob.link().payloads("force-disconnect").size());
    }
}
