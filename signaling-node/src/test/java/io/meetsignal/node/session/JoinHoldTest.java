package io.meetsignal.node.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meetsignal.node.auth.Identity;
import java.util.List;
import org.junit.jupiter.api.Test;

class JoinHoldTest {

    private final SessionRegistry sessions = new SessionRegistry();

    private Session session(RecordingLink link) {
        Session session = new Session("s1", new Identity(null, "S"), link, new TokenBucket(50, 100),
                new TokenBucket(5, 10), new FloodDetector(500, 10));
        sessions.add(session);
        return session;
    }

    @Test
    void roomEventsDuringAJoinArriveAfterRoomJoined() {
        RecordingLink link = new RecordingLink();
        Session session = session(link);
        sessions.beginJoin(session, "room-1");

        session.roomEvent("room-1", "user-joined", "{\"participant\":{\"socketId\":\"late\"}}");
        session.roomEvent("room-1", "chat-message", "{\"content\":\"hi\"}");
        session.roomEvent("room-2", "chat-message", "{\"content\":\"elsewhere\"}");
        assertTrue(link.events().isEmpty(), "nothing before room-joined");

        sessions.seat(session, "room-1", "code");
        session.roomEvent("room-1", "user-toggle-audio", "{\"socketId\":\"late\",\"enabled\":false}");
        sessions.endJoin(session, "room-1");
        session.completeJoin(() -> session.send("room-joined", "{}"), held -> true);
        session.roomEvent("room-1", "chat-message", "{\"content\":\"after\"}");

        assertEquals(List.of("room-joined", "user-joined", "chat-message", "user-toggle-audio", "chat-message"),
                link.names());
        assertTrue(sessions.joining("room-1").isEmpty());
    }

    @Test
    void anAbandonedJoinDropsWhatItHeld() {
        RecordingLink link = new RecordingLink();
        Session session = session(link);
        sessions.beginJoin(session, "room-1");
        session.roomEvent("room-1", "chat-message", "{}");
        sessions.endJoin(session, "room-1");
        session.abandonJoin();
        session.roomEvent("room-1", "chat-message", "{}");
        assertTrue(link.events().isEmpty());
    }
}
