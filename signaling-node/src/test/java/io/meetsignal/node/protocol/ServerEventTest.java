package io.meetsignal.node.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.meetsignal.cluster.ChatMessage;
import io.meetsignal.cluster.JoinOutcome;
import io.meetsignal.cluster.JoinRefusal;
import io.meetsignal.cluster.Participant;
import io.meetsignal.cluster.Room;
import io.meetsignal.cluster.RoomSettings;
import io.meetsignal.node.protocol.ServerEvent.Answer;
import io.meetsignal.node.protocol.ServerEvent.ChatPosted;
import io.meetsignal.node.protocol.ServerEvent.ErrorEvent;
import io.meetsignal.node.protocol.ServerEvent.ForceDisconnect;
import io.meetsignal.node.protocol.ServerEvent.ForceMute;
import io.meetsignal.node.protocol.ServerEvent.HandLowered;
import io.meetsignal.node.protocol.ServerEvent.HandRaised;
import io.meetsignal.node.protocol.ServerEvent.IceCandidate;
import io.meetsignal.node.protocol.ServerEvent.JoinError;
import io.meetsignal.node.protocol.ServerEvent.Offer;
import io.meetsignal.node.protocol.ServerEvent.ParticipantWaiting;
import io.meetsignal.node.protocol.ServerEvent.ParticipantWaitingCancelled;
import io.meetsignal.node.protocol.ServerEvent.RoomJoined;
import io.meetsignal.node.protocol.ServerEvent.RoomLocked;
import io.meetsignal.node.protocol.ServerEvent.RoomSettingsUpdated;
import io.meetsignal.node.protocol.ServerEvent.ScreenShareStarted;
import io.meetsignal.node.protocol.ServerEvent.ScreenShareStopped;
import io.meetsignal.node.protocol.ServerEvent.UserJoined;
import io.meetsignal.node.protocol.ServerEvent.UserLeft;
import io.meetsignal.node.protocol.ServerEvent.UserToggleAudio;
import io.meetsignal.node.protocol.ServerEvent.UserToggleVideo;
import io.meetsignal.node.protocol.ServerEvent.UserTyping;
import io.meetsignal.node.protocol.ServerEvent.WaitingForHost;
import io.meetsignal.node.protocol.Views.ParticipantInfo;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The exact JSON of every server event, as the wire has it (PROTOCOL.md §5): names, field order, absent fields. */
class ServerEventTest {

    private static final Instant T = Instant.parse("2026-01-02T03:04:05Z");
    private static final Room ROOM =
            new Room("r1", "abc-defg-hij", "Standup", "u-host", true, false, T, RoomSettings.DEFAULTS);
    private static final Participant HOST =
            new Participant("s-host", "u-host", "Hana", "n1", false, false, false, false, T);
    private static final Participant GUEST = new Participant("s-guest", null, "Gil", "n2", true, true, false, true, T);
    private static final String SETTINGS = "{\"allowScreenShare\":true,\"allowChat\":true,"
            + "\"allowParticipantAudio\":true,\"allowParticipantVideo\":true,\"waitingRoom\":false,"
            + "\"maxParticipants\":50}";
    private static final String HOST_INFO = "{\"socketId\":\"s-host\",\"userId\":\"u-host\",\"displayName\":\"Hana\","
            + "\"isHost\":true,\"isMuted\":false,\"isVideoOff\":false,\"isScreenSharing\":false,"
            + "\"isHandRaised\":false,\"joinedAt\":\"2026-01-02T03:04:05Z\"}";
    private static final String GUEST_INFO = "{\"socketId\":\"s-guest\",\"displayName\":\"Gil\",\"isHost\":false,"
            + "\"isMuted\":true,\"isVideoOff\":true,\"isScreenSharing\":false,\"isHandRaised\":true,"
            + "\"joinedAt\":\"2026-01-02T03:04:05Z\"}";
    private static final ChatMessage MESSAGE = new ChatMessage("m1", "r1", "s-host", "Hana", "u-host", "hi", "TEXT", T);
    private static final String MESSAGE_JSON = "{\"id\":\"m1\",\"roomId\":\"r1\",\"senderId\":\"s-host\","
            + "\"senderName\":\"Hana\",\"userId\":\"u-host\",\"content\":\"hi\",\"type\":\"TEXT\","
            + "\"timestamp\":\"2026-01-02T03:04:05Z\"}";

    private static void pins(ServerEvent event, String name, String json) {
        assertEquals(name, event.event());
        assertEquals(json, Json.write(event));
    }

    @Test
    void everyRecordNamesItsOwnEvent() {
        Class<?>[] records = ServerEvent.class.getPermittedSubclasses();
        Set<String> names = new HashSet<>();
        for (Class<?> type : records) {
            ServerEvent.Name name = type.getAnnotation(ServerEvent.Name.class);
            assertNotNull(name, type.getSimpleName() + " has no event name");
            assertTrue(names.add(name.value()), "two records for " + name.value());
        }
        assertEquals(23, names.size());
    }

    @Test
    void roomEventsCarryTheRosterAndOmitTheWaitingListForAGuest() {
        JoinOutcome.Seated asHost =
                new JoinOutcome.Seated(ROOM, HOST, List.of(GUEST), List.of(MESSAGE), List.of(), null, false, null);
        pins(
                RoomJoined.of(asHost),
                "room-joined",
                "{\"roomId\":\"r1\",\"roomCode\":\"abc-defg-hij\",\"isHost\":true,"
                        + "\"participants\":[" + GUEST_INFO + "],\"messages\":[" + MESSAGE_JSON + "],\"settings\":"
                        + SETTINGS
                        + ",\"waiting\":[]}");
        JoinOutcome.Seated asGuest =
                new JoinOutcome.Seated(ROOM, GUEST, List.of(HOST), List.of(), List.of(GUEST), null, false, null);
        pins(
                RoomJoined.of(asGuest),
                "room-joined",
                "{\"roomId\":\"r1\",\"roomCode\":\"abc-defg-hij\"," + "\"isHost\":false,\"participants\":[" + HOST_INFO
                        + "],\"messages\":[],\"settings\":" + SETTINGS + "}");
        pins(JoinError.of(JoinRefusal.FULL), "join-error", "{\"code\":\"JOIN_FAILED\",\"message\":\"Room is full\"}");
        pins(new UserJoined(ParticipantInfo.of(HOST, ROOM)), "user-joined", "{\"participant\":" + HOST_INFO + "}");
    }

    @Test
    void userLeftNamesEveryReasonAsTheProtocolSpellsIt() {
        pins(
                new UserLeft("s-host", "u-host", LeaveReason.LEFT),
                "user-left",
                "{\"socketId\":\"s-host\",\"userId\":\"u-host\",\"reason\":\"left\"}");
        pins(
                new UserLeft("s-guest", null, LeaveReason.NODE_LOST),
                "user-left",
                "{\"socketId\":\"s-guest\",\"reason\":\"node-lost\"}");
        assertEquals(
                "[\"left\",\"disconnected\",\"removed\",\"replaced\",\"node-lost\"]", Json.write(LeaveReason.values()));
    }

    @Test
    void mediaEvents() {
        pins(new UserToggleAudio("s1", false), "user-toggle-audio", "{\"socketId\":\"s1\",\"enabled\":false}");
        pins(new UserToggleVideo("s1", true), "user-toggle-video", "{\"socketId\":\"s1\",\"enabled\":true}");
        pins(new ScreenShareStarted("s1"), "screen-share-started", "{\"socketId\":\"s1\"}");
        pins(new ScreenShareStopped("s1"), "screen-share-stopped", "{\"socketId\":\"s1\"}");
        pins(new HandRaised("s1", "Gil"), "user-hand-raised", "{\"socketId\":\"s1\",\"displayName\":\"Gil\"}");
        pins(new HandLowered("s1"), "user-hand-lowered", "{\"socketId\":\"s1\"}");
    }

    @Test
    void chatIsTheMessageItselfAndTypingSaysIsTyping() {
        pins(new ChatPosted(MESSAGE), "chat-message", MESSAGE_JSON);
        pins(
                new UserTyping("s1", "Gil", true),
                "user-typing",
                "{\"socketId\":\"s1\",\"displayName\":\"Gil\",\"isTyping\":true}");
    }

    @Test
    void relayedSignalsKeepTheBodyAsSent() throws Exception {
        JsonNode sdp = Json.MAPPER.readTree("{\"type\":\"offer\",\"sdp\":\"v=0\"}");
        JsonNode candidate = Json.MAPPER.readTree("{\"candidate\":\"c\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0}");
        pins(
                new Offer("s1", "u1", "Gil", sdp),
                "offer",
                "{\"senderId\":\"s1\",\"userId\":\"u1\",\"displayName\":\"Gil\",\"sdp\":{\"type\":\"offer\",\"sdp\":\"v=0\"}}");
        pins(
                new Offer("s1", null, "Gil", sdp),
                "offer",
                "{\"senderId\":\"s1\",\"displayName\":\"Gil\",\"sdp\":{\"type\":\"offer\",\"sdp\":\"v=0\"}}");
        pins(new Answer("s2", sdp), "answer", "{\"senderId\":\"s2\",\"sdp\":{\"type\":\"offer\",\"sdp\":\"v=0\"}}");
        pins(
                new IceCandidate("s2", candidate),
                "ice-candidate",
                "{\"senderId\":\"s2\",\"candidate\":{\"candidate\":\"c\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0}}");
    }

    @Test
    void waitingRoomEvents() {
        pins(new WaitingForHost("r1"), "waiting-for-host", "{\"roomId\":\"r1\"}");
        pins(
                new ParticipantWaiting(ParticipantInfo.of(GUEST, ROOM)),
                "participant-waiting",
                "{\"participant\":" + GUEST_INFO + "}");
        pins(new ParticipantWaitingCancelled("s-guest"), "participant-waiting-cancelled", "{\"socketId\":\"s-guest\"}");
    }

    @Test
    void hostAndSystemEvents() {
        pins(new RoomLocked(true), "room-locked", "{\"locked\":true}");
        pins(
                new RoomSettingsUpdated(RoomSettings.DEFAULTS),
                "room-settings-updated",
                "{\"settings\":" + SETTINGS + "}");
        pins(new ForceMute(), "force-mute", "{}");
        pins(new ForceDisconnect(DisconnectReason.REMOVED), "force-disconnect", "{\"reason\":\"Removed by host\"}");
        assertEquals(
                "[\"Joined from another connection\",\"Removed by host\",\"Meeting ended by host\","
                        + "\"Rate limit exceeded\"]",
                Json.write(DisconnectReason.values()));
        pins(
                new ErrorEvent(ErrorCode.NOT_IN_ROOM, "You are not in this room"),
                "error",
                "{\"code\":\"NOT_IN_ROOM\",\"message\":\"You are not in this room\"}");
    }
}
