package io.meetsignal.node.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.meetsignal.cluster.ChatMessage;
import io.meetsignal.cluster.RoomSettings;
import io.meetsignal.node.protocol.ErrorCode;
import io.meetsignal.node.protocol.Json;
import io.meetsignal.node.protocol.ServerEvent.RoomJoined;
import io.meetsignal.node.service.Outcome;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Acknowledgement bodies exactly as the wire has them (PROTOCOL.md §5). */
class RepliesTest {

    record Seat(String socketId) {}

    record Body(String roomId, List<Seat> participants) {}

    @Test
    void successComesFirstThenTheFieldsOfTheBody() {
        String body = Json.write(new Body("r1", List.of(new Seat("s1"))));

        assertEquals(
                "{\"success\":true,\"roomId\":\"r1\",\"participants\":[{\"socketId\":\"s1\"}]}", Replies.okWith(body));
    }

    @Test
    void anEmptyBodyLeavesSuccessAlone() {
        assertEquals("{\"success\":true}", Replies.okWith("{}"));
        assertEquals("{\"success\":true}", Replies.okWith("{ }"));
    }

    @Test
    void aBodyThatIsNotAnObjectIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Replies.okWith("[1]"));
        assertThrows(IllegalArgumentException.class, () -> Replies.okWith(""));
    }

    @Test
    void aSeatIsAcknowledgedWithTheRoomJoinedBodyAsTheEventCarriesIt() {
        RoomJoined joined =
                new RoomJoined("r1", "abc-defg-hij", false, List.of(), List.of(), RoomSettings.DEFAULTS, null);
        Outcome.Seated seated = Outcome.Seated.of(joined);

        assertEquals(Json.write(joined), seated.json());
        assertEquals(
                "{\"success\":true,\"roomId\":\"r1\",\"roomCode\":\"abc-defg-hij\",\"isHost\":false,"
                        + "\"participants\":[],\"messages\":[],\"settings\":" + Json.write(RoomSettings.DEFAULTS) + "}",
                Replies.ack(seated));
    }

    @Test
    void everyOtherOutcomeHasItsFixedShape() {
        assertEquals("{\"success\":true}", Replies.ack(Outcome.DONE));
        assertEquals("{\"success\":true}", Replies.ack(new Outcome.DoneThen(() -> {})));
        assertEquals("{\"success\":true,\"waiting\":true}", Replies.ack(new Outcome.Queued("r1")));
        ChatMessage message =
                new ChatMessage("m1", "r1", "s1", "Gil", null, "hi", "TEXT", Instant.parse("2026-01-02T03:04:05Z"));
        assertEquals(
                "{\"success\":true,\"message\":{\"id\":\"m1\",\"roomId\":\"r1\",\"senderId\":\"s1\","
                        + "\"senderName\":\"Gil\",\"content\":\"hi\",\"type\":\"TEXT\",\"timestamp\":\"2026-01-02T03:04:05Z\"}}",
                Replies.ack(new Outcome.Posted(message)));
    }

    @Test
    void aRefusalNamesTheMessageAndTheCode() {
        assertEquals(
                "{\"success\":false,\"error\":\"Room is full\",\"code\":\"NOT_ALLOWED\"}",
                Replies.refusedAck(new Replies.Refusal(ErrorCode.NOT_ALLOWED, "Room is full")));
    }
}
