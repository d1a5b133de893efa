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
    void roomEventsCarryAHeaderWithTheirTypeThenThePayloadUntouched() throws JsonProcessingException {
        Participant joined = new Participant(
                "s1", null, "Ann", "n1", false, true, false, false, Instant.parse("2024-01-02T03:04:05Z"));
        String payload = "{\"sdp\":{\"type\":\"offer\",\"sdp\":\"v=0\\r\\no=- 1 2 IN IP4 127.0.0.1\\r\\n\"}}";
        ClusterMessage event = new ClusterMessage.RoomEvent(
                "r1", "s1", "user-joined", payload, new ClusterMessage.RosterChange(joined, null));

        String text = codec.encode(event);

        assertTrue(text.startsWith("R{\"type\":\"room\""), text);
        assertTrue(text.contains("\"joinedAt\":\"2024-01-02T03:04:05Z\""), text);
        assertTrue(text.endsWith("}\n" + payload), text);
        assertEquals(event, codec.decode(text));
    }

    @Test
    void seatAndSocketEventsWithAPayloadRoundTripWithPayloadsThatHoldLineFeedsAndHeaderLookalikes()
            throws JsonProcessingException {
        String payload = "{\"a\":\"x\"}\nR{\"type\":\"room\"}\n";
        ClusterMessage seat = new ClusterMessage.SeatEvent(
                        "r1", "s2", "offer", payload, ClusterMessage.SocketAction.NONE)
                .withOffset("1-0");
        ClusterMessage socket = new ClusterMessage.SocketEvent(
                "n1", "s1", "r1", "force-disconnect", payload, ClusterMessage.SocketAction.UNSEAT_AND_DISCONNECT);

        assertEquals(seat, codec.decode(codec.encode(seat)));
        assertEquals(socket, codec.decode(codec.encode(socket)));
    }

    @Test
    void messagesOfTheEarlierFormatWithThePayloadAsAJsonStringAreRead() throws JsonProcessingException {
        String room = "{\"type\":\"room\",\"roomId\":\"r1\",\"exceptSocketId\":\"s1\",\"event\":\"offer\","
                + "\"payload\":\"{\\\"sdp\\\":\\\"v=0\\\\r\\\\n\\\"}\"}";
        String seat = "{\"type\":\"seat\",\"roomId\":\"r1\",\"socketId\":\"s2\",\"event\":\"answer\","
                + "\"payload\":\"{}\",\"action\":\"NONE\"}";

        assertEquals(
                new ClusterMessage.RoomEvent("r1", "s1", "offer", "{\"sdp\":\"v=0\\r\\n\"}", null), codec.decode(room));
        assertEquals(
                new ClusterMessage.SeatEvent("r1", "s2", "answer", "{}", ClusterMessage.SocketAction.NONE),
                codec.decode(seat));
    }

    @Test
    void theEarlierFormatIsWrittenWhenAskedForSoThatOlderNodesReadIt() throws Exception {
        ClusterMessageCodec forOlderNodes = new ClusterMessageCodec(RedisConfig.BUS_FORMAT_JSON);
        String payload = "{\"sdp\":\"v=0\\r\\n\"}";
        ClusterMessage event = new ClusterMessage.RoomEvent("r1", "s1", "offer", payload, null);

        String text = forOlderNodes.encode(event);

        // what an earlier node reads: one JSON object, the payload a JSON string in it
        assertTrue(text.startsWith("{\"type\":\"room\""), text);
        var tree = new com.fasterxml.jackson.databind.ObjectMapper().readTree(text);
        assertTrue(tree.get("payload").isTextual(), text);
        assertEquals(payload, tree.get("payload").asText());
        assertEquals(event, codec.decode(text));
        assertThrows(
                IllegalArgumentException.class,
                () -> RedisConfig.of("redis://x").withBusFormat(3));
    }

    @Test
    void socketEventsRoundTrip() throws JsonProcessingException {
        ClusterMessage event =
                new ClusterMessage.SocketEvent("n1", "s1", "r1", null, null, ClusterMessage.SocketAction.UNSEAT);

        String json = codec.encode(event);

        assertTrue(json.startsWith("{\"type\":\"socket\""), json);
        assertEquals(event, codec.decode(json));
    }

    @Test
    void unknownFieldsAreIgnored() throws JsonProcessingException {
        String json = "{\"type\":\"socket\",\"nodeId\":\"n1\",\"socketId\":\"s1\",\"roomId\":\"r1\","
                + "\"action\":\"NONE\",\"addedLater\":{\"x\":[1]}}";

        assertEquals(
                new ClusterMessage.SocketEvent("n1", "s1", "r1", null, null, ClusterMessage.SocketAction.NONE),
                codec.decode(json));
    }

    @Test
    void unreadableTextFails() {
        assertThrows(JsonProcessingException.class, () -> codec.decode("not json"));
        assertThrows(JsonProcessingException.class, () -> codec.decode("{\"type\":\"other\"}"));
        assertThrows(JsonProcessingException.class, () -> codec.decode("{\"type\":\"room\",\"roomId\":\"r\"}"));
        assertThrows(JsonProcessingException.class, () -> codec.decode("{\"roomId\":\"r\"}"));
        assertThrows(JsonProcessingException.class, () -> codec.decode("R{\"type\":\"seat\",\"roomId\":\"r\"}"));
        assertThrows(JsonProcessingException.class, () -> codec.decode("R{\"type\":\"room\"}\n{}"));
        assertThrows(JsonProcessingException.class, () -> codec.decode(""));
    }
}
