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
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.List;

/**
 * Every event the server sends to a client (PROTOCOL.md §5), one record each: the record's components are the
 * payload's fields in wire order ({@code null} ones are left out), its {@link Name} the event's name.
 */
public sealed interface ServerEvent {

    /** The Socket.IO event name of a {@code ServerEvent} record. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.TYPE)
    @interface Name {
        String value();
    }

    /** The Socket.IO event name. */
    @JsonIgnore
    default String event() {
        return Names.BY_TYPE.get(getClass());
    }

    /** The names, read once per record type. */
    final class Names {
        private static final ClassValue<String> BY_TYPE = new ClassValue<>() {
            @Override
            protected String computeValue(Class<?> type) {
                Name name = type.getAnnotation(Name.class);
                if (name == null) {
                    throw new IllegalStateException(type.getName() + " has no @ServerEvent.Name");
                }
                return name.value();
            }
        };

        private Names() {}
    }

    // ---- room -------------------------------------------------------------------------------------

    /** The sender is seated; the waiting list only for the host. */
    @Name(Events.ROOM_JOINED)
    record RoomJoined(
            String roomId,
            String roomCode,
            @JsonProperty("isHost") boolean isHost,
            List<ParticipantInfo> participants,
            List<ChatMessage> messages,
            RoomSettings settings,
            List<ParticipantInfo> waiting)
            implements ServerEvent {
        public static RoomJoined of(JoinOutcome.Seated seated) {
            Room room = seated.room();
            boolean host = room.isHost(seated.self().userId());
            return new RoomJoined(
                    room.id(),
                    room.code(),
                    host,
                    ParticipantInfo.of(seated.others(), room),
                    seated.history(),
                    room.settings(),
                    host ? ParticipantInfo.of(seated.waiting(), room) : null);
        }
    }

    /** A refused join; {@code code} is {@code JOIN_FAILED}. */
    @Name(Events.JOIN_ERROR)
    record JoinError(ErrorCode code, String message) implements ServerEvent {
        public JoinError {
            requireNonNull(code, "code");
            requireNonNull(message, "message");
        }

        public static JoinError of(JoinRefusal reason) {
            return new JoinError(ErrorCode.JOIN_FAILED, reason.message());
        }
    }

    @Name(Events.USER_JOINED)
    record UserJoined(ParticipantInfo participant) implements ServerEvent {}

    /** A seat is gone; {@code userId} is absent for a participant without one. */
    @Name(Events.USER_LEFT)
    record UserLeft(String socketId, String userId, LeaveReason reason) implements ServerEvent {
        public UserLeft {
            requireNonNull(socketId, "socketId");
            requireNonNull(reason, "reason");
        }
    }

    // ---- media state ------------------------------------------------------------------------------

    @Name(Events.USER_TOGGLE_AUDIO)
    record UserToggleAudio(String socketId, boolean enabled) implements ServerEvent {}

    @Name(Events.USER_TOGGLE_VIDEO)
    record UserToggleVideo(String socketId, boolean enabled) implements ServerEvent {}

    @Name(Events.SCREEN_SHARE_STARTED)
    record ScreenShareStarted(String socketId) implements ServerEvent {}

    @Name(Events.SCREEN_SHARE_STOPPED)
    record ScreenShareStopped(String socketId) implements ServerEvent {}

    @Name(Events.USER_HAND_RAISED)
    record HandRaised(String socketId, String displayName) implements ServerEvent {}

    @Name(Events.USER_HAND_LOWERED)
    record HandLowered(String socketId) implements ServerEvent {}

    // ---- chat -------------------------------------------------------------------------------------

    /** A chat message for everyone in the room: the payload is the message itself. */
    @Name(Events.CHAT_MESSAGE)
    record ChatPosted(@JsonValue ChatMessage message) implements ServerEvent {
        public ChatPosted {
            requireNonNull(message, "message");
        }
    }

    @Name(Events.USER_TYPING)
    record UserTyping(
            String socketId,
            String displayName,
            @JsonProperty("isTyping") boolean isTyping) implements ServerEvent {}

    // ---- WebRTC relay -----------------------------------------------------------------------------

    @Name(Events.OFFER)
    record Offer(String senderId, String userId, String displayName, JsonNode sdp) implements ServerEvent {}

    @Name(Events.ANSWER)
    record Answer(String senderId, JsonNode sdp) implements ServerEvent {}

    @Name(Events.ICE_CANDIDATE)
    record IceCandidate(String senderId, JsonNode candidate) implements ServerEvent {}

    // ---- waiting room -----------------------------------------------------------------------------

    @Name(Events.WAITING_FOR_HOST)
    record WaitingForHost(String roomId) implements ServerEvent {}

    @Name(Events.PARTICIPANT_WAITING)
    record ParticipantWaiting(ParticipantInfo participant) implements ServerEvent {}

    @Name(Events.PARTICIPANT_WAITING_CANCELLED)
    record ParticipantWaitingCancelled(String socketId) implements ServerEvent {}

    // ---- host and system --------------------------------------------------------------------------

    @Name(Events.ROOM_LOCKED)
    record RoomLocked(boolean locked) implements ServerEvent {}

    @Name(Events.ROOM_SETTINGS_UPDATED)
    record RoomSettingsUpdated(RoomSettings settings) implements ServerEvent {}

    /** The host muted this client: {@code {}}. */
    @Name(Events.FORCE_MUTE)
    record ForceMute() implements ServerEvent {}

    /** The server is about to disconnect this socket on purpose. */
    @Name(Events.FORCE_DISCONNECT)
    record ForceDisconnect(DisconnectReason reason) implements ServerEvent {
        public ForceDisconnect {
            requireNonNull(reason, "reason");
        }
    }

    /** A refused action, for a client that gave no acknowledgement callback. */
    @Name(Events.ERROR)
    record ErrorEvent(ErrorCode code, String message) implements ServerEvent {
        public ErrorEvent {
            requireNonNull(code, "code");
            requireNonNull(message, "message");
        }
    }
}
