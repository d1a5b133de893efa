package io.meetsignal.node.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meetsignal.cluster.ClusterMessage;
import io.meetsignal.cluster.ClusterMessage.RoomEvent;
import io.meetsignal.cluster.ClusterMessage.SeatEvent;
import io.meetsignal.cluster.ClusterMessage.SocketAction;
import io.meetsignal.node.session.Session;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MissedEventsTest {

    private static RoomEvent roomEvent(String from, String event, String offset) {
        return new RoomEvent("room-1", from, event, "{\"n\":\"" + offset + "\"}", null, offset);
    }

    private static SeatEvent seatEvent(String to, String event, String offset) {
        return new SeatEvent("room-1", to, event, "{}", SocketAction.NONE, offset);
    }

    @Test
    void keepsWhatWasMeantForTheSocketInLogOrder() {
        List<ClusterMessage> log = List.of(
                roomEvent(null, "user-joined", "1-0"),
                roomEvent("me", "chat-message", "2-0"),
                seatEvent("other", "offer", "3-0"),
                roomEvent("other", "media-state-changed", "4-0"),
                seatEvent("me", "answer", "5-0"));
        List<Session.Held> missed = MissedEvents.of("me", log, 10, 1 << 20).orElseThrow();
        assertEquals(
                List.of("user-joined@1-0", "media-state-changed@4-0", "answer@5-0"),
                missed.stream().map(h -> h.event() + "@" + h.offset()).toList());
    }

    @Test
    void nothingMissedIsAnEmptyListNotAGiveUp() {
        assertEquals(
                List.of(),
                MissedEvents.of("me", List.of(seatEvent("other", "offer", "1-0")), 10, 100)
                        .orElseThrow());
    }

    @Test
    void moreEventsThanTheBoundIsAGiveUpButExactlyTheBoundIsNot() {
        List<ClusterMessage> log = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            log.add(roomEvent("other", "chat-message", i + "-0"));
        }
        assertEquals(5, MissedEvents.of("me", log, 5, 1 << 20).orElseThrow().size());
        assertTrue(MissedEvents.of("me", log, 4, 1 << 20).isEmpty());
        // events for others do not count against the bound
        assertEquals(0, MissedEvents.of("other", log, 4, 1 << 20).orElseThrow().size());
    }

    @Test
    void moreBytesThanTheBoundIsAGiveUp() {
        List<ClusterMessage> log = List.of(roomEvent("other", "chat-message", "1-0"), roomEvent("other", "x", "2-0"));
        long first = "chat-message".length() + "{\"n\":\"1-0\"}".length();
        long both = first + "x".length() + "{\"n\":\"2-0\"}".length();
        assertEquals(2, MissedEvents.of("me", log, 10, both).orElseThrow().size());
        assertTrue(MissedEvents.of("me", log, 10, both - 1).isEmpty());
    }
}
