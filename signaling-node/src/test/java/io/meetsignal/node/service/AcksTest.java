package io.meetsignal.node.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.meetsignal.node.protocol.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

class AcksTest {

    record Seat(String socketId) {
    }

    record Body(String roomId, List<Seat> participants) {
    }

    @Test
    void successComesFirstThenTheFieldsOfTheBody() {
        String body = Json.write(new Body("r1", List.of(new Seat("s1"))));

        assertEquals("{\"success\":true,\"roomId\":\"r1\",\"participants\":[{\"socketId\":\"s1\"}]}",
                Json.write(Acks.okWith(body)));
        assertEquals(Json.write(Acks.okWith(body)), Json.write(Acks.ok(new Body("r1", List.of(new Seat("s1"))))));
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
