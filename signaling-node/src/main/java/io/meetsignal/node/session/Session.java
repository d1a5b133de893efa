package io.meetsignal.node.session;

import static java.util.Objects.requireNonNull;

import io.meetsignal.cluster.Offsets;
import io.meetsignal.node.auth.Identity;
import io.meetsignal.node.logging.LogContext;
import io.meetsignal.node.protocol.Json;
import io.meetsignal.node.protocol.ServerEvent;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * One authenticated Socket.IO socket on this node: who it is, where it sits, and its limits.
 *
 * <p>Confined to one event loop, {@link #executor()} (the loop its CONNECT arrived on): its events run there
 * ({@link #inOrder}), the results of the store and the bus that touch it hop there ({@link #onLoop}), and bus
 * deliveries are handed there. So it holds no lock. What it keeps while a join or a recovery is in flight (the
 * held events, the last offset sent) is read and written on its loop only; the methods that change it must be
 * called there (asserted, {@code -ea}). The seat and identity fields are written on the loop and volatile, since
 * other threads read them (the dispatcher picks recipients by room, the relay reads the sender's room). Each change
 * of seat goes through {@link SessionRegistry} so that the per-room index stays right. The sending methods
 * ({@link #send}, {@link #ack}, {@link #roomEvent}) may be called from any thread: off the loop they queue their
 * work there, in call order.
 */
public final class Session {

    private final String socketId;
    private final Identity identity;
    private final String recoveryKey;
    private volatile ClientLink link;
    /** The transport is gone and the session waits for its client to come back (connection state recovery). */
    private volatile boolean detached;
    /** The session ends with its transport: the client disconnected, or was disconnected, for good. */
    private volatile boolean ending;

    private volatile ScheduledFuture<?> expiry;
    private volatile String joinOffset = Offsets.START;
    /** On the loop: the room and offset of the last logged event sent, so that none goes out twice. */
    private String sentRoomId;

    private String sentOffset;
    private final TokenBucket events;
    private final TokenBucket chat;
    /** The rate limit and flood window are the engine session's (see the edge); kept here for the session's life. */
    private final FloodDetector flood;
    /** When the last {@code error} event was sent; 0 for never. */
    private final AtomicLong lastErrorNanos = new AtomicLong();

    private static final long ERROR_INTERVAL_NANOS = 1_000_000_000L;

    private volatile String roomId;
    private volatile String roomCodeKey;
    private volatile String waitingRoomId;
    private volatile String displayName;
    private volatile boolean closed;
    private volatile ScheduledFuture<?> typingLapse;
    /** Written on the loop: the room a join is in flight for; the room events held meanwhile (on the loop only). */
    private volatile String joiningRoomId;

    private List<Held> held;

    /** A room event that arrived while this socket's join (or recovery) was in flight; {@code offset} may be null. */
    public record Held(String event, String payload, String offset) {}

    /** How many room events a join in flight may hold; more are dropped (a join takes milliseconds). */
    static final int MAX_HELD = 1000;

    /** How many of its events one socket may have waiting or in progress (see {@link #inOrder}). */
    public static final int DEFAULT_MAX_QUEUED_EVENTS = 2048;
    /** How many bytes of event packets one socket may have waiting or in progress. */
    public static final long DEFAULT_MAX_QUEUED_BYTES = 1024 * 1024;

    /** This socket's events, one at a time, in the order received; then its cleanup. */
    private volatile String logNode;

    private final Lane lane = new Lane(DEFAULT_MAX_QUEUED_EVENTS, DEFAULT_MAX_QUEUED_BYTES);
    private final EventExecutor loop;

    /** A session whose loop is the calling thread, whichever it is (for tests of the rules, not of threads). */
    public Session(
            String socketId,
            Identity identity,
            ClientLink link,
            TokenBucket events,
            TokenBucket chat,
            FloodDetector flood) {
        this(socketId, null, identity, link, events, chat, flood, ImmediateEventExecutor.INSTANCE);
    }

    /**
     * {@code recoveryKey}: the secret part of the session's private id, null when recovery is off; {@code loop}: the
     * event loop the session is confined to.
     */
    public Session(
            String socketId,
            String recoveryKey,
            Identity identity,
            ClientLink link,
            TokenBucket events,
            TokenBucket chat,
            FloodDetector flood,
            EventExecutor loop) {
        this.loop = requireNonNull(loop, "loop");
        this.socketId = requireNonNull(socketId, "socketId");
        this.recoveryKey = recoveryKey;
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

    /** The event loop this session is confined to. */
    public EventExecutor executor() {
        return loop;
    }

    /** Runs {@code work} on this session's loop: at once when called there, else queued there in call order. */
    public void onLoop(Runnable work) {
        if (loop.inEventLoop()) {
            work.run();
        } else {
            loop.execute(work);
        }
    }

    /** The outcome of {@code stage}, seen on this session's loop (no hop when it is already done and we are there). */
    public <T> CompletionStage<T> onLoop(CompletionStage<T> stage) {
        CompletableFuture<T> future = stage.toCompletableFuture();
        if (future.isDone() && loop.inEventLoop()) {
            return future;
        }
        return future.whenCompleteAsync((value, failure) -> {}, loop);
    }

    /**
     * {@code next} applied on this session's loop to the value of {@code stage}; a failure of {@code stage} is passed
     * on, from the loop too. The returned stage completes where the one {@code next} returns completes.
     */
    public <T, U> CompletionStage<U> thenOnLoop(
            CompletionStage<T> stage, Function<? super T, ? extends CompletionStage<U>> next) {
        CompletableFuture<T> future = stage.toCompletableFuture();
        if (future.isDone() && !future.isCompletedExceptionally() && loop.inEventLoop()) {
            try {
                return next.apply(future.join());
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        return future.handleAsync(
                        (value, failure) ->
                                failure == null ? next.apply(value) : CompletableFuture.<U>failedFuture(failure),
                        loop)
                .thenCompose(Function.identity());
    }

    private boolean confined() {
        return loop.inEventLoop();
    }

    public String userId() {
        return identity.userId();
    }

    public Identity identity() {
        return identity;
    }

    public String recoveryKey() {
        return recoveryKey;
    }

    /** The private session id handed to the client ({@code pid}), null when recovery is off. */
    public String privateId() {
        return recoveryKey == null ? null : socketId + "." + recoveryKey;
    }

    public boolean detached() {
        return detached;
    }

    /** The transport is gone; nothing is sent until {@link #attach}. {@code expiry} ends the wait. */
    public void detach(ScheduledFuture<?> expiryTask) {
        assert confined() : "detach off the session's loop";
        detached = true;
        expiry = expiryTask;
    }

    /** The client came back on {@code newLink}: cancels the expiry and sends there from now on. */
    public void attach(ClientLink newLink) {
        assert confined() : "attach off the session's loop";
        cancelExpiry();
        link = requireNonNull(newLink, "newLink");
        detached = false;
    }

    /** Cancels a pending expiry (the session ends, or moved to another node). */
    public void cancelExpiry() {
        ScheduledFuture<?> pending = expiry;
        expiry = null;
        if (pending != null) {
            pending.cancel(false);
        }
    }

    /** The offset of the room's log at this session's last join (what {@code room-joined} showed). */
    public String joinOffset() {
        return joinOffset;
    }

    public void joinOffset(String offset) {
        this.joinOffset = offset == null ? Offsets.START : offset;
    }

    public boolean ending() {
        return ending;
    }

    /** Ends the Socket.IO session for good: the client does not reconnect by itself and is not waited for. */
    public void disconnect() {
        ending = true;
        link.disconnect();
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

    public boolean takeChatToken(long nowNanos) {
        return chat.tryTake(nowNanos);
    }

    /**
     * Whether a refusal without an ack callback may be reported now as an {@code error} event: at most one a second
     * (PROTOCOL.md §7), so that a flood of bad events cannot make the node write a flood of answers.
     */
    public boolean mayReportError(long nowNanos) {
        long last = lastErrorNanos.get();
        if (last != 0 && nowNanos - last < ERROR_INTERVAL_NANOS) {
            return false;
        }
        return lastErrorNanos.compareAndSet(last, nowNanos);
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
    public void beginJoin(String roomId) {
        assert confined() : "beginJoin off the session's loop";
        joiningRoomId = roomId;
        held = new ArrayList<>();
    }

    /**
     * Delivers an event of {@code roomId} with its offset in the room's log (null when not logged), or holds it
     * while a join for that room is in flight. Off the loop, queued there.
     */
    public void roomEvent(String roomId, String event, String payloadJson, String offset) {
        if (!loop.inEventLoop()) {
            loop.execute(() -> roomEvent(roomId, event, payloadJson, offset));
            return;
        }
        if (closed) {
            return;
        }
        if (roomId.equals(joiningRoomId)) {
            if (held.size() < MAX_HELD) {
                held.add(new Held(event, payloadJson, offset));
            }
            return;
        }
        if (roomId.equals(this.roomId) && !detached) {
            sendLogged(roomId, event, payloadJson, offset);
        }
    }

    /**
     * Sends a logged event of {@code roomId} unless one at or after its offset was already sent for that room: a
     * room's log is in offset order, so such an event would reach the client a second time. That happens after a
     * recovery: the log is read on one Redis connection and live events arrive on another, so an event the
     * replay already gave may still be on its way from the subscription when the replay ends. Holding the lock.
     */
    private void sendLogged(String roomId, String event, String payloadJson, String offset) {
        if (offset != null && roomId.equals(sentRoomId) && Offsets.compare(offset, sentOffset) <= 0) {
            return;
        }
        if (offset != null) {
            sentRoomId = roomId;
            sentOffset = offset;
        }
        link.sendEvent(event, payloadJson, offset);
    }

    /** Sends {@code room-joined} (through {@code answer}), then the held events that {@code keep} accepts. */
    public void completeJoin(Runnable answer, Predicate<Held> keep) {
        assert confined() : "completeJoin off the session's loop";
        answer.run();
        if (held != null && !closed && !detached) {
            for (Held h : held) {
                if (keep.test(h)) {
                    sendLogged(joiningRoomId, h.event(), h.payload(), h.offset());
                }
            }
        }
        joiningRoomId = null;
        held = null;
    }

    /**
     * Ends a recovery: sends the missed events {@code replayed} (from the room's log, in order), then the events
     * held meanwhile that came after them, so that each reaches the client once and in order.
     */
    public void completeRecovery(List<Held> replayed, String after) {
        assert confined() : "completeRecovery off the session's loop";
        if (!closed && !detached && joiningRoomId != null) {
            sentRoomId = joiningRoomId;
            sentOffset = after;
            for (Held h : replayed) {
                sendLogged(joiningRoomId, h.event(), h.payload(), h.offset());
            }
            if (held != null) {
                for (Held h : held) {
                    sendLogged(joiningRoomId, h.event(), h.payload(), h.offset());
                }
            }
        }
        joiningRoomId = null;
        held = null;
    }

    /** The join did not seat the socket in the room it expected; forget what was held. */
    public void abandonJoin() {
        assert confined() : "abandonJoin off the session's loop";
        joiningRoomId = null;
        held = null;
    }

    public String joiningRoomId() {
        return joiningRoomId;
    }

    public void send(String event, String payloadJson) {
        send(event, payloadJson, null);
    }

    /** Sends an event with its offset in the room's log (null when it is not logged). Off the loop, queued there. */
    public void send(String event, String payloadJson, String offset) {
        if (!loop.inEventLoop()) {
            loop.execute(() -> send(event, payloadJson, offset));
            return;
        }
        if (!closed && !detached) {
            if (offset != null && roomId != null) {
                sentRoomId = roomId;
                sentOffset = offset;
            }
            link.sendEvent(event, payloadJson, offset);
        }
    }

    /** Sends an event of this node's own, serialized here. */
    public void send(ServerEvent event) {
        send(event.event(), Json.write(event));
    }

    /** Sends an acknowledgement. Off the loop, queued there (after what was sent before it). */
    public void ack(long ackId, String payloadJson) {
        if (!loop.inEventLoop()) {
            loop.execute(() -> ack(ackId, payloadJson));
            return;
        }
        if (!closed && !detached) {
            link.sendAck(ackId, payloadJson);
        }
    }

    public ClientLink link() {
        return link;
    }

    /**
     * Handles one of this socket's events ({@code packetBytes} long) after every earlier one has completed (PROTOCOL.md
     * §7); completes as {@code handler}'s stage does, after the answers to the earlier events. With
     * {@code orderedOnReturn} (a relayed signal: one publish, sent in call order), the next event may start as soon
     * as {@code handler} returned. Null, with nothing run, when the socket already has
     * {@link #DEFAULT_MAX_QUEUED_EVENTS} events or {@link #DEFAULT_MAX_QUEUED_BYTES} of them in progress.
     */
    public <T> CompletionStage<T> inOrder(
            int packetBytes, boolean orderedOnReturn, Supplier<? extends CompletionStage<T>> handler) {
        assert confined() : "inOrder off the session's loop";
        // the handler's stage is seen on the loop, so that the next event starts there and the answers leave there
        return lane.submit(packetBytes, orderedOnReturn, logged(() -> onLoop(handler.get())));
    }

    /**
     * Runs {@code cleanup} on the loop once every event of this socket received so far has completed; never
     * refused. Callable from any thread.
     */
    public CompletionStage<Void> afterEvents(Supplier<? extends CompletionStage<Void>> cleanup) {
        if (!loop.inEventLoop()) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            loop.execute(() -> afterEvents(cleanup).whenComplete((nothing, failure) -> {
                if (failure != null) {
                    done.completeExceptionally(failure);
                } else {
                    done.complete(null);
                }
            }));
            return done;
        }
        return lane.submitLast(logged(() -> onLoop(cleanup.get())));
    }

    /** The node this session's log lines name; set when it is registered. */
    void logNode(String node) {
        this.logNode = node;
    }

    /** {@code work}, run with this socket's ids in the MDC (node, room, socket), whichever thread runs it. */
    private <T> Supplier<T> logged(Supplier<T> work) {
        return () -> {
            String room = roomId != null ? roomId : waitingRoomId;
            try (LogContext ids = LogContext.enter(logNode, room, socketId)) {
                return work.get();
            }
        };
    }

    /** Events of this socket waiting or in progress. */
    public int eventsInProgress() {
        return lane.size();
    }

    @Override
    public String toString() {
        return "Session[" + socketId + "]";
    }
}
