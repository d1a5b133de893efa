package io.meetsignal.cluster.memory;

import static java.util.concurrent.CompletableFuture.completedFuture;

import io.meetsignal.cluster.ClusterBus;
import io.meetsignal.cluster.ClusterMessage;
import io.meetsignal.cluster.Deliveries;
import io.meetsignal.cluster.Offsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ClusterBus} for a node that runs alone. Like the Redis bus, it delivers on a thread of its own, one
 * message at a time in the order published, never on the publisher's thread and never under its lock: the
 * publisher's stage may complete before or after the listener saw the message, so that the node (and the unit
 * tests) see the interleavings of production. The rooms' logs live in memory, trimmed like the Redis ones
 * (retention and cap), with offsets of the same form.
 */
public final class InMemoryClusterBus implements ClusterBus {

    private static final Logger log = LoggerFactory.getLogger(InMemoryClusterBus.class);

    /** The most bytes of messages a room's log keeps unless told otherwise (PROTOCOL.md §7). */
    public static final long DEFAULT_LOG_MAX_BYTES = ClusterBus.DEFAULT_LOG_MAX_BYTES;

    private final Clock clock;
    private final long retentionMillis;
    private final int cap;
    private final long maxBytes;
    /** Guarded by itself: the logs, and the order in which messages are numbered and delivered. */
    private final Map<String, RoomLog> logs = new HashMap<>();
    /** The last offset of each room's log, readable without the lock ({@link #head}). */
    private final Map<String, String> heads = new ConcurrentHashMap<>();

    private long lastMillis;
    private long lastSequence;
    private long lastPurgeMillis;
    private volatile String nodeId;
    private volatile Consumer<ClusterMessage> listener;
    /** One thread: messages reach the listener in the order {@link #publish} numbered them under the lock. */
    private final ExecutorService deliveries = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "memory-bus-delivery");
        thread.setDaemon(true);
        return thread;
    });

    private record Entry(String offset, long millis, ClusterMessage message, long bytes) {}

    private static final class RoomLog {
        final ArrayDeque<Entry> entries = new ArrayDeque<>();
        String cut;
        long bytes;
    }

    /** The bytes a message counts for in a log's byte bound: its event name and payload. */
    static long size(ClusterMessage message) {
        if (message instanceof ClusterMessage.RoomEvent event) {
            return event.event().length() + (long) event.payload().length();
        }
        if (message instanceof ClusterMessage.SeatEvent event) {
            return event.event().length()
                    + (event.payload() == null ? 0L : event.payload().length());
        }
        return 0;
    }

    public InMemoryClusterBus() {
        this(Clock.systemUTC(), DEFAULT_LOG_RETENTION, DEFAULT_LOG_CAP);
    }

    /** {@code cap}: the most messages a room's log keeps; 0 keeps no log. */
    public InMemoryClusterBus(Clock clock, Duration retention, int cap) {
        this(clock, retention, cap, DEFAULT_LOG_MAX_BYTES);
    }

    /** {@code cap}: the most messages a room's log keeps, 0 for none; {@code maxBytes}: the most bytes it keeps. */
    public InMemoryClusterBus(Clock clock, Duration retention, int cap, long maxBytes) {
        this.clock = clock;
        this.retentionMillis = retention.toMillis();
        this.cap = cap;
        this.maxBytes = maxBytes;
    }

    @Override
    public void start(String nodeId, Consumer<ClusterMessage> listener) {
        this.nodeId = nodeId;
        this.listener = listener;
    }

    @Override
    public CompletionStage<Void> publish(ClusterMessage message) {
        synchronized (logs) {
            ClusterMessage delivered = message;
            if (cap == 0) {
                delivered = message; // no log: nothing is numbered, nothing can be replayed
            } else if (message instanceof ClusterMessage.RoomEvent event) {
                delivered = event.withOffset(append(event));
            } else if (message instanceof ClusterMessage.SeatEvent event) {
                delivered = event.withOffset(append(event));
            }
            ClusterMessage numbered = delivered;
            try {
                // queued under the lock, so in the order of the offsets; run after it is released
                deliveries.execute(() -> deliver(numbered));
            } catch (RejectedExecutionException closed) {
                // closed: like a Redis subscription that is gone, nothing more is delivered
            }
        }
        return completedFuture(null);
    }

    private void deliver(ClusterMessage message) {
        Consumer<ClusterMessage> target = listener;
        if (target != null) {
            Deliveries.deliver(nodeId, target, message, log);
        }
    }

    /**
     * Completes once every message published before this call has been handed to the listener: for a test that
     * asserts what a node's sockets received (as a test on Redis waits for what it expects).
     */
    public CompletionStage<Void> delivered() {
        try {
            return CompletableFuture.runAsync(() -> {}, deliveries);
        } catch (RejectedExecutionException closed) {
            return completedFuture(null);
        }
    }

    /** Numbers a message and appends it to its room's log; called holding the lock. */
    private String append(ClusterMessage message) {
        long now = clock.millis();
        if (now > lastMillis) {
            lastMillis = now;
            lastSequence = 0;
        } else {
            lastSequence++;
        }
        String offset = lastMillis + "-" + lastSequence;
        RoomLog roomLog = logs.computeIfAbsent(message.roomId(), id -> new RoomLog());
        long bytes = size(message);
        roomLog.entries.addLast(new Entry(offset, now, withOffset(message, offset), bytes));
        roomLog.bytes += bytes;
        while (!roomLog.entries.isEmpty() && roomLog.entries.peekFirst().millis() < now - retentionMillis) {
            // past the retention: a client away for at most the recovery window got it before it went away
            roomLog.bytes -= roomLog.entries.removeFirst().bytes();
        }
        while (roomLog.entries.size() > cap || (roomLog.bytes > maxBytes && roomLog.entries.size() > 1)) {
            Entry oldest = roomLog.entries.removeFirst();
            roomLog.bytes -= oldest.bytes();
            roomLog.cut = oldest.offset();
        }
        heads.put(message.roomId(), offset);
        if (now - lastPurgeMillis > retentionMillis) {
            lastPurgeMillis = now;
            // logs whose newest message is past the retention hold nothing a recovering client may still need
            logs.entrySet().removeIf(room -> {
                Entry newest = room.getValue().entries.peekLast();
                boolean stale = newest == null || newest.millis() < now - retentionMillis;
                if (stale) {
                    heads.remove(room.getKey());
                }
                return stale;
            });
        }
        return offset;
    }

    private static ClusterMessage withOffset(ClusterMessage message, String offset) {
        if (message instanceof ClusterMessage.RoomEvent event) {
            return event.withOffset(offset);
        }
        return message instanceof ClusterMessage.SeatEvent event ? event.withOffset(offset) : message;
    }

    @Override
    public CompletionStage<Optional<List<ClusterMessage>>> replay(
            String roomId, String afterOffset, int maxEntries, long maxBytes) {
        if (!Offsets.valid(afterOffset) || maxEntries < 0 || maxBytes < 0) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    "offset " + afterOffset + ", maxEntries " + maxEntries + ", maxBytes " + maxBytes));
        }
        synchronized (logs) {
            RoomLog roomLog = logs.get(roomId);
            if (roomLog == null) {
                return completedFuture(Optional.of(List.of()));
            }
            if (roomLog.cut != null && Offsets.compare(afterOffset, roomLog.cut) < 0) {
                return completedFuture(Optional.empty());
            }
            List<ClusterMessage> after = new ArrayList<>();
            long bytes = 0;
            for (Entry entry : roomLog.entries) {
                if (Offsets.compare(entry.offset(), afterOffset) > 0) {
                    bytes += entry.bytes();
                    if (after.size() == maxEntries || bytes > maxBytes) {
                        return completedFuture(Optional.empty());
                    }
                    after.add(entry.message());
                }
            }
            return completedFuture(Optional.of(after));
        }
    }

    /** The offset of the last message logged for {@code roomId}, or {@link Offsets#START}; never blocks. */
    public String head(String roomId) {
        return heads.getOrDefault(roomId, Offsets.START);
    }

    @Override
    public CompletionStage<Void> joinRoom(String roomId) {
        return completedFuture(null);
    }

    @Override
    public CompletionStage<Void> leaveRoom(String roomId) {
        return completedFuture(null);
    }

    @Override
    public void close() {
        listener = null;
        deliveries.shutdown();
    }
}
