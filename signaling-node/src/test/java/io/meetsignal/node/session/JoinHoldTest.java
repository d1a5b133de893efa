package io.meetsignal.node.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meetsignal.node.auth.Identity;
import java.util.List;
import org.junit.jupiter.api.Test;

class JoinHoldTest {

    private final SessionRegistry sessions = new SessionRegistry();

    private Session session(RecordingLink link) {
        Session session = new Session(
                "s1",
                new Identity(null, "S"),
                link,
                new TokenBucket(50, 100),
                new TokenBucket(5, 10),
                new FloodDetector(500, 10));
        sessions.add(session);
        return session;
    }

    @Test
    void roomEventsDuringAJoinArriveAfterRoomJoined() {
        RecordingLink link = new RecordingLink();
        Session session = session(link);
        sessions.beginJoin(session, "room-1");

        session.roomEvent("room-1", "user-joined", "{\"participant\":{\"socketId\":\"late\"}}", null);
        session.roomEvent("room-1", "chat-message", "{\"content\":\"hi\"}", null);
        session.roomEvent("room-2", "chat-message", "{\"content\":\"elsewhere\"}", null);
        assertTrue(link.events().isEmpty(), "nothing before room-joined");

        sessions.seat(session, "room-1", "code");
        session.roomEvent("room-1", "user-toggle-audio", "{\"socketId\":\"late\",\"enabled\":false}", null);
        sessions.endJoin(session, "room-1");
        session.completeJoin(() -> session.send("room-joined", "{}"), held -> true);
        session.roomEvent("room-1", "chat-message", "{\"content\":\"after\"}", null);

        assertEquals(
                List.of("room-joined", "user-joined", "chat-message", "user-toggle-audio", "chat-message"),
                link.names());
        assertTrue(sessions.joining("room-1").isEmpty());
    }

    @Test
    void anAbandonedJoinDropsWhatItHeld() {
        RecordingLink link = new RecordingLink();
        Session session = session(link);
        sessions.beginJoin(session, "room-1");
        session.roomEvent("room-1", "chat-message", "{}", null);
        sessions.endJoin(session, "room-1");
        session.abandonJoin();
        session.roomEvent("room-1", "chat-message", "{}", null);
        assertTrue(link.events().isEmpty());
    }

    @Test
    void aRecoverySendsTheMissedEventsThenOnlyTheHeldOnesThatCameAfterThem() {
        RecordingLink link = new RecordingLink();
        Session session = session(link);
        sessions.seat(session, "room-1", "code");
        sessions.beginJoin(session, "room-1");
        session.roomEvent("room-1", "chat-message", "{\"n\":2}", "100-1"); // live, also in the log
        session.roomEvent("room-1", "chat-message", "{\"n\":3}", "100-2"); // live only
        session.roomEvent("room-1", "force-mute", "{}", null); // not logged
        List<Session.Held> missed = List.of(
                new Session.Held("chat-message", "{\"n\":1}", "100-0"),
                new Session.Held("chat-message", "{\"n\":2}", "100-1"));

        session.completeRecovery(missed, "99-7");
        sessions.endJoin(session, "room-1");
        session.roomEvent("room-1", "chat-message", "{\"n\":4}", "100-3");

        assertEquals(
                List.of("100-0", "100-1", "100-2", "-", "100-3"),
                link.events().stream()
                        .map(sent -> sent.offset() == null ? "-" : sent.offset())
                        .toList());
    }

    @Test
    void aDetachedSessionSendsNothingUntilItIsAttachedAgain() {
        RecordingLink before = new RecordingLink();
        Session session = session(before);
        sessions.seat(session, "room-1", "code");
        session.detach(null);
        session.roomEvent("room-1", "chat-message", "{}", "1-0");
        session.send("error", "{}");
        RecordingLink after = new RecordingLink();
        session.attach(after);
        session.roomEvent("room-1", "chat-message", "{}", "1-1");

        assertTrue(before.events().isEmpty());
        assertEquals(
                List.of("1-1"),
                after.events().stream().map(RecordingLink.Sent::offset).toList());
    }
}
