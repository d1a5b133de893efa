package io.meetsignal.cluster;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/** One chat line of a room; {@code type} is {@code TEXT} or {@code SYSTEM}. */
public record ChatMessage(
        String id,
        String roomId,
        String senderId,
        String senderName,
        String userId,
        String content,
        String type,
        Instant timestamp) {

    /** How many messages a room keeps. */
    public static final int HISTORY_SIZE = 50;

    public ChatMessage {
        requireNonNull(id, "id");
        requireNonNull(roomId, "roomId");
        requireNonNull(content, "content");
        requireNonNull(type, "type");
        requireNonNull(timestamp, "timestamp");
    }
}
