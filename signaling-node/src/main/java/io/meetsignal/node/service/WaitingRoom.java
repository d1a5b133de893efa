package io.meetsignal.node.service;

import static java.util.concurrent.CompletableFuture.completedFuture;

import io.meetsignal.cluster.ClusterMessage.SocketAction;
import io.meetsignal.cluster.ClusterStore;
import io.meetsignal.cluster.JoinOutcome;
import io.meetsignal.cluster.JoinRefusal;
import io.meetsignal.cluster.Participant;
import io.meetsignal.cluster.Room;
import io.meetsignal.node.protocol.Refusals;
import io.meetsignal.node.protocol.Requests.HostTarget;
import io.meetsignal.node.protocol.ServerEvent.JoinError;
import io.meetsignal.node.protocol.ServerEvent.RoomJoined;
import io.meetsignal.node.session.Session;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The host's side of the waiting room: admitting and denying the sockets that wait for it. */
public final class WaitingRoom {

    private static final Logger log = LoggerFactory.getLogger(WaitingRoom.class);

    private final ClusterStore store;
    private final HostControls host;
    private final RoomNotices notices;
    private final Delivery delivery;

    WaitingRoom(ClusterStore store, HostControls host, RoomNotices notices) {
        this.store = store;
        this.host = host;
        this.notices = notices;
        this.delivery = notices.delivery();
    }

    public CompletionStage<Outcome> admit(Session session, HostTarget request) {
        return host.hostRoom(session, request.roomId())
                .thenCompose(room -> store.admit(room.id(), request.participantId())
                        .thenCompose(outcome -> {
                            if (outcome instanceof JoinOutcome.Refused refused) {
                                if (refused.reason() == JoinRefusal.FULL) {
                                    return turnAwayFull(session, room, request.participantId());
                                }
                                throw refused.reason() == JoinRefusal.ENDED
                                        ? Refusals.notInRoom()
                                        : Refusals.targetNotFound();
                            }
                            return completedFuture(outcome);
                        }))
                .thenCompose(outcome -> {
                    JoinOutcome.Seated seated = (JoinOutcome.Seated) outcome;
                    Room room = seated.room();
                    Participant joiner = seated.self();
                    log.info("Host {} admitted {} to room {}", session.socketId(), joiner.socketId(), room.id());
                    // the room hears user-joined before the joiner's node seats it: should the joiner be gone by then,
                    // that node's user-left for the seat comes after the user-joined (PROTOCOL.md §7, no phantom seats)
                    return notices.seatAnnounced(seated)
                            .thenCompose(nothing -> delivery.toSocket(
                                    joiner.nodeId(),
                                    joiner.socketId(),
                                    room.id(),
                                    RoomJoined.of(seated),
                                    SocketAction.SEAT));
                })
                .thenApply(nothing -> Outcome.DONE);
    }

    /**
     * The host admitted a joiner into a room that filled up while it waited: the joiner leaves the queue and hears
     * {@code join-error} "Room is full", the host gets {@code participant-waiting-cancelled} and a refused ack naming
     * the reason ({@code NOT_ALLOWED} "Room is full"). Nobody is seated, nobody sees a {@code user-joined}.
     */
    private CompletionStage<JoinOutcome> turnAwayFull(Session host, Room room, String socketId) {
        return store.removeWaiting(room.id(), socketId)
                .thenCompose(removed -> {
                    if (removed.isEmpty()) {
                        // it left the queue meanwhile (or another admission took it): nothing to tell it
                        return completedFuture(null);
                    }
                    Participant joiner = removed.get();
                    log.info(
                            "Host {} admitted {} into full room {}; it leaves the queue",
                            host.socketId(),
                            socketId,
                            room.id());
                    return delivery.toSocket(
                                    joiner.nodeId(),
                                    joiner.socketId(),
                                    room.id(),
                                    JoinError.of(JoinRefusal.FULL),
                                    SocketAction.UNSEAT)
                            .thenCompose(nothing -> notices.waitingCancelled(room, joiner.socketId()));
                })
                .thenApply(nothing -> {
                    throw Refusals.admittedIntoFullRoom();
                });
    }

    public CompletionStage<Outcome> deny(Session session, HostTarget request) {
        return host.hostRoom(session, request.roomId())
                .thenCompose(room -> store.removeWaiting(room.id(), request.participantId()))
                .thenCompose(removed -> {
                    Participant joiner = removed.orElseThrow(Refusals::targetNotFound);
                    log.info("Host {} denied {} in room {}", session.socketId(), joiner.socketId(), request.roomId());
                    return delivery.toSocket(
                            joiner.nodeId(),
                            joiner.socketId(),
                            request.roomId(),
                            JoinError.of(JoinRefusal.DENIED),
                            SocketAction.UNSEAT);
                })
                .thenApply(nothing -> Outcome.DONE);
    }
}
