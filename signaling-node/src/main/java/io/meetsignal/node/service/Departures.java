package io.meetsignal.node.service;

import static java.util.concurrent.CompletableFuture.completedFuture;

import io.meetsignal.cluster.ClusterStore;
import io.meetsignal.cluster.Participant;
import io.meetsignal.node.protocol.LeaveReason;
import io.meetsignal.node.protocol.Refusals;
import io.meetsignal.node.protocol.Requests.RoomRef;
import io.meetsignal.node.session.Session;
import io.meetsignal.node.session.SessionRegistry;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything that ends a socket's place in a room: leaving, cancelling a wait, a transport gone for good, and the
 * seats a join or an admission took for a socket that had already gone. No seat outlives its socket.
 */
public final class Departures {

    private static final Logger log = LoggerFactory.getLogger(Departures.class);

    private final ClusterStore store;
    private final SessionRegistry sessions;
    private final Subscriptions subscriptions;
    private final RoomNotices notices;
    private final String nodeId;

    Departures(
            ClusterStore store,
            SessionRegistry sessions,
            Subscriptions subscriptions,
            RoomNotices notices,
            String nodeId) {
        this.store = store;
        this.sessions = sessions;
        this.subscriptions = subscriptions;
        this.notices = notices;
        this.nodeId = nodeId;
    }

    public CompletionStage<Outcome> leave(Session session, RoomRef request) {
        if (request.roomId().equals(session.roomId())) {
            return leaveSeat(session, LeaveReason.LEFT).thenApply(nothing -> Outcome.DONE);
        }
        if (request.roomId().equals(session.waitingRoomId())) {
            return cancelWaiting(session).thenApply(nothing -> Outcome.DONE);
        }
        return Stages.failed(Refusals.notInRoom());
    }

    /** Releases the session's seat (if any) and tells the room why. */
    public CompletionStage<Void> leaveSeat(Session session, LeaveReason reason) {
        return leaveSeat(session, reason, false);
    }

    /**
     * Releases the session's seat and tells the room why; with {@code onlyIfHeldHere}, only while this node holds
     * the seat (a session that went away may have been recovered on another node meanwhile).
     */
    private CompletionStage<Void> leaveSeat(Session session, LeaveReason reason, boolean onlyIfHeldHere) {
        String roomId = session.roomId();
        if (roomId == null) {
            return completedFuture(null);
        }
        forgetSeat(session);
        CompletionStage<Optional<Participant>> release = onlyIfHeldHere
                ? store.leaveIfHeldBy(roomId, session.socketId(), nodeId)
                : store.leave(roomId, session.socketId());
        return release.thenCompose(left -> {
            if (left.isEmpty()) {
                return completedFuture(null);
            }
            log.info("Socket {} left room {} ({})", session.socketId(), roomId, reason);
            return notices.userLeft(roomId, left.get(), reason);
        });
    }

    /** Forgets the seat on this node only (the store already released it, or is about to). */
    public void forgetSeat(Session session) {
        sessions.unseat(session).ifPresent(this::lastLocalLeft);
    }

    /**
     * A local session no longer sits in (or joins) {@code roomId}: stop receiving its events unless another local
     * session sits in it or is joining it (see {@link Subscriptions}).
     */
    void lastLocalLeft(String roomId) {
        subscriptions.stopIfUnused(roomId);
    }

    /** Takes a waiting socket out of the queue and tells the host. */
    public CompletionStage<Void> cancelWaiting(Session session) {
        String roomId = session.waitingRoomId();
        if (roomId == null) {
            return completedFuture(null);
        }
        sessions.waitIn(session, null);
        return cancelWaitingIn(roomId, session.socketId());
    }

    /** A socket's transport is gone for good: release what it held. */
    public CompletionStage<Void> disconnected(Session session) {
        session.cancelExpiry();
        // closed before the seat is read: a join of this socket that seats it after this read sees it closed and
        // releases what it took (see releaseIfGone), so that no seat outlives its socket
        sessions.close(session);
        CompletionStage<Void> released = releaseAll(session);
        sessions.remove(session);
        return released;
    }

    /** Releases the seat and the waiting place of a socket that is gone. */
    private CompletionStage<Void> releaseAll(Session session) {
        String waiting = session.waitingRoomId();
        CompletionStage<Void> seat = leaveSeat(session, LeaveReason.DISCONNECTED, true);
        if (waiting == null) {
            return seat;
        }
        sessions.waitIn(session, null);
        return seat.thenCompose(nothing -> cancelWaitingIn(waiting, session.socketId()));
    }

    /**
     * A seat that an admission gave a socket of this node which is gone (it disconnected while the host admitted it):
     * releases it and tells the room, so that no seat outlives its socket.
     */
    public CompletionStage<Void> releaseAbsent(String roomId, String socketId) {
        return store.leaveIfHeldBy(roomId, socketId, nodeId).thenCompose(left -> {
            if (left.isEmpty()) {
                return completedFuture(null);
            }
            log.info("Socket {} was admitted to room {} after it went away; seat released", socketId, roomId);
            return notices.userLeft(roomId, left.get(), LeaveReason.DISCONNECTED);
        });
    }

    /** A socket seated by a node command after its cleanup began: releases what it holds now. */
    public CompletionStage<Void> releaseGone(Session session) {
        return releaseAll(session);
    }

    /**
     * A join that completed for a socket that is gone meanwhile (its cleanup ran outside its lane: a recovery
     * window that expired, a node command): releases what the join took, then answers as the join would have.
     */
    <T> CompletionStage<T> releaseIfGone(Session session, T answer) {
        if (!session.closed()) {
            return completedFuture(answer);
        }
        log.info("Socket {} went away while its join was in flight; releasing what the join took", session.socketId());
        return releaseAll(session).thenApply(nothing -> answer);
    }

    private CompletionStage<Void> cancelWaitingIn(String roomId, String socketId) {
        return store.removeWaiting(roomId, socketId)
                .thenCompose(removed ->
                        removed.isEmpty() ? completedFuture(null) : notices.waitingCancelled(roomId, socketId));
    }
}
