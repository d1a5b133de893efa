package io.meetsignal.node.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.meetsignal.node.auth.Identity;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** A line logged inside a socket's work names its node, room and socket; one logged outside names none. */
class SessionLogIdsTest {

    private final Logger logger = (Logger) LoggerFactory.getLogger("session-log-ids-test");
    /** Keeps each event with the MDC of the moment it was logged (an event reads the MDC lazily otherwise). */
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>() {
        @Override
        protected void append(ILoggingEvent event) {
            event.prepareForDeferredProcessing();
            super.append(event);
        }
    };

    @BeforeEach
    void capture() {
        // whatever other tests did to the levels: this logger's INFO lines reach the list, and only it
        logger.setLevel(Level.INFO);
        logger.setAdditive(false);
        lines.start();
        logger.addAppender(lines);
    }

    @AfterEach
    void release() {
        logger.detachAppender(lines);
        logger.setLevel(null);
        logger.setAdditive(true);
    }

    private static Session seatedSession(SessionRegistry sessions) {
        Session session = new Session(
                "sock-1",
                new Identity(null, "S"),
                new RecordingLink(),
                new TokenBucket(50, 100),
                new TokenBucket(5, 10),
                new FloodDetector(500, 10));
        sessions.add(session);
        sessions.seat(session, "room-1", "code");
        return session;
    }

    @Test
    void aLineInsideASocketsWorkCarriesItsIdsAndOneOutsideNone() {
        Session session = seatedSession(new SessionRegistry("node-a"));

        logger.info("before");
        session.inOrder(10, false, () -> {
            logger.info("inside");
            return CompletableFuture.completedFuture(null);
        });
        logger.info("after");

        assertEquals(3, lines.list.size());
        assertEquals(Map.of(), lines.list.get(0).getMDCPropertyMap());
        assertEquals(
                Map.of("node", "node-a", "room", "room-1", "socket", "sock-1"),
                lines.list.get(1).getMDCPropertyMap());
        assertEquals(Map.of(), lines.list.get(2).getMDCPropertyMap());
        assertTrue(
                MDC.getCopyOfContextMap() == null || MDC.getCopyOfContextMap().isEmpty());
    }

    @Test
    void theThreadsOwnIdsAreBackAfterTheWork() {
        Session session = seatedSession(new SessionRegistry());
        MDC.put("node", "bus-node");
        try {
            session.afterEvents(() -> {
                logger.info("cleanup");
                return CompletableFuture.completedFuture(null);
            });
            logger.info("bus line");
        } finally {
            MDC.remove("node");
        }
        assertEquals(
                Map.of("node", "bus-node", "room", "room-1", "socket", "sock-1"),
                lines.list.get(0).getMDCPropertyMap());
        assertEquals(Map.of("node", "bus-node"), lines.list.get(1).getMDCPropertyMap());
    }

    @Test
    void jsonLinesHoldTheIdsAsFields() {
        Session session = seatedSession(new SessionRegistry("node-a"));
        session.inOrder(10, false, () -> {
            logger.info("inside");
            return CompletableFuture.completedFuture(null);
        });
        JsonEncoder json = new JsonEncoder();
        json.setContext((LoggerContext) LoggerFactory.getILoggerFactory());
        json.start();
        String line = new String(json.encode(lines.list.get(0)), StandardCharsets.UTF_8);
        assertTrue(line.contains("\"node\":\"node-a\""), line);
        assertTrue(line.contains("\"room\":\"room-1\""), line);
        assertTrue(line.contains("\"socket\":\"sock-1\""), line);
    }
}
