package io.meetsignal.node.protocol;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import io.meetsignal.cluster.ChatMessage;
import io.meetsignal.cluster.JoinOutcome;
import io.meetsignal.cluster.JoinRefusal;
import io.meetsignal.cluster.Room;
import io.meetsignal.cluster.RoomSettings;
import io.meetsignal.node.protocol.Views.ParticipantInfo;
import java.util.List;

/**
 * Every event the server sends to a client (PROTOCOL.md §5), one record each: the record's components are the
 * payload's fields in wire order ({@code null} ones are left out), {@link #event()} its name.
 */
public sealed interface ServerEvent {

    /** The Socket.IO event name. */
    @JsonIgnore
    String event();

    // ---- room -------------------------------------------------------------------------------------

    /** The sender is seated; the waiting list only for the host. */
    record RoomJoined(String roomId,
                      String roomCode,
                      @JsonProperty("isHost") boolean isHost,
                      List<ParticipantInfo> participants,
                      List<ChatMessage> messages,
                      RoomSettings settings,
                      List<ParticipantInfo> waiting) implements ServerEvent {

        public static RoomJoined of(JoinOutcome.Seated seated) {
            Room room = seated.room();
            boolean host = room.isHost(seated.self().userId());
            return new RoomJoined(room.id(), room.code(), host, ParticipantInfo.of(seated.others(), room),
                    seated.history(), room.settings(), host ? ParticipantInfo.of(seated.waiting(), room) : null);
        }

        @Override
        public String event() {
            return Events.ROOM_JOINED;
        }
    }

    /** A refused join; {@code code} is {@code JOIN_FAILED}. */
    record JoinError(ErrorCode code, String message) implements ServerEvent {
        public JoinError {
            requireNonNull(code, "code");
            requireNonNull(message, "message");
        }

        public static JoinError of(JoinRefusal reason) {
            return new JoinError(ErrorCode.JOIN_FAILED, reason.message());
        }

        @Override
        public String event() {
            return Events.JOIN_ERROR;
        }
    }

    record UserJoined(ParticipantInfo participant) implements ServerEvent {
        @Override
        public String event() {
            return Events.USER_JOINED;
        }
    }

    /** A seat is gone; {@code userId} is absent for a participant without one. */
    record UserLeft(String socketId, String userId, LeaveReason reason) implements ServerEvent {
        public UserLeft {
            requireNonNull(socketId, "socketId");
            requireNonNull(reason, "reason");
        }

        @Override
        public String event() {
            return Events.USER_LEFT;
        }
    }

    // ---- media state ------------------------------------------------------------------------------

    record UserToggleAudio(String socketId, boolean enabled) implements ServerEvent {
        @Override
        public String event() {
            return Events.USER_TOGGLE_AUDIO;
        }
    }

    record UserToggleVideo(String socketId, boolean enabled) implements ServerEvent {
        @Override
        public String event() {
            return Events.USER_TOGGLE_VIDEO;
        }
    }

    record ScreenShareStarted(String socketId) implements ServerEvent {
        @Override
        public String event() {
            return Events.SCREEN_SHARE_STARTED;
        }
    }

    record ScreenShareStopped(String socketId) implements ServerEvent {
        @Override
        public String event() {
            return Events.SCREEN_SHARE_STOPPED;
        }
    }

    record HandRaised(String socketId, String displayName) implements ServerEvent {
        @Override
        public String event() {
            return Events.USER_HAND_RAISED;
        }
    }

    record HandLowered(String socketId) implements ServerEvent {
        @Override
        public String event() {
            return Events.USER_HAND_LOWERED;
        }
    }

    // ---- chat -------------------------------------------------------------------------------------

    /** A chat message for everyone in the room: the payload is the message itself. */
    record ChatPosted(@JsonValue ChatMessage message) implements ServerEvent {
        public ChatPosted {
            requireNonNull(message, "message");
        }

        @Override
        public String event() {
            return Events.CHAT_MESSAGE;
        }
    }

    record UserTyping(String socketId, String displayName, @JsonProperty("isTyping") boolean isTyping)
            implements ServerEvent {
        @Override
        public String event() {
            return Events.USER_TYPING;
        }
    }

    // ---- WebRTC relay -----------------------------------------------------------------------------

    record Offer(String senderId, String userId, String displayName, JsonNode sdp) implements ServerEvent {
        @Override
        public String event() {
            return Events.OFFER;
        }
    }

    record Answer(String senderId, JsonNode sdp) implements ServerEvent {
        @Override
        public String event() {
            return Events.ANSWER;
        }
    }

    record IceCandidate(String senderId, JsonNode candidate) implements ServerEvent {
        @Override
        public String event() {
            return Events.ICE_CANDIDATE;
        }
    }

    // ---- waiting room -----------------------------------------------------------------------------

    record WaitingForHost(String roomId) implements ServerEvent {
        @Override
        public String event() {
            return Events.WAITING_FOR_HOST;
        }
    }

    record ParticipantWaiting(ParticipantInfo participant) implements ServerEvent {
        @Override
        public String event() {
            return Events.PARTICIPANT_WAITING;
        }
    }

    record ParticipantWaitingCancelled(String socketId) implements ServerEvent {
        @Override
        public String event() {
            return Events.PARTICIPANT_WAITING_CANCELLED;
        }
    }

    // ---- host and system --------------------------------------------------------------------------

    record RoomLocked(boolean locked) implements ServerEvent {
        @Override
        public String event() {
            return Events.ROOM_LOCKED;
        }
    }

    record RoomSettingsUpdated(RoomSettings settings) implements ServerEvent {
        @Override
        public String event() {
            return Events.ROOM_SETTINGS_UPDATED;
        }
    }

    /** The host muted this client: {@code {}}. */
    record ForceMute() implements ServerEvent {
        @Override
        public String event() {
            return Events.FORCE_MUTE;
        }
    }

    /** The server is about to disconnect this socket on purpose. */
    record ForceDisconnect(DisconnectReason reason) implements ServerEvent {
        public ForceDisconnect {
            requireNonNull(reason, "reason");
        }

        @Override
        public String event() {
            return Events.FORCE_DISCONNECT;
        }
    }

    /** A refused action, for a client that gave no acknowledgement callback. */
    record ErrorEvent(ErrorCode code, String message) implements ServerEvent {
        public ErrorEvent {
            requireNonNull(code, "code");
            requireNonNull(message, "message");
        }

        @Override
        public String event() {
            return Events.ERROR;
        }
    }
}
