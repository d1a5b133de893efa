package io.meetsignal.cluster;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * A seat (or a place in the waiting queue) held by one socket. Media state lives here so that every node
 * sees the same. Host status is not stored: it follows the user ({@link Room#isHost}).
 */
public record Participant(
        String socketId,
        String userId,
        String displayName,
        String nodeId,
        boolean muted,
        boolean videoOff,
        boolean screenSharing,
        boolean handRaised,
        Instant joinedAt) {

    public Participant {
        requireNonNull(socketId, "socketId");
        requireNonNull(displayName, "displayName");
        requireNonNull(nodeId, "nodeId");
        requireNonNull(joinedAt, "joinedAt");
    }

    /** The key under which a removal ban is kept: the user for an authenticated user, else the socket. */
    public String banKey() {
        return userId != null ? "user:" + userId : "socket:" + socketId;
    }

    public Participant with(MediaChange change, boolean value) {
        return switch (change) {
            case AUDIO ->
                new Participant(
                        socketId, userId, displayName, nodeId, !value, videoOff, screenSharing, handRaised, joinedAt);
            case VIDEO ->
                new Participant(
                        socketId, userId, displayName, nodeId, muted, !value, screenSharing, handRaised, joinedAt);
            case SCREEN_SHARE ->
                new Participant(socketId, userId, displayName, nodeId, muted, videoOff, value, handRaised, joinedAt);
            case HAND ->
                new Participant(socketId, userId, displayName, nodeId, muted, videoOff, screenSharing, value, joinedAt);
        };
    }

    /** The same seat, held by a socket on node {@code newNodeId} (after a recovery moved it). */
    public Participant onNode(String newNodeId) {
        return new Participant(
                socketId, userId, displayName, newNodeId, muted, videoOff, screenSharing, handRaised, joinedAt);
    }

    public Participant seatedAt(Instant when) {
        return new Participant(socketId, userId, displayName, nodeId, muted, videoOff, screenSharing, handRaised, when);
    }
}
