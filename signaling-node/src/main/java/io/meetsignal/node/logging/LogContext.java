package io.meetsignal.node.logging;

import java.util.concurrent.ThreadFactory;
import org.slf4j.MDC;

/**
 * The MDC keys that say whom a log line is about: {@code node}, {@code room}, {@code socket} (shown by the text
 * pattern of {@code logback.xml}, and under {@code mdc} in JSON lines). Set for the time some work for them runs,
 * and put back as they were after, because the threads that run it (event loops, the bus, timers) serve every
 * socket. The cluster adapters set {@code node} and {@code room} with the same names while they deliver a message.
 */
public final class LogContext implements AutoCloseable {

    public static final String NODE = "node";
    public static final String ROOM = "room";
    public static final String SOCKET = "socket";

    private final String node;
    private final String room;
    private final String socket;

    private LogContext(String node, String room, String socket) {
        this.node = node;
        this.room = room;
        this.socket = socket;
    }

    /**
     * Sets the keys whose value is not null (a null leaves the key as the thread had it: a lane's work on a bus
     * thread keeps the bus's {@code node}); {@link #close} restores all three.
     */
    public static LogContext enter(String node, String room, String socket) {
        LogContext previous = new LogContext(MDC.get(NODE), MDC.get(ROOM), MDC.get(SOCKET));
        put(NODE, node);
        put(ROOM, room);
        put(SOCKET, socket);
        return previous;
    }

    /** Threads named {@code name} (daemons) whose every line carries {@code node}. */
    public static ThreadFactory threads(String name, String node) {
        return runnable -> {
            Thread thread = new Thread(
                    () -> {
                        MDC.put(NODE, node);
                        runnable.run();
                    },
                    name);
            thread.setDaemon(true);
            return thread;
        };
    }

    /** Restores the keys as they were before {@link #enter}. */
    @Override
    public void close() {
        restore(NODE, node);
        restore(ROOM, room);
        restore(SOCKET, socket);
    }

    private static void put(String key, String value) {
        if (value != null) {
            MDC.put(key, value);
        }
    }

    private static void restore(String key, String value) {
        if (value == null) {
            MDC.remove(key);
        } else {
            MDC.put(key, value);
        }
    }
}
