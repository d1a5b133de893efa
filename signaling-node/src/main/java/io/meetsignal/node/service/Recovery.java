package io.meetsignal.node.service;

import static java.util.concurrent.CompletableFuture.completedFuture;

import io.meetsignal.cluster.ClusterBus;
import io.meetsignal.cluster.ClusterMessage.SocketAction;
import io.meetsignal.cluster.ClusterStore;
import io.meetsignal.cluster.ClusterStore.TakenOver;
import io.meetsignal.cluster.Offsets;
import io.meetsignal.cluster.RoomCodes;
import io.meetsignal.node.auth.Identity;
import io.meetsignal.node.session.ClientLink;
import io.meetsignal.node.session.Session;
import io.meetsignal.node.session.SessionRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connection state recovery (PROTOCOL.md §9). A seated session whose transport is lost is kept, detached, for
 * the recovery window: its seat stays and nobody is told. When its client comes back with its private id and the
 * offset of the last event it got — here or on any other node, also after the node it was on died — the session
 * is taken back (its seat moved here when it was elsewhere), the events it missed are read from the room's log
 * and sent in order, then live delivery resumes, each event once. Past the window the seat is released with
 * {@code reason: "disconnected"}.
 */
public final class Recovery {

    private static final Logger log = LoggerFactory.getLogger(Recovery.class);

    /** The most missed events one session may get back; more and it joins anew. */
    public static final int MAX_EVENTS = 1_000;
    /** The most bytes of missed events one session may get back; more and it joins anew. */
    public static final int MAX_BYTES = 1 << 20;

    /** The room of a hand-over of a socket that was in no room. */
    static final String NO_ROOM = "";

    private final ClusterStore store;
    private final ClusterBus bus;
    private final Delivery delivery;
    private final SessionRegistry sessions;
    private final Rosters rosters;
    private final RoomService rooms;
    private final String nodeId;
    private final Duration window;
    private final ScheduledExecutorService timers;

    public Recovery(
            ClusterStore store,
            ClusterBus bus,
            SessionRegistry sessions,
            Rosters rosters,
            RoomService rooms,
            String nodeId,
            Duration window,
            ScheduledExecutorService timers) {
        this.store = store;
        this.bus = bus;
        this.delivery = new Delivery(bus);
        this.sessions = sessions;
        this.rosters = rosters;
        this.rooms = rooms;
        this.nodeId = nodeId;
        this.window = window;
        this.timers = timers;
    }

    public boolean enabled() {
        return !window.isZero();
    }

    /**
     * The transport of {@code session} is gone without a goodbye: keeps the session for the window (seated or in
     * no room; a socket in a waiting queue is not kept). Returns false when the session is not kept (recovery off,
     * waiting, or ending for good).
     */
    public boolean detach(Session session) {
        if (!enabled() || session.ending() || session.closed() || session.waitingRoomId() != null) {
            return false;
        }
        session.detach(timers.schedule(() -> expire(session), window.toMillis(), TimeUnit.MILLISECONDS));
        if (session.roomId() == null && session.recoveryKey() != null) {
            // in no room, nothing in Redis says it exists: remember it there so that any node can take it back
            store.keepUnseated(session.socketId(), session.recoveryKey(), session.userId(), nodeId, window)
                    .whenComplete((nothing, failure) -> {
                        if (failure != null) {
                            log.debug(
                                    "Socket {} can be recovered on this node only: {}",
                                    session.socketId(),
                                    failure.toString());
                        }
                    });
        }
        log.info(
                "Socket {} lost its transport; it is kept for {}{}",
                session.socketId(),
                window,
                session.roomId() == null ? "" : " with its seat in room " + session.roomId());
        return true;
    }

    private void expire(Session session) {
        session.onLoop(() -> expireOnLoop(session));
    }

    private void expireOnLoop(Session session) {
        if (!session.detached() || session.closed()) {
            return;
        }
        log.info("Socket {} did not come back within {}", session.socketId(), window);
        rooms.departures().disconnected(session).whenComplete((nothing, failure) -> {
            if (failure != null) {
                log.warn("Releasing the seat of socket {} failed: {}", session.socketId(), failure.toString());
            }
        });
    }

    /** A recovered session; {@link #finish} sends what it missed and must run right after the CONNECT answer. */
    public record Recovered(Session session, Runnable finish) {}

    /**
     * Takes a session back for a client that presents private id {@code pid} and {@code offset} (null when it got
     * no event). {@code newSession} makes a session with a given socket id and recovery key when the session was on
     * another node. Completes empty when there is nothing to recover; then the client starts a new session.
     */
    public CompletionStage<Optional<Recovered>> recover(
            String pid,
            String offset,
            Identity identity,
            ClientLink link,
            BiFunction<String, String, Session> newSession) {
        int dot = pid == null ? -1 : pid.indexOf('.');
        if (!enabled()
                || dot < 1
                || dot == pid.length() - 1
                || pid.length() > 200
                || (offset != null && !Offsets.valid(offset))) {
            return completedFuture(Optional.empty());
        }
        String socketId = pid.substring(0, dot);
        String key = pid.substring(dot + 1);
        Optional<Session> local = sessions.bySocketId(socketId);
        if (local.isPresent()) {
            // a session of this node: taken back on its own loop
            Session session = local.get();
            return session.thenOnLoop(
                    completedFuture(null), nothing -> recoverLocal(session, key, offset, identity, link));
        }
        return store.takeOver(socketId, key, nodeId).thenCompose(taken -> {
            if (taken.isEmpty()) {
                return adoptUnseated(socketId, key, identity, newSession);
            }
            Session session = newSession.apply(socketId, key);
            return session.thenOnLoop(completedFuture(null), nothing -> adopt(session, taken.get(), offset, identity));
        });
    }

    /** Takes back a session of this node, on its loop. */
    private CompletionStage<Optional<Recovered>> recoverLocal(
            Session session, String key, String offset, Identity identity, ClientLink link) {
        if (!key.equals(session.recoveryKey())
                || session.closed()
                || session.waitingRoomId() != null
                || !Objects.equals(session.userId(), identity.userId())) {
            return completedFuture(Optional.empty());
        }
        String roomId = session.roomId();
        if (roomId == null) {
            // not in a room: nothing was logged for it, there is nothing to replay; no other node may take it now
            store.takeOverUnseated(session.socketId(), key, identity.userId());
            session.attach(link);
            log.info("Socket {} recovered (in no room)", session.socketId());
            return completedFuture(Optional.of(new Recovered(session, () -> {})));
        }
        sessions.beginJoin(session, roomId);
        session.attach(link);
        String after = offset != null ? offset : session.joinOffset();
        return replayFor(session, roomId, after).exceptionallyCompose(failure -> giveUp(session, failure));
    }

    /** Takes here a session that was in no room on another node: nothing to replay, only its id to keep. */
    private CompletionStage<Optional<Recovered>> adoptUnseated(
            String socketId, String key, Identity identity, BiFunction<String, String, Session> newSession) {
        return store.takeOverUnseated(socketId, key, identity.userId()).thenCompose(previous -> {
            if (previous.isEmpty()) {
                return completedFuture(Optional.<Recovered>empty());
            }
            Session session = newSession.apply(socketId, key);
            sessions.add(session);
            log.info("Socket {} recovered (in no room, from node {})", socketId, previous.get());
            CompletionStage<Void> told = previous.get().equals(nodeId)
                    ? completedFuture(null)
                    : delivery.toSocket(previous.get(), socketId, NO_ROOM, SocketAction.HANDED_OVER);
            return told.handle((nothing, failure) -> {
                if (failure != null) {
                    // the old node drops its copy when its window ends; it holds no seat
                    log.debug(
                            "Telling node {} that socket {} moved failed: {}",
                            previous.get(),
                            socketId,
                            failure.toString());
                }
                return Optional.of(new Recovered(session, () -> {}));
            });
        });
    }

    /** Seats here (on the new session's loop) a session whose seat was just moved from another node, then replays. */
    private CompletionStage<Optional<Recovered>> adopt(
            Session session, TakenOver taken, String offset, Identity identity) {
        String roomId = taken.room().id();
        String socketId = taken.seat().socketId();
        if (!Objects.equals(taken.seat().userId(), identity.userId())) {
            log.warn("Socket {} came back with another identity; not recovered", socketId);
            sessions.add(session);
            sessions.seat(session, roomId, null);
            // the seat was moved here and goes now: the old node drops its copy, or a later recovery there would
            // take back a session without a seat
            CompletionStage<Void> told = taken.previousNodeId().equals(nodeId)
                    ? completedFuture(null)
                    : delivery.toSocket(taken.previousNodeId(), socketId, roomId, SocketAction.HANDED_OVER);
            return told.handle((nothing, failure) -> null)
                    .thenCompose(nothing -> rooms.departures().disconnected(session))
                    .thenApply(nothing -> Optional.<Recovered>empty());
        }
        session.displayName(taken.seat().displayName());
        sessions.add(session);
        sessions.beginJoin(session, roomId);
        sessions.seat(session, roomId, RoomCodes.normalize(taken.room().code()).orElse(null));
        CompletionStage<Void> listening = rooms.subscriptions().listen(roomId);
        rosters.remember(taken.room());
        String after = offset != null ? offset : taken.seat().joinedAt().toEpochMilli() + "-0";
        return listening
                .thenCompose(subscribed -> store.participants(roomId))
                .thenCompose(participants -> {
                    rosters.seed(roomId, participants);
                    if (taken.previousNodeId().equals(nodeId)) {
                        return completedFuture(null);
                    }
                    return delivery.toSocket(taken.previousNodeId(), socketId, roomId, SocketAction.HANDED_OVER);
                })
                .thenCompose(nothing -> replayFor(session, roomId, after))
                .exceptionallyCompose(failure -> giveUp(session, failure));
    }

    /** Reads what {@code session} missed after {@code after}; gives up when the log cannot tell it all. */
    private CompletionStage<Optional<Recovered>> replayFor(Session session, String roomId, String after) {
        // reads at most what it may send (PROTOCOL.md §7): more log entries than that and it would have to give up
        // anyway
        return session.thenOnLoop(bus.replay(roomId, after, MAX_EVENTS, MAX_BYTES), logged -> {
            Optional<List<Session.Held>> missed =
                    logged.flatMap(messages -> MissedEvents.of(session.socketId(), messages, MAX_EVENTS, MAX_BYTES));
            if (missed.isEmpty()) {
                log.info("Socket {} missed more than the room's log can give back; it joins anew", session.socketId());
                return giveUp(session);
            }
            log.info(
                    "Socket {} recovered in room {} ({} missed events)",
                    session.socketId(),
                    roomId,
                    missed.get().size());
            List<Session.Held> events = missed.get();
            return completedFuture(Optional.of(new Recovered(session, () -> {
                session.completeRecovery(events, after);
                sessions.endJoin(session, roomId);
            })));
        });
    }

    /** Recovering failed: gives up, on the session's loop. */
    private CompletionStage<Optional<Recovered>> giveUp(Session session, Throwable failure) {
        log.warn("Recovering socket {} failed: {}", session.socketId(), failure.toString());
        return session.thenOnLoop(completedFuture(null), nothing -> giveUp(session));
    }

    /** Recovery is not possible after all: the seat goes as after a lost transport, and the client joins anew. */
    private CompletionStage<Optional<Recovered>> giveUp(Session session) {
        String roomId = session.roomId();
        if (roomId != null) {
            sessions.endJoin(session, roomId);
        }
        session.abandonJoin();
        return rooms.departures().disconnected(session).handle((nothing, failure) -> Optional.empty());
    }
}
