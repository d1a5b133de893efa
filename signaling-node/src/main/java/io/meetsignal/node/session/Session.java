package io.meetsignal.node.session;

import static java.util.Objects.requireNonNull;

import io.meetsignal.node.auth.Identity;
import io.meetsignal.node.protocol.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Predicate;

/**
 * One authenticated Socket.IO socket on this node: who it is, where it sits, and its limits. The seat
 * fields change on I/O and store threads alike, hence volatile; each change of seat goes through
 * {@link SessionRegistry} so that the per-room index stays right.
 */
public final class Session {

    private final String socketId;
    private final Identity identity;
    private final ClientLink link;
    private final TokenBucket events;
    private final TokenBucket chat;
    private final FloodDetector flood;

    private volatile String roomId;
    private volatile String roomCodeKey;
    private volatile String waitingRoomId;
    private volatile String displayName;
    private volatile boolean closed;
    private volatile ScheduledFuture<?> typingLapse;
    /** Guarded by {@code this}: the room a join is in flight for, and the room events held meanwhile. */
    private String joiningRoomId;
    private List<Held> held;

    /** A room event that arrived while this socket's join was in flight. */
    public record Held(String event, String payload) {
    }

    /** How many room events a join in flight may hold; more are dropped (a join takes milliseconds). */
    static final int MAX_HELD = 1000;

    public Session(String socketId, Identity identity, ClientLink link, TokenBucket events, TokenBucket chat,
                   FloodDetector flood) {
        this.socketId = requireNonNull(socketId, "socketId");
        this.identity = requireNonNull(identity, "identity");
        this.link = requireNonNull(link, "link");
        this.events = events;
        this.chat = chat;
        this.flood = flood;
        this.displayName = identity.displayName();
    }

    public String socketId() {
        return socketId;
    }

    public String userId() {
        return identity.userId();
    }

    public Identity identity() {
        return identity;
    }

    /** The name shown in the current room (a join may replace the handshake's). */
    public String displayName() {
        return displayName;
    }

    public void displayName(String name) {
        this.displayName = name == null ? identity.displayName() : name;
    }

    public String roomId() {
        return roomId;
    }

    public String roomCodeKey() {
        return roomCodeKey;
    }

    public String waitingRoomId() {
        return waitingRoomId;
    }

    void seat(String newRoomId, String codeKey) {
        this.roomId = newRoomId;
        this.roomCodeKey = codeKey;
    }

    void waitIn(String newWaitingRoomId) {
        this.waitingRoomId = newWaitingRoomId;
    }

    public boolean closed() {
        return closed;
    }

    void markClosed() {
        this.closed = true;
    }

    public boolean takeEventToken(long nowNanos) {
        return events.tryTake(nowNanos);
    }

    public boolean takeChatToken(long nowNanos) {
        return chat.tryTake(nowNanos);
    }

    public boolean flooding(long nowNanos) {
        return flood.record(nowNanos);
    }

    /** Replaces the pending typing lapse, cancelling the previous one. */
    public void typingLapse(ScheduledFuture<?> lapse) {
        ScheduledFuture<?> previous = this.typingLapse;
        this.typingLapse = lapse;
        if (previous != null) {
            previous.cancel(false);
        }
    }

    /**
     * Starts holding the events of {@code roomId}: a join for it is in flight, and the client must see
     * {@code room-joined} before any event of the room.
     */
    public synchronized void beginJoin(String roomId) {
        joiningRoomId = roomId;
        held = new ArrayList<>();
    }

    /** Delivers an event of {@code roomId}, or holds it while a join for that room is in flight. */
    public synchronized void roomEvent(String roomId, String event, String payloadJson) {
        if (closed) {
            return;
        }
        if (roomId.equals(joiningRoomId)) {
            if (held.size() < MAX_HELD) {
                held.add(new Held(event, payloadJson));
            }
            return;
        }
        if (roomId.equals(this.roomId)) {
            link.sendEvent(event, payloadJson);
        }
    }

    /** Sends {@code room-joined} (through {@code answer}), then the held events that {@code keep} accepts. */
    public synchronized void completeJoin(Runnable answer, Predicate<Held> keep) {
        answer.run();
        if (held != null && !closed) {
            for (Held h : held) {
                if (keep.test(h)) {
                    link.sendEvent(h.event(), h.payload());
                }
            }
        }
        joiningRoomId = null;
        held = null;
    }

    /** The join did not seat the socket in the room it expected; forget what was held. */
    public synchronized void abandonJoin() {
        joiningRoomId = null;
        held = null;
    }

    public synchronized String joiningRoomId() {
        return joiningRoomId;
    }

    public void send(String event, String payloadJson) {
        if (!closed) {
            link.sendEvent(event, payloadJson);
        }
    }

    /** Sends {@code payload} serialized as JSON. */
    public void send(String event, Object payload) {
        send(event, Json.write(payload));
    }

    public void ack(long ackId, String payloadJson) {
        if (!closed) {
            link.sendAck(ackId, payloadJson);
        }
    }

    public ClientLink link() {
        return link;
    }

    @Override
    public String toString() {
        return "Session[" + socketId + "]";
    }
}
