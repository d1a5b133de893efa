package io.meetsignal.node.protocol;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;

/** The payloads of client-to-server events, each parsed and validated from JSON. */
public final class Requests {

    private Requests() {}

    /** {@code join-room}: the code is checked by the room service ({@code Invalid room code} is a join failure). */
    public record JoinRoom(String roomCode, String displayName) {
        public JoinRoom {
            requireNonNull(roomCode, "roomCode");
        }

        public static JoinRoom from(JsonNode payload) {
            Fields f = Fields.of(payload);
            String name = f.optionalString("displayName");
            return new JoinRoom(f.string("roomCode"), name == null ? null : DisplayNames.clean(name));
        }
    }

    /** Any event that names only the sender's room. */
    public record RoomRef(String roomId) {
        public RoomRef {
            requireNonNull(roomId, "roomId");
        }

        public static RoomRef from(JsonNode payload) {
            return new RoomRef(Fields.of(payload).string("roomId"));
        }
    }

    /** {@code offer}, {@code answer} ({@code sdp}) and {@code ice-candidate} ({@code candidate}). */
    public record Signal(String targetId, JsonNode body) {
        public Signal {
            requireNonNull(targetId, "targetId");
            requireNonNull(body, "body");
        }

        public static Signal from(JsonNode payload, String bodyField) {
            Fields f = Fields.of(payload);
            return new Signal(f.string("targetId"), f.object(bodyField));
        }
    }

    /** {@code toggle-audio}, {@code toggle-video} ({@code enabled}), {@code toggle-hand-raise} ({@code raised}), {@code lock-room} ({@code locked}). */
    public record Flag(String roomId, boolean value) {
        public Flag {
            requireNonNull(roomId, "roomId");
        }

        public static Flag from(JsonNode payload, String field) {
            Fields f = Fields.of(payload);
            return new Flag(f.string("roomId"), f.bool(field));
        }
    }

    /** {@code chat-message}: content trimmed, 1–2000 characters. */
    public record Chat(String roomId, String content) {
        public static final int MAX_LENGTH = 2000;

        public Chat {
            requireNonNull(roomId, "roomId");
            if (content.isEmpty() || content.length() > MAX_LENGTH) {
                throw Refusals.invalid(
                        "content: " + content.length() + " characters (expected: 1-" + MAX_LENGTH + " after trimming)");
            }
        }

        public static Chat from(JsonNode payload) {
            Fields f = Fields.of(payload);
            return new Chat(f.string("roomId"), f.string("content").strip());
        }
    }

    /** Host controls that name a participant ({@code participantId}, or {@code targetId}). */
    public record HostTarget(String roomId, String participantId) {
        public HostTarget {
            requireNonNull(roomId, "roomId");
            requireNonNull(participantId, "participantId");
        }

        public static HostTarget from(JsonNode payload) {
            Fields f = Fields.of(payload);
            return new HostTarget(f.string("roomId"), f.firstString("participantId", "targetId"));
        }
    }
}
