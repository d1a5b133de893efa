package io.meetsignal.node.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.meetsignal.cluster.RoomSettings;
import io.meetsignal.cluster.SettingsPatch;
import io.meetsignal.node.protocol.ErrorCode;
import io.meetsignal.node.protocol.ProtocolException;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RestBodiesTest {

    private static JsonNode body(String json) {
        FullHttpRequest request = new DefaultFullHttpRequest(
                HttpVersion.HTTP_1_1,
                HttpMethod.POST,
                "/api/rooms",
                Unpooled.copiedBuffer(json, StandardCharsets.UTF_8));
        try {
            return RestBodies.object(request);
        } finally {
            request.release();
        }
    }

    private static String refusal(Runnable parse) {
        ProtocolException e = assertThrows(ProtocolException.class, parse::run);
        assertEquals(ErrorCode.INVALID_PAYLOAD, e.code());
        return e.getMessage();
    }

    @Test
    void anEmptyBodyIsAnEmptyObjectAndAnythingButAnObjectIsRefused() {
        assertTrue(body("").isEmpty());
        assertEquals("Body is not valid JSON", refusal(() -> body("{\"name\":")));
        assertEquals("Body must be a JSON object", refusal(() -> body("[1,2]")));
        assertEquals("Body must be a JSON object", refusal(() -> body("\"room\"")));
    }

    @Test
    void aNameIsStrippedAndMustHoldOneToAHundredCharacters() {
        assertNull(RestBodies.roomName(body("{}")));
        assertNull(RestBodies.roomName(body("{\"name\":null}")));
        assertEquals("Standup", RestBodies.roomName(body("{\"name\":\"  Standup \"}")));
        assertEquals("x".repeat(100), RestBodies.roomName(body("{\"name\":\"" + "x".repeat(100) + "\"}")));
        for (String bad : new String[] {"\"   \"", "\"" + "x".repeat(101) + "\"", "42", "{}"}) {
            assertEquals(
                    "name: expected 1-100 characters",
                    refusal(() -> RestBodies.roomName(body("{\"name\":" + bad + "}"))));
        }
    }

    @Test
    void aPatchNamesOnlyWhatTheBodyHolds() {
        SettingsPatch patch = RestBodies.settingsPatch(body("{\"allowChat\":false,\"maxParticipants\":12}"));
        assertEquals(new SettingsPatch(null, false, null, null, null, 12), patch);
        assertEquals(SettingsPatch.NONE, RestBodies.settingsPatch(body("{\"waitingRoom\":null}")));
    }

    @Test
    void numbersOutOfRangeInAnyEncodingAndNonBooleansAreRefused() {
        for (String bad : new String[] {"1", "501", "12.5", "\"12\"", "18446744073709551626", "1e2"}) {
            String message = refusal(() -> RestBodies.settingsPatch(body("{\"maxParticipants\":" + bad + "}")));
            assertTrue(message.startsWith("maxParticipants:"), bad + ": " + message);
        }
        assertEquals(
                "waitingRoom: expected a boolean",
                refusal(() -> RestBodies.settingsPatch(body("{\"waitingRoom\":\"yes\"}"))));
        assertEquals(
                "allowChat: expected a boolean", refusal(() -> RestBodies.settingsPatch(body("{\"allowChat\":1}"))));
    }

    @Test
    void aPatchTheCurrentSettingsCannotTakeIsRefused() {
        RestBodies.validate(RoomSettings.DEFAULTS, new SettingsPatch(null, null, null, null, true, 2));
        String message = refusal(
                () -> RestBodies.validate(RoomSettings.DEFAULTS, new SettingsPatch(null, null, null, null, null, 1)));
        assertTrue(message.startsWith("maxParticipants"), message);
    }

    @Test
    void onlyCanonicalUuidsAreRoomIds() {
        assertTrue(RestBodies.isUuid("3f2b8c1e-0c5d-4a8e-9a41-6d2f0b7e5c19"));
        assertFalse(RestBodies.isUuid("3f2b8c1e-c5d-4a8e-9a41-6d2f0b7e5c19"));
        assertFalse(RestBodies.isUuid("not-a-uuid"));
        assertFalse(RestBodies.isUuid("1-1-1-1-1"));
    }
}
