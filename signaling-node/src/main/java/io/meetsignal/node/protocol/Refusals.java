package io.meetsignal.node.protocol;

import io.meetsignal.cluster.JoinRefusal;

/**
 * The protocol's refusals, each built in one place so that every service (and the REST side) words the same
 * refusal the same way: PROTOCOL.md fixes the codes and the messages.
 */
public final class Refusals {

    private Refusals() {
    }

    /** A refused join; the edge answers it with {@code join-error}. */
    public static ProtocolException joinFailed(JoinRefusal reason) {
        return ProtocolException.of(ErrorCode.JOIN_FAILED, reason.message());
    }

    public static ProtocolException notInRoom() {
        return ProtocolException.of(ErrorCode.NOT_IN_ROOM, "You are not in this room");
    }

    public static ProtocolException targetNotFound() {
        return ProtocolException.of(ErrorCode.TARGET_NOT_FOUND, "No such participant in this room");
    }

    /** The caller is not the room's host (Socket.IO host controls). */
    public static ProtocolException notHost() {
        return ProtocolException.of(ErrorCode.FORBIDDEN, "Only the host can do this");
    }

    /** No room by that id or code (REST). */
    public static ProtocolException roomNotFound() {
        return ProtocolException.of(ErrorCode.ROOM_NOT_FOUND, "Room not found");
    }

    /** The room ended while the request was served (REST). */
    public static ProtocolException roomEnded() {
        return ProtocolException.of(ErrorCode.ROOM_NOT_FOUND, "Room is no longer active");
    }
}
