package io.meetsignal.node.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.meetsignal.node.protocol.Json;
import io.meetsignal.node.protocol.Payload;
import java.util.List;
import org.junit.jupiter.api.Test;

class AcksTest {

    @Test
    void successComesFirstThenTheFieldsOfTheBody() {
        String body = Json.write(Payload.of("roomId", "r1", "participants", List.of(Payload.of("socketId", "s1"))));

        assertEquals("{\"success\":true,\"roomId\":\"r1\",\"participants\":[{\"socketId\":\"s1\"}]}",
                Json.write(Acks.okWith(body)));
        assertEquals(Json.write(Acks.okWith(body)), Json.write(Acks.ok(Payload.of("roomId", "r1",
                "participants", List.of(Payload.of("socketId", "s1"))))));
    }

    @Test
    void anEmptyBodyLeavesSuccessAlone() {
        assertEquals("{\"success\":true}", Json.write(Acks.okWith("{}")));
        assertEquals("{\"success\":true}", Json.write(Acks.okWith("{ }")));
        assertEquals(Json.write(Acks.ok()), Json.write(Acks.okWith("{}")));
    }

    @Test
    void aBodyThatIsNotAnObjectIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Acks.okWith("[1]"));
        assertThrows(IllegalArgumentException.class, () -> Acks.okWith(""));
    }
}
