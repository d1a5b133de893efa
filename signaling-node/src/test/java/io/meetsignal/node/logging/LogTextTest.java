package io.meetsignal.node.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import java.net.URL;
import org.junit.jupiter.api.Test;

class LogTextTest {

    @Test
    void plainTextIsLeftAlone() {
        String text = "Socket abc joined room 42 – Zoë 🎉";
        assertSame(text, LogText.escape(text));
    }

    @Test
    void lineBreaksControlAndFormatCharactersBecomeVisibleEscapes() {
        assertEquals("x\\nFAKE ERROR line", LogText.escape("x\nFAKE ERROR line"));
        assertEquals(
                "a\\r\\nb\\tc\\u0000d\\u0085e\\u2028f\\u2029g",
                LogText.escape("a\r\nb\tc\u0000d\u0085e\u2028f\u2029g"));
        assertEquals("evil\\u202egpj.exe\\u200b", LogText.escape("evil\u202egpj.exe\u200b"));
        assertEquals("back\\\\slash\\\\n", LogText.escape("back\\slash\\n"));
    }

    /** Logs `message` (with `arguments` or `failure`) and lays it out with the text appender of logback.xml. */
    private static String layOut(Level level, String message, Object[] arguments, Throwable failure) throws Exception {
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter());
        try {
            JoranConfigurator configurator = new JoranConfigurator();
            configurator.setContext(context);
            URL config = LogTextTest.class.getResource("/logback.xml");
            configurator.doConfigure(config);
            @SuppressWarnings("unchecked")
            var appender = (OutputStreamAppender<ILoggingEvent>)
                    context.getLogger("ROOT").getAppender("text");
            @SuppressWarnings("unchecked")
            var encoder = (LayoutWrappingEncoder<ILoggingEvent>) appender.getEncoder();
            var event = new LoggingEvent(
                    "test", context.getLogger("io.meetsignal.node.edge.RestApi"), level, message, failure, arguments);
            return encoder.getLayout().doLayout(event);
        } finally {
            context.stop();
        }
    }

    @Test
    void theShippedTextFormatKeepsAForgedLineInsideItsRecord() throws Exception {
        String out = layOut(Level.INFO, "Room {} created by user {}", new Object[] {"r1", "x\nFAKE ERROR line"}, null);
        assertTrue(out.endsWith(" - Room r1 created by user x\\nFAKE ERROR line" + System.lineSeparator()), out);
        assertEquals(1, out.lines().count(), out);
    }

    @Test
    void exceptionMessagesAreEscapedButTheStackTraceKeepsItsLines() throws Exception {
        var failure = new IllegalStateException(
                "outer\nFAKE ERROR outer", new IllegalArgumentException("inner\r\nFAKE ERROR inner"));
        String out = layOut(Level.ERROR, "Internal error", null, failure);
        assertTrue(out.lines().count() > 2, out);
        assertFalse(out.lines().anyMatch(line -> line.startsWith("FAKE")), out);
        assertTrue(out.contains("java.lang.IllegalStateException: outer\\nFAKE ERROR outer"), out);
        assertTrue(out.contains("Caused by: java.lang.IllegalArgumentException: inner\\r\\nFAKE ERROR inner"), out);
    }
}
