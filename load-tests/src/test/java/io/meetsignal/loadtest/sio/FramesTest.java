package io.meetsignal.loadtest.sio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Map;
import org.junit.jupiter.api.Test;

class FramesTest {

    @Test
    void encodesEventsWithAndWithoutAckId() {
        assertEquals("42[\"leave-room\",{\"roomId\":\"r1\"}]", Frames.event("leave-room", Map.of("roomId", "r1")));
        assertEquals(
                "4217[\"leave-room\",{\"roomId\":\"r1\"}]", Frames.event(17, "leave-room", Map.of("roomId", "r1")));
        assertEquals("40{\"displayName\":\"Bob\"}", Frames.connect(Map.of("displayName", "Bob")));
    }

    @Test
    void readsTheEventNameWithoutParsingThePayload() {
        assertEquals("user-joined", Frames.eventName("42[\"user-joined\",{\"participant\":{}}]"));
        assertEquals("offer", Frames.eventName("425[\"offer\",{}]"));
        assertNull(Frames.eventName("42{}"));
    }

    @Test
    void findsTopLevelStringFieldsQuickly() {
        String frame =
                "42[\"answer\",{\"senderId\":\"abc123\",\"sdp\":{\"type\":\"answer\",\"sdp\":\"v=0 \\\"x\\\"\"}}]";
        assertEquals("abc123", Frames.quickString(frame, "senderId"));
        assertNull(Frames.quickString(frame, "userId"));
    }
}
