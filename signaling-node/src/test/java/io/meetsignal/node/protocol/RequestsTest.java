package io.meetsignal.node.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

class RequestsTest {

    private static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static ErrorCode code(Runnable action) {
        return assertThrows(ProtocolException.class, action::run).code();
    }

    @Test
    void wrongTypesAndMissingFieldsAreInvalidPayload() {
        JsonNode notObject = json("\"room\"");
        JsonNode missing = json("{}");
        JsonNode wrongType = json("{\"roomId\":1,\"enabled\":\"yes\",\"targetId\":5,\"sdp\":\"x\"}");
        assertEquals(ErrorCode.INVALID_PAYLOAD, code(() -> Requests.RoomRef.from(notObject)));
        assertEquals(ErrorCode.INVALID_PAYLOAD, code(() -> Requests.RoomRef.from(null)));
        assertEquals(ErrorCode.INVALID_PAYLOAD, code(() -> Requests.JoinRoom.from(missing)));
        assertEquals(ErrorCode.INVALID_PAYLOAD, code(() -> Requests.Flag.from(wrongType, "enabled")));
        assertEquals(ErrorCode.INVALID_PAYLOAD, code(() -> Requests.Signal.from(wrongType, "sdp")));
        assertEquals(
                ErrorCode.INVALID_PAYLOAD,
                code(() -> Requests.Signal.from(json("{\"targetId\":\"t\",\"sdp\":\"x\"}"), "sdp")));
    }

    @Test
    void chatContentIsTrimmedAndBounded() {
        assertEquals(
                "hi",
                Requests.Chat.from(json("{\"roomId\":\"r\",\"content\":\"  hi \\n\"}"))
                        .content());
        assertEquals(
                ErrorCode.INVALID_PAYLOAD,
                code(() -> Requests.Chat.from(json("{\"roomId\":\"r\",\"content\":\"   \"}"))));
        String long2001 = "x".repeat(2001);
        assertEquals(ErrorCode.INVALID_PAYLOAD, code(() -> new Requests.Chat("r", long2001)));
        assertEquals(2000, new Requests.Chat("r", "x".repeat(2000)).content().length());
    }

    @Test
    void hostTargetAcceptsParticipantIdOrTargetId() {
        assertEquals(
                "p",
                Requests.HostTarget.from(json("{\"roomId\":\"r\",\"participantId\":\"p\"}"))
                        .participantId());
        assertEquals(
                "t",
                Requests.HostTarget.from(json("{\"roomId\":\"r\",\"targetId\":\"t\"}"))
                        .participantId());
    }

    @Test
    void joinDisplayNameFollowsTheHandshakeRules() {
        assertEquals(
                "Zed",
                Requests.JoinRoom.from(json("{\"roomCode\":\"abc\",\"displayName\":\" Zed\\u0000 \"}"))
                        .displayName());
        assertEquals(
                ErrorCode.DISPLAY_NAME_REQUIRED,
                code(() -> Requests.JoinRoom.from(json("{\"roomCode\":\"abc\",\"displayName\":\"  \"}"))));
        assertEquals(
                "Zed",
                Requests.JoinRoom.from(json("{\"roomCode\":\"abc\",\"displayName\":\"\\u202eZ\\u200bed\"}"))
                        .displayName());
        assertEquals(
                ErrorCode.DISPLAY_NAME_REQUIRED,
                code(() -> Requests.JoinRoom.from(json("{\"roomCode\":\"abc\",\"displayName\":\"\\u200b\\u200d\"}"))));
        assertEquals(
                ErrorCode.INVALID_PAYLOAD,
                code(() -> Requests.JoinRoom.from(json("{\"roomCode\":\"abc\",\"displayName\":[\"x\"]}"))));
    }
}
