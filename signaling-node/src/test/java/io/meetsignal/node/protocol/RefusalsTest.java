package io.meetsignal.node.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.meetsignal.cluster.JoinRefusal;
import org.junit.jupiter.api.Test;

/** The codes and the words of the refusals that PROTOCOL.md fixes (§5–§7). */
class RefusalsTest {

    private static void says(ProtocolException refusal, ErrorCode code, String message) {
        assertEquals(code, refusal.code());
        assertEquals(message, refusal.getMessage());
    }

    @Test
    void roomRefusals() {
        says(Refusals.joinFailed(JoinRefusal.LOCKED), ErrorCode.JOIN_FAILED, "Room is locked");
        says(Refusals.notInRoom(), ErrorCode.NOT_IN_ROOM, "You are not in this room");
        says(Refusals.targetNotFound(), ErrorCode.TARGET_NOT_FOUND, "No such participant in this room");
        says(Refusals.notHost(), ErrorCode.FORBIDDEN, "Only the host can do this");
        says(Refusals.admittedIntoFullRoom(), ErrorCode.NOT_ALLOWED, "Room is full");
        says(Refusals.mediaNotAllowed(), ErrorCode.NOT_ALLOWED, "The room's settings do not allow this");
        says(Refusals.chatOff(), ErrorCode.NOT_ALLOWED, "Chat is turned off in this room");
    }

    @Test
    void payloadAndHandshakeRefusals() {
        says(Refusals.invalid("roomId: required"), ErrorCode.INVALID_PAYLOAD, "roomId: required");
        says(Refusals.unknownEvent("nope"), ErrorCode.INVALID_PAYLOAD, "Unknown event: nope");
        says(Refusals.displayNameRequired(), ErrorCode.DISPLAY_NAME_REQUIRED, "displayName: required");
        says(Refusals.authFailed("Invalid token"), ErrorCode.AUTH_FAILED, "Invalid token");
        says(Refusals.guestsNotAllowed(), ErrorCode.GUESTS_NOT_ALLOWED, "Guests are not allowed on this server");
    }
}
