package io.meetsignal.cluster.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.meetsignal.cluster.ClusterMessage;
import io.meetsignal.cluster.Participant;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ClusterMessageCodecTest {

    private final ClusterMessageCodec codec = new ClusterMessageCodec();

    @Test
    void roomEventsCarryTheirTypeAndPayloadAsAString() throws JsonProcessingException {
        Participant joined = new Participant("s1", null, "Ann", "n1", false, true, false, false,
                Instant.parse("2024-01-02T03:04:05Z"));
        ClusterMessage event = new ClusterMessage.RoomEvent("r1", "s1", "user-joined", "{\"a\":1}",
                new ClusterMessage.RosterChange(joined, null));

        String json = codec.encode(event);

        assertTrue(json.startsWith("{\"type\":\"room\""), json);
        assertTrue(json.contains("\"payload\":\"{\\\"a\\\":1}\""), json);
        assertTrue(json.contains("\"joinedAt\":\"2024-01-02T03:04:05Z\""), json);
        assertEquals(event, codec.decode(json));
    }

    @Test
    void socketEventsRoundTrip() throws JsonProcessingException {
        ClusterMessage event = new ClusterMessage.SocketEvent("n1", "s1", "r1", null, null,
                ClusterMessage.SocketAction.UNSEAT);

        String json = codec.encode(event);

        assertTrue(json.startsWith("{\"type\":\"socket\""), json);
        assertEquals(event, codec.decode(json));
    }

    @Test
    void unknownFieldsAreIgnored() throws JsonProcessingException {
        String json = "{\"type\":\"socket\",\"nodeId\":\"n1\",\"socketId\":\"s1\",\"roomId\":\"r1\","
                + "\"action\":\"NONE\",\"addedLater\":{\"x\":[1]}}";

        assertEquals(new ClusterMessage.SocketEvent("n1", "s1", "r1", null, null, ClusterMessage.SocketAction.NONE),
                codec.decode(json));
    }

    @Test
    void unreadableTextFails() {
        assertThrows(JsonProcessingException.class, () -> codec.decode("not json"));
        assertThrows(JsonProcessingException.class, () -> codec.decode("{\"type\":\"other\"}"));
        assertThrows(JsonProcessingException.class, () -> codec.decode("{\"type\":\"room\",\"roomId\":\"r\"}"));
        assertThrows(JsonProcessingException.class, () -> codec.decode("{\"roomId\":\"r\"}"));
    }
}
