package io.meetsignal.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ClusterStore} does, run against each adapter by a thin subclass. Each test gets an empty
 * store of its own.
 */
public abstract class ClusterStoreContract {

    public static final Duration TIMEOUT = Duration.ofSeconds(10);
    protected static final String NODE_A = "node-a";
    protected static final String NODE_B = "node-b";
    protected static final String HOST = "host-user";

    protected ClusterStore store;

    /** A new store with no state; the contract closes it after the test. */
    protected abstract ClusterStore newStore();

    @BeforeEach
    final void openStore() {
        store = newStore();
    }

    @AfterEach
    final void closeStore() {
        store.close();
    }

    @Test
    void pingAnswersWhileTheStateIsReachable() {
        assertNull(await(store.ping()));
    }

    // ---- rooms

    @Test
    void createdRoomIsFoundByIdAndByCode() {
        Room room = newRoom(RoomSettings.DEFAULTS);

        assertEquals(room, await(store.createRoom(room)));
        assertEquals(Optional.of(room), await(store.roomById(room.id())));
        assertEquals(Optional.of(room), await(store.roomByCode(code(room))));
    }

    @Test
    void codeLookupIgnoresCaseAndHyphens() {
        Room room = created(newRoom("Abc-Def-123", RoomSettings.DEFAULTS));

        assertEquals(
                Optional.of(room),
                await(store.roomByCode(RoomCodes.normalize("abcDEF123").orElseThrow())));
        assertEquals(
                Optional.of(room),
                await(store.roomByCode(RoomCodes.normalize(" abc-def-123 ").orElseThrow())));
    }

    @Test
    void createRoomFailsWhenTheCodeIsTaken() {
        Room first = created(newRoom("abc-def-ghi", RoomSettings.DEFAULTS));
        Room second = newRoom("ABCDEFGHI", RoomSettings.DEFAULTS);

        assertInstanceOf(RoomCodeTakenException.class, failureOf(store.createRoom(second)));
        assertEquals(Optional.of(first), await(store.roomByCode("abcdefghi")));
        assertEquals(Optional.empty(), await(store.roomById(second.id())));
    }

    @Test
    void unknownRoomsAreEmpty() {
        assertEquals(Optional.empty(), await(store.roomById("no-such-room")));
        assertEquals(Optional.empty(), await(store.roomByCode("nosuchcode")));
        assertEquals(List.of(), await(store.participants("no-such-room")));
        assertEquals(List.of(), await(store.chatHistory("no-such-room")));
        assertEquals(Optional.empty(), await(store.updateSettings("no-such-room", SettingsPatch.NONE)));
        assertEquals(Optional.empty(), await(store.setLocked("no-such-room", true)));
        assertEquals(Optional.empty(), await(store.endRoom("no-such-room")));
    }

    @Test
    void settingsPatchChangesOnlyTheGivenFields() {
        Room room = created(newRoom(RoomSettings.DEFAULTS));
        SettingsPatch patch = new SettingsPatch(null, false, null, null, true, 10);

        Room changed = await(store.updateSettings(room.id(), patch)).orElseThrow();

        assertEquals(new RoomSettings(true, false, true, true, true, 10), changed.settings());
        assertEquals(room.withSettings(changed.settings()), changed);
        assertEquals(Optional.of(changed), await(store.roomById(room.id())));
    }

    @Test
    void emptySettingsPatchChangesNothing() {
        Room room = created(newRoom(RoomSettings.DEFAULTS));

        assertEquals(Optional.of(room), await(store.updateSettings(room.id(), SettingsPatch.NONE)));
    }

    @Test
    void setLockedLocksAndUnlocks() {
        Room room = created(newRoom(RoomSettings.DEFAULTS));

        assertEquals(Optional.of(room.withLocked(true)), await(store.setLocked(room.id(), true)));
        assertEquals(Optional.of(room.withLocked(true)), await(store.roomByCode(code(room))));
        assertEquals(Optional.of(room), await(store.setLocked(room.id(), false)));
    }

    @Test
    void endedRoomKeepsItsSettingsAndLock() {
        Room room = created(newRoom(RoomSettings.DEFAULTS));
        await(store.endRoom(room.id()));

        assertEquals(
                Optional.empty(),
                await(store.updateSettings(room.id(), new SettingsPatch(false, null, null, null, null, null))));
        assertEquals(Optional.empty(), await(store.setLocked(room.id(), true)));
        assertEquals(Optional.of(room.ended()), await(store.roomById(room.id())));
    }

    @Test
    void activeRoomCountCountsActiveRooms() {
        assertEquals(0L, await(store.activeRoomCount()));
        Room first = created(newRoom(RoomSettings.DEFAULTS));
        created(newRoom(RoomSettings.DEFAULTS));
        Room template = newRoom(RoomSettings.DEFAULTS);
        seated(await(store.join(new JoinRequest(code(template), guest("s1"), template))));

        assertEquals(3L, await(store.activeRoomCount()));
        await(store.endRoom(first.id()));
        assertEquals(2L, await(store.activeRoomCount()));
    }

    // ---- joins

    @Test
    void joinOfAnUnknownCodeIsRefusedAsNotFound() {
        assertEquals(
                new JoinOutcome.Refused(JoinRefusal.NOT_FOUND),
                await(store.join(new JoinRequest("nosuchroom", guest("s1"), null))));
    }

    @Test
    void joinCreatesAnUnknownRoomFromTheTemplate() {
        Room template = newRoom(HOST, RoomCodes.generate(), RoomSettings.DEFAULTS);

        JoinOutcome.Seated seated =
                seated(await(store.join(new JoinRequest(code(template), user("s1", HOST), template))));

        assertEquals(template, seated.room());
        assertEquals(Optional.of(template), await(store.roomByCode(code(template))));
        assertEquals(Optional.of(template), await(store.roomById(template.id())));
        JoinOutcome.Seated second = seated(join(template, guest("s2")));
        assertEquals(template, second.room());
        assertEquals(List.of("s1", "s2"), socketIds(await(store.participants(template.id()))));
    }

    @Test
    void joinSeatsTheCandidateAtTheTimeOfSeating() {
        Room room = created(newRoom(RoomSettings.DEFAULTS));
        Participant candidate = user("s1", "u1", NODE_A, Instant.EPOCH);
        Instant before = Instant.now();

        JoinOutcome.Seated seated = seated(join(room, candidate));

        assertEquals(room, seated.room());
        assertEquals(candidate.seatedAt(seated.self().joinedAt()), seated.self());
        assertFalse(seated.self().joinedAt().isBefore(before));
        assertFalse(seated.self().joinedAt().isAfter(Instant.now()));
        assertEquals(List.of(), seated.others());
        assertEquals(List.of(), seated.history());
        assertEquals(List.of(), seated.waiting());
        assertNull(seated.replaced());
        assertFalse(seated.rejoin());
        assertEquals(List.of(seated.self()), await(store.participants(room.id())));
    }

    @Test
    void othersAreListedInJoiningOrder() {
        Room room = created(newRoom(RoomSettings.DEFAULTS));
        Participant a = seated(join(room, guest("a"))).self();
        Participant b = seated(join(room, guest("b"))).self();

        JoinOutcome.Seated c = seated(join(room, guest("c")));

        assertEquals(List.of(a, b), c.others());
        await(store.leave(room.id(), "b"));
        seated(join(room, guest("b")));
        assertEquals(List.of("a", "c", "b"), socketIds(await(store.participants(room.id()))));
        assertEquals(List.of("a", "c"), socketIds(seated(join(room, guest("b"))).others()));
    }

    @Test
    void joinFailsWhenRoomIsFull() {
        Room room = created(newRoom(capacity(2)));
        seated(join(room, guest("a")));
        seated(join(room, user("b", "ub")));

        assertEquals(new JoinOutcome.Refused(JoinRefusal.FULL), join(room, guest("c")));
        assertEquals(new JoinOutcome.Refused(JoinRefusal.FULL), join(room, user("d", "ud")));
        assertEquals(List.of("a", "b"), socketIds(await(store.participants(room.id()))));
    }

    @Test
    void hostIsNeverRefusedForCapacityOrLock() {
        Room room = created(newRoom(capacity(2)));
        seated(join(room, guest("a")));
        seated(join(room, guest("b")));
        await(store.setLocked(room.id(), true));

        JoinOutcome.Seated host = seated(join(room, user("h", HOST)));

        assertEquals(List.of("a", "b"), socketIds(host.others()));
        assertEquals(List.of("a", "b", "h"), socketIds(await(store.participants(room.id()))));
    }

    @Test
    void hostCountsTowardsCapacity() {
        Room room = created(newRoom(capacity(2)));
        seated(join(room, user("h", HOST)));
        seated(join(room, guest("a")));

        assertEquals(new JoinOutcome.Refused(JoinRefusal.FULL), join(room, guest("b")));
    }

    @Test
    void rejoinOfTheSameSocketChangesNothing() {
        Room room = created(newRoom(capacity(2)));
        Participant a = seated(join(room, user("a", "ua"))).self();
        Participant b = seated(join(room, guest("b"))).self();
        Participant mutedA = await(store.updateMedia(room.id(), "a", MediaChange.AUDIO, false))
                .orElseThrow();
        await(store.setLocked(room.id(), true));

        JoinOutcome.Seated again = seated(join(room, participant("a", "ua", "Another name", NODE_B)));

        assertTrue(again.rejoin());
        assertEquals(mutedA, again.self());
        assertEquals(a.joinedAt(), again.self().joinedAt());
        assertEquals(List.of(b), again.others());
        assertNull(again.replaced());
        assertEquals(List.of(mutedA, b), await(store.participants(room.id())));
    }

    @Test
    void secondSeatOfTheSameUserReplacesTheFirst() {
        Room room = created(newRoom(capacity(2)));
        Participant first = seated(join(room, user("s1", "u1"))).self();
        Participant other = seated(join(room, guest("g"))).self();

        JoinOutcome.Seated second = seated(join(room, user("s2", "u1")));

        assertEquals(first, second.replaced());
        assertFalse(second.rejoin());
        assertEquals(List.of(other), second.others());
        assertEquals(List.of("g", "s2"), socketIds(await(store.participants(room.id()))));
        assertEquals(Optional.empty(), await(store.leave(room.id(), "s1")));
    }

    @Test
    void hostReplacesItsOwnOlderSeat() {
        Room room = created(newRoom(capacity(2)));
        Participant first = seated(join(room, user("h1", HOST))).self();

        JoinOutcome.Seated second = seated(join(room, user("h2", HOST)));

        assertEquals(first, second.replaced());
        assertEquals(List.of("h2"), socketIds(await(store.participants(room.id()))));
    }

    @Test
    void guestsAreNeverReplacedByEachOther() {
        Room room = created(newRoom(RoomSettings.DEFAULTS));
        seated(join(room, participant("g1", null, "Same name", NODE_A)));

        JoinOutcome.Seated second = seated(join(room, participant("g2", null, "Same name", NODE_A)));

        assertNull(second.replaced());
        assertEquals(List.of("g1", "g2"), socketIds(await(store.participants(room.id()))));
    }

    @Test
    void lockedRoomRefusesNonHosts() {
        Room room = created(newRoom(RoomSettings.DEFAULTS));
        await(store.setLocked(room.id(), true));

        assertEquals(new JoinOutcome.Refused(JoinRefusal.LOCKED), join(room, guest("g")));
        assertEquals(new JoinOutcome.Refused(JoinRefusal.LOCKED), join(room, user("u", "someone")));
        await(store.setLocked(room.id(), false));
        seated(join(room, guest("g")));
    }

    // ---- waiting room

    @Test
    void waitingRoomQueuesNonHosts() {
        Room room = created(newRoom(waitingRoom(10)));
        Participant candidate = user("w", "uw");

        JoinOutcome.Waiting waiting = assertInstanceOf(JoinOutcome.Waiting.class, join(room, candidate));

        assertEquals(room, waiting.room());
        assertEquals(candidate, waiting.self());
        assertEquals(List.of(), await(store.participants(room.id())));
        JoinOutcome.Waiting again =
                assertInstanceOf(JoinOutcome.Waiting.class, join(room, participant("w", "uw", "Renamed", NODE_A)));
        assertEquals(candidate, again.self());
    }

    @Test
    void lockedRoomRefusesBeforeAnyoneWaits() {
        Room room = created(newRoom(waitingRoom(10)));
        await(store.setLocked(room.id(), true));

        assertEquals(new JoinOutcome.Refused(JoinRefusal.LOCKED), join(room, guest("w")));
    }

    @Test
    void hostSeesTheWaitingQueueInOrder() {
        Room room = created(newRoom(waitingRoom(10)));
        Participant w1 = assertInstanceOf(JoinOutcome.Waiting.class, join(room, guest("w1")))
                .self();
        Participant w2 = assertInstanceOf(JoinOutcome.Waiting.class, join(room, guest("w2")))
                .self();

        JoinOutcome.Seated host = seated(join(room, user("h", HOST)));

        assertEquals(List.of(w1, w2), host.waiting());
        assertEquals(List.of(), host.others());
    }

    @Test
    void admitSeatsAWaitingParticipantAtTheTimeOfAdmission() {
        Room room = created(newRoom(waitingRoom(10)));
        Participant host = seated(join(room, user("h", HOST))).self();
        Participant w1 = assertInstanceOf(
                        JoinOutcome.Waiting.class, join(room, user("w1", "u1", NODE_B, Instant.EPOCH)))
                .self();
        Participant w2 = assertInstanceOf(JoinOutcome.Waiting.class, join(room, guest("w2")))
                .self();
        Instant before = Instant.now();

        JoinOutcome.Seated admitted = seated(await(store.admit(room.id(), "w1")));

        assertEquals(w1.seatedAt(admitted.self().joinedAt()), admitted.self());
        assertFalse(admitted.self().joinedAt().isBefore(before));
        assertEquals(List.of(host), admitted.others());
        assertEquals(List.of(), admitted.waiting());
        assertFalse(admitted.rejoin());
        assertEquals(List.of(host, admitted.self()), await(store.participants(room.id())));
        assertEquals(List.of(w2), seated(join(room, user("h", HOST))).waiting());
    }

    @Test
    void admitChecksCapacityThen() {
        Room room = created(newRoom(waitingRoom(2)));
        for (String id : List.of("w1", "w2", "w3")) {
            assertInstanceOf(JoinOutcome.Waiting.class, join(room, guest(id)));
        }
        seated(join(room, user("h", HOST)));

        seated(await(store.admit(room.id(), "w1")));
        assertEquals(new JoinOutcome.Refused(JoinRefusal.FULL), await(store.admit(room.id(), "w2")));

        assertEquals(
                List.of("w2", "w3"),
                socketIds(seated(join(room, user("h", HOST))).waiting()));
        await(store.leave(room.id(), "w1"));
        seated(await(store.admit(room.id(), "w2")));
        assertEquals(List.of("h", "w2"), socketIds(await(store.participants(room.id()))));
    }

    @Test
    void admitReplacesAnOlderSeatOfTheSameUser() {
        Room room = created(newRoom(capacity(2)));
        seated(join(room, user("h", HOST)));
        Participant first = seated(join(room, user("s1", "u1"))).self();
        await(store.updateSettings(room.id(), new SettingsPatch(null, null, null, null, true, null)));
        assertInstanceOf(JoinOutcome.Waiting.class, join(room, user("s2", "u1")));

        JoinOutcome.Seated admitted = seated(await(store.admit(room.id(), "s2")));

        assertEquals(first, admitted.replaced());
        assertEquals(List.of("h", "s2"), socketIds(await(store.participants(room.id()))));
    }

    @Test
    void admitOfASocketThatIsNotWaitingIsRefused() {
        Room room = created(newRoom(waitingRoom(10)));
        seated(join(room, user("h", HOST)));

        assertEquals(new JoinOutcome.Refused(JoinRefusal.NOT_FOUND), await(store.admit(room.id(), "nobody")));
        assertEquals(new JoinOutcome.Refused(JoinRefusal.NOT_FOUND), await(store.admit(room.id(), "h")));
        assertEquals(new JoinOutcome.Refused(JoinRefusal.ENDED), await(store.admit("no-such-room", "w")));
        assertInstanceOf(JoinOutcome.Waiting.class, join(room, guest("w")));
        await(store.endRoom(room.id()));
        assertEquals(new JoinOutcome.Refused(JoinRefusal.ENDED), await(store.admit(room.id(), "w")));
    }

    @Test
    void removeWaitingTakesOneOutOfTheQueue() {
        Room room = created(newRoom(waitingRoom(10)));
        Participant w1 = assertInstanceOf(JoinOutcome.Waiting.class, join(room, guest("w1")))
                .self();
        Participant w2 = assertInstanceOf(JoinOutcome.Waiting.class, join(room, guest("w2")))
                .self();

        assertEquals(Optional.of(w1), await(store.removeWaiting(room.id(), "w1")));
        assertEquals(Optional.empty(), await(store.removeWaiting(room.id(), "w1")));
        assertEquals(Optional.empty(), await(store.removeWaiting("no-such-room", "w2")));
        assertEquals(List.of(w2), seated(join(room, user("h", HOST))).waiting());
        assertEquals(new JoinOutcome.Refused(JoinRefusal.NOT_FOUND), await(store.admit(room.id(), "w1")));
    }

    // ---- ending, removal, leaving

    @Test
    void endedRoomRefusesJoins() {
        Room room = created(newRoom(waitingRoom(10)));
        Participant host = seated(join(room, user("h", HOST))).self();
        assertInstanceOf(JoinOutcome.Waiting.class, join(room, guest("a")));
        Participant a = seated(await(store.admit(room.id(), "a"))).self();
        Participant w = assertInstanceOf(JoinOutcome.Waiting.class, join(room, guest("w")))
                .self();

        List<Seat> released = await(store.endRoom(room.id())).orElseThrow();

        assertEquals(
                List.of(new Seat(room.id(), host, false), new Seat(room.id(), a, false), new Seat(room.id(), w, true)),
                released);
        assertEquals(Optional.of(room.ended()), await(store.roomById(room.id())));
        assertEquals(Optional.of(room.ended()), await(store.roomByCode(code(room))));
        assertEquals(List.of(), await(store.participants(room.id())));
        assertEquals(new JoinOutcome.Refused(JoinRefusal.ENDED), join(room, user("h", HOST)));
        assertEquals(new JoinOutcome.Refused(JoinRefusal.ENDED), join(room, guest("a")));
        assertEquals(
                new JoinOutcome.Refused(JoinRefusal.ENDED),
                await(store.join(new JoinRequest(code(room), guest("x"), newRoom(RoomSettings.DEFAULTS)))));
        assertEquals(Optional.empty(), await(store.endRoom(room.id())));
        assertEquals(0L, await(store.activeRoomCount()));
    }

    @Test
    void endedRoomKeepsItsChatHistory() {
        Room room = created(newRoom(RoomSettings.DEFAULTS));
        ChatMessage message = chat(room, 1);
        await(store.appendChat(message));

        await(store.endRoom(room.id()));

        assertEquals(List.of(message), await(store.chatHistory(room.id())));
    }

    @Test
    void removedUserCannotRejoin() {
        Room room = created(newRoom(RoomSettings.DEFAULTS));
        seated(join(room, user("h", HOST)));
        Participant removed = seated(join(room, user("s1", "u1"))).self();

        assertEquals(Optional.of(removed), await(store.removeAndBan(room.id(), "s1")));

        assertEquals(List.of("h"), socketIds(await(store.participants(room.id()))));
        assertEquals(new JoinOutcome.Refused(JoinRefusal.REMOVED), join(room, user("s1", "u1")));
        assertEquals(new JoinOutcome.Refused(JoinRefusal.REMOVED), join(room, user("s2", "u1")));
        seated(join(room, user("s3", "u3")));
        seated(join(room, guest("s4")));
    }

    @Test
    void removedGuestCannotRejoinFromTheSameSocket() {
        Room room = created(newRoom(RoomSettings.DEFAULTS));
        seated(join(room, guest("g1")));

        assertTrue(await(store.removeAndBan(room.id(), "g1")).isPresent());

        assertEquals(new JoinOutcome.Refused(JoinRefusal.REMOVED), join(room, guest("g1")));
        seated(join(room, guest("g2")));
    }

    @Test
    void removingSomeoneWithoutASeatBansNobody() {
        Room room = created(newRoom(RoomSettings.DEFAULTS));

        assertEquals(Optional.empty(), await(store.removeAndBan(room.id(), "s1")));
        assertEquals(Optional.empty(), await(store.removeAndBan("no-such-room", "s1")));
        seated(join(room, guest("s1")));
    }

    @Test
    void leaveReleasesTheSeatAndItsCapacity() {
        Room room = created(newRoom(capacity(2)));
        Participant a = seated(join(room, user("a", "ua"))).self();
        seated(join(room, guest("b")));
        assertEquals(new JoinOutcome.Refused(JoinRefusal.FULL), join(room, guest("c")));

        assertEquals(Optional.of(a), await(store.leave(room.id(), "a")));

        seated(join(room, guest("c")));
        assertEquals(List.of("b", "c"), socketIds(await(store.participants(room.id()))));
        assertEquals(Optional.empty(), await(store.leave(room.id(), "a")));
        assertEquals(Optional.empty(), await(store.leave("no-such-room", "b")));
        await(store.leave(room.id(), "b"));
        assertNull(seated(join(room, user("a2", "ua"))).replaced());
    }

    @Test
    void leaveDoesNotTouchTheWaitingQueue() {
        Room room = created(newRoom(waitingRoom(10)));
        assertInstanceOf(JoinOutcome.Waiting.class, join(room, guest("w")));

        assertEquals(Optional.empty(), await(store.leave(room.id(), "w")));
        assertEquals(List.of("w"), socketIds(seated(join(room, user("h", HOST))).waiting()));
    }

    // ---- media

    @Test
    void updateMediaChangesOneFlag() {
        Room room = created(newRoom(RoomSettings.DEFAULTS));
        Participant a = seated(join(room, participant("a", "u/ä", "Zoë ✓ \"q\" / \\ \u2603", NODE_A)))
                .self();

        Participant muted = await(store.updateMedia(room.id(), "a", MediaChange.AUDIO, false))
                .orElseThrow();
        assertEquals(a.with(MediaChange.AUDIO, false), muted);
        assertTrue(muted.muted());
        Participant videoOff = await(store.updateMedia(room.id(), "a", MediaChange.VIDEO, false))
                .orElseThrow();
        assertEquals(muted.with(MediaChange.VIDEO, false), videoOff);
        Participant sharing = await(store.updateMedia(room.id(), "a", MediaChange.SCREEN_SHARE, true))
                .orElseThrow();
        assertEquals(videoOff.with(MediaChange.SCREEN_SHARE, true), sharing);
        Participant hand =
                await(store.updateMedia(room.id(), "a", MediaChange.HAND, true)).orElseThrow();
        assertEquals(sharing.with(MediaChange.HAND, true), hand);
        Participant unmuted = await(store.updateMedia(room.id(), "a", MediaChange.AUDIO, true))
                .orElseThrow();
        assertEquals(hand.with(MediaChange.AUDIO, true), unmuted);
        Participant same = await(store.updateMedia(room.id(), "a", MediaChange.AUDIO, true))
                .orElseThrow();
        assertEquals(unmuted, same);

        assertEquals(List.of(unmuted), await(store.participants(room.id())));
        assertEquals(List.of(unmuted), seated(join(room, guest("b"))).others());
    }

    @Test
    void updateMediaOfASocketWithoutASeatIsEmpty() {
        Room room = created(newRoom(waitingRoom(10)));
        assertInstanceOf(JoinOutcome.Waiting.class, join(room, guest("w")));

        assertEquals(Optional.empty(), await(store.updateMedia(room.id(), "w", MediaChange.HAND, true)));
        assertEquals(Optional.empty(), await(store.updateMedia(room.id(), "nobody", MediaChange.AUDIO, false)));
        assertEquals(Optional.empty(), await(store.updateMedia("no-such-room", "w", MediaChange.AUDIO, false)));
    }

    // ---- chat

    @Test
    void chatHistoryKeepsTheLast50OldestFirst() {
        Room room = created(newRoom(RoomSettings.DEFAULTS));
        List<ChatMessage> sent = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            ChatMessage message = chat(room, i);
            sent.add(message);
            await(store.appendChat(message));
        }

        List<ChatMessage> last50 = sent.subList(10, 60);
        assertEquals(last50, await(store.chatHistory(room.id())));
        assertEquals(last50, seated(join(room, guest("late"))).history());
    }

    @Test
    void chatOfAnUnknownRoomIsNotKept() {
        ChatMessage message = new ChatMessage("m1", "no-such-room", "s", "Name", null, "hello", "TEXT", Instant.now());

        await(store.appendChat(message));

        assertEquals(List.of(), await(store.chatHistory("no-such-room")));
    }

    @Test
    void chatMessagesKeepEveryField() {
        Room room = created(newRoom(RoomSettings.DEFAULTS));
        ChatMessage text = new ChatMessage(
                "m1",
                room.id(),
                "s1",
                "Zoë \"Z\" / ✓",
                "u1",
                "line\nbreak \u2603 {json}",
                "TEXT",
                Instant.parse("2024-01-02T03:04:05.123456789Z"));
        ChatMessage system = new ChatMessage("m2", room.id(), null, null, null, "joined", "SYSTEM", Instant.now());

        await(store.appendChat(text));
        await(store.appendChat(system));

        assertEquals(List.of(text, system), await(store.chatHistory(room.id())));
    }

    // ---- nodes

    @Test
    void lostNodesListsNodesWhoseHeartbeatLapsed() {
        Room room = created(newRoom(waitingRoom(10)));
        seated(join(room, user("h", HOST, NODE_A, Instant.now())));
        assertInstanceOf(JoinOutcome.Waiting.class, join(room, participant("w", null, "W", "node-c")));
        seated(join(created(newRoom(RoomSettings.DEFAULTS)), participant("b", null, "B", NODE_B)));
        await(store.heartbeat(NODE_A, Duration.ofMinutes(1)));
        await(store.heartbeat(NODE_B, Duration.ofMinutes(1)));
        await(store.heartbeat("node-d", Duration.ofMillis(1)));
        assertEquals(Set.of("node-c"), await(store.lostNodes()));

        await(store.heartbeat(NODE_A, Duration.ofMillis(300)));
        eventually(() -> assertEquals(Set.of(NODE_A, "node-c"), await(store.lostNodes())));
        await(store.heartbeat(NODE_A, Duration.ofMinutes(1)));
        assertEquals(Set.of("node-c"), await(store.lostNodes()));
    }

    @Test
    void removeNodeEndsItsHeartbeat() {
        Room room = created(newRoom(RoomSettings.DEFAULTS));
        seated(join(room, guest("a")));
        await(store.heartbeat(NODE_A, Duration.ofMinutes(1)));
        assertEquals(Set.of(), await(store.lostNodes()));

        await(store.removeNode(NODE_A));

        assertEquals(Set.of(NODE_A), await(store.lostNodes()));
    }

    @Test
    void heartbeatTellsWhetherThePreviousOneWasStillThere() {
        assertFalse(await(store.heartbeat(NODE_A, Duration.ofMinutes(1))));
        assertTrue(await(store.heartbeat(NODE_A, Duration.ofMinutes(1))));
        await(store.removeNode(NODE_A));
        assertFalse(await(store.heartbeat(NODE_A, Duration.ofMinutes(1))));
    }

    @Test
    void restorePutsBackAMissingRoomAndItsSeats() {
        Room room = newRoom(capacity(10));
        Participant a = user("a", HOST, NODE_A, Instant.now());
        Participant b = participant("b", null, "B", NODE_A);

        assertEquals(2, await(store.restore(room, List.of(a, b))));

        assertEquals(Optional.of(room.id()), await(store.roomByCode(code(room))).map(Room::id));
        assertEquals(Set.of("a", "b"), Set.copyOf(socketIds(await(store.participants(room.id())))));
        JoinOutcome.Seated c = seated(join(room, guest("c")));
        assertEquals(2, c.others().size());
        await(store.heartbeat(NODE_A, Duration.ofMinutes(1)));
        assertEquals(Set.of(), await(store.lostNodes()));
    }

    @Test
    void restoreLeavesExistingSeatsAloneAndNeverSeatsAUserTwice() {
        Room room = created(newRoom(capacity(10)));
        seated(join(room, user("a", "u1", NODE_A, Instant.now())));

        assertEquals(
                1,
                await(store.restore(
                        room,
                        List.of(
                                user("a", "u1", NODE_A, Instant.now()),
                                user("a2", "u1", NODE_B, Instant.now()),
                                guest("g")))));

        assertEquals(Set.of("a", "g"), Set.copyOf(socketIds(await(store.participants(room.id())))));
    }

    @Test
    void restoreDoesNotReopenAnEndedRoom() {
        Room room = created(newRoom(capacity(10)));
        seated(join(room, guest("a")));
        await(store.endRoom(room.id()));

        assertEquals(0, await(store.restore(room, List.of(guest("a")))));
        assertTrue(await(store.participants(room.id())).isEmpty());
    }

    @Test
    void nodeWithoutSeatsIsNeverLost() {
        Room room = created(newRoom(RoomSettings.DEFAULTS));
        seated(join(room, guest("a")));
        await(store.leave(room.id(), "a"));

        assertEquals(Set.of(), await(store.lostNodes()));
    }

    @Test
    void releaseNodeFreesItsSeatsAndCapacity() {
        Room room = created(newRoom(capacity(2)));
        Participant a = seated(join(room, participant("a", "ua", "A", NODE_A))).self();
        Participant b = seated(join(room, participant("b", null, "B", NODE_B))).self();
        Room other = created(newRoom(waitingRoom(10)));
        Participant w = assertInstanceOf(JoinOutcome.Waiting.class, join(other, participant("w", null, "W", NODE_A)))
                .self();
        assertEquals(new JoinOutcome.Refused(JoinRefusal.FULL), join(room, guest("c")));

        List<Seat> released = await(store.releaseNode(NODE_A));

        assertEquals(Set.of(new Seat(room.id(), a, false), new Seat(other.id(), w, true)), Set.copyOf(released));
        assertEquals(2, released.size());
        assertEquals(List.of(b), await(store.participants(room.id())));
        seated(join(room, participant("c", null, "C", NODE_B)));
        assertEquals(Set.of(NODE_B), await(store.lostNodes()));
        assertEquals(List.of(), await(store.releaseNode(NODE_A)));
    }

    @Test
    void releaseNodeKeepsTheOrderOfEachRoom() {
        Room room = created(newRoom(RoomSettings.DEFAULTS));
        List<Participant> mine = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            mine.add(seated(join(room, participant("a" + i, null, "A", NODE_A))).self());
            seated(join(room, participant("b" + i, null, "B", NODE_B)));
        }

        List<Seat> released = await(store.releaseNode(NODE_A));

        assertEquals(mine.stream().map(p -> new Seat(room.id(), p, false)).toList(), released);
        assertEquals(List.of("b0", "b1", "b2", "b3", "b4"), socketIds(await(store.participants(room.id()))));
    }

    // ---- fixtures

    protected static Room newRoom(RoomSettings settings) {
        return newRoom(RoomCodes.generate(), settings);
    }

    protected static Room newRoom(String code, RoomSettings settings) {
        return newRoom(HOST, code, settings);
    }

    protected static Room newRoom(String hostId, String code, RoomSettings settings) {
        return new Room(
                UUID.randomUUID().toString(), code, "Room " + code, hostId, true, false, Instant.now(), settings);
    }

    protected static RoomSettings capacity(int max) {
        return new RoomSettings(true, true, true, true, false, max);
    }

    protected static RoomSettings waitingRoom(int max) {
        return new RoomSettings(true, true, true, true, true, max);
    }

    protected static Participant guest(String socketId) {
        return participant(socketId, null, "Guest " + socketId, NODE_A);
    }

    protected static Participant user(String socketId, String userId) {
        return participant(socketId, userId, "User " + userId, NODE_A);
    }

    protected static Participant user(String socketId, String userId, String nodeId, Instant joinedAt) {
        return new Participant(socketId, userId, "User " + userId, nodeId, false, false, false, false, joinedAt);
    }

    protected static Participant participant(String socketId, String userId, String displayName, String nodeId) {
        return new Participant(socketId, userId, displayName, nodeId, false, false, false, false, Instant.now());
    }

    protected static ChatMessage chat(Room room, int n) {
        return new ChatMessage(
                "m" + n,
                room.id(),
                "s" + n,
                "Sender " + n,
                n % 2 == 0 ? "u" + n : null,
                "message " + n,
                "TEXT",
                Instant.now());
    }

    protected static String code(Room room) {
        return RoomCodes.normalize(room.code()).orElseThrow();
    }

    protected static List<String> socketIds(List<Participant> participants) {
        return participants.stream().map(Participant::socketId).toList();
    }

    // ---- connection state recovery

    @Test
    void takeOverMovesTheSeatToTheNewNodeWithTheRightKeyOnly() {
        Room room = created(newRoom(RoomSettings.DEFAULTS));
        Participant a = participant("s1", "u1", "Ann", "node-a");
        seated(await(store.join(new JoinRequest(code(room), a, null, "secret-1"))));

        assertTrue(await(store.takeOver("s1", "wrong", "node-b")).isEmpty(), "a wrong key takes nothing");
        ClusterStore.TakenOver taken =
                await(store.takeOver("s1", "secret-1", "node-b")).orElseThrow();

        assertEquals(room.id(), taken.room().id());
        assertEquals("node-b", taken.seat().nodeId());
        assertEquals("node-a", taken.previousNodeId());
        assertEquals(
                List.of("node-b"),
                await(store.participants(room.id())).stream()
                        .map(Participant::nodeId)
                        .toList());
        assertTrue(await(store.leaveIfHeldBy(room.id(), "s1", "node-a")).isEmpty(), "the old node releases nothing");
        assertEquals(1, await(store.participants(room.id())).size());
        assertEquals(List.of(), await(store.releaseNode("node-a")), "the seat is not the old node's any more");
        assertTrue(await(store.leaveIfHeldBy(room.id(), "s1", "node-b")).isPresent());
        assertTrue(await(store.takeOver("s1", "secret-1", "node-c")).isEmpty(), "a released seat cannot be taken");
    }

    @Test
    void takeOverFindsNothingWithoutAKeyOrAfterTheRoomEnded() {
        Room room = created(newRoom(RoomSettings.DEFAULTS));
        seated(join(room, participant("s1", "u1", "Ann", "node-a")));
        seated(await(store.join(new JoinRequest(code(room), participant("s2", "u2", "Bo", "node-a"), null, "k2"))));

        assertTrue(await(store.takeOver("s1", "", "node-b")).isEmpty(), "joined without a key");
        await(store.endRoom(room.id()));
        assertTrue(await(store.takeOver("s2", "k2", "node-b")).isEmpty(), "the room ended");
    }

    @Test
    void anUnseatedSocketIsClaimedOnceWithItsKeyAndUserOnly() {
        await(store.keepUnseated("s1", "secret-1", "u1", "node-a", java.time.Duration.ofMinutes(1)));
        await(store.keepUnseated("g1", "secret-g", null, "node-a", java.time.Duration.ofMinutes(1)));

        assertTrue(await(store.takeOverUnseated("s1", "wrong", "u1")).isEmpty(), "a wrong key claims nothing");
        assertTrue(await(store.takeOverUnseated("s1", "secret-1", "u2")).isEmpty(), "another user claims nothing");
        assertTrue(await(store.takeOverUnseated("s1", "secret-1", null)).isEmpty(), "a guest claims no user's socket");
        assertEquals(Optional.of("node-a"), await(store.takeOverUnseated("s1", "secret-1", "u1")));
        assertTrue(await(store.takeOverUnseated("s1", "secret-1", "u1")).isEmpty(), "claimed once only");
        assertEquals(Optional.of("node-a"), await(store.takeOverUnseated("g1", "secret-g", null)), "a guest's own");
        assertTrue(await(store.takeOverUnseated("nobody", "k", null)).isEmpty());
    }

    @Test
    void anUnseatedSocketIsForgottenAfterItsTtl() throws InterruptedException {
        await(store.keepUnseated("s1", "secret-1", "u1", "node-a", java.time.Duration.ofMillis(50)));
        Thread.sleep(150);
        assertTrue(await(store.takeOverUnseated("s1", "secret-1", "u1")).isEmpty());
    }

    @Test
    void aJoinTellsTheOffsetOfTheRoomsLog() {
        Room room = created(newRoom(RoomSettings.DEFAULTS));
        JoinOutcome.Seated seated = seated(join(room, participant("s1", "u1", "Ann", "node-a")));

        assertTrue(Offsets.valid(seated.offset()), seated.offset());
    }

    protected Room created(Room room) {
        return await(store.createRoom(room));
    }

    protected JoinOutcome join(Room room, Participant candidate) {
        return await(store.join(new JoinRequest(code(room), candidate, null)));
    }

    protected static JoinOutcome.Seated seated(JoinOutcome outcome) {
        return assertInstanceOf(JoinOutcome.Seated.class, outcome);
    }

    /** The value of {@code stage}, waiting at most {@link #TIMEOUT}; its failure is rethrown as it is. */
    public static <T> T await(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new AssertionError(e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("no answer within " + TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The failure of {@code stage}, waiting at most {@link #TIMEOUT}. */
    public static Throwable failureOf(CompletionStage<?> stage) {
        try {
            stage.toCompletableFuture().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (TimeoutException e) {
            throw new AssertionError("no answer within " + TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        throw new AssertionError("expected a failure");
    }

    /** Retries {@code assertion} until it holds (neither fails nor throws), for at most {@link #TIMEOUT}. */
    public static void eventually(Runnable assertion) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            try {
                assertion.run();
                return;
            } catch (AssertionError | RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
            }
            try {
                Thread.sleep(25); // polling interval of a deadline-bound wait
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
