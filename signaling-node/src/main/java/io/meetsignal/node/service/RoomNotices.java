package io.meetsignal.node.service;

import static java.util.concurrent.CompletableFuture.completedFuture;

import io.meetsignal.cluster.ClusterMessage.RosterChange;
import io.meetsignal.cluster.ClusterMessage.SocketAction;
import io.meetsignal.cluster.ClusterStore;
import io.meetsignal.cluster.JoinOutcome;
import io.meetsignal.cluster.JoinRefusal;
import io.meetsignal.cluster.Participant;
import io.meetsignal.cluster.Room;
import io.meetsignal.cluster.Seat;
import io.meetsignal.node.protocol.DisconnectReason;
import io.meetsignal.node.protocol.LeaveReason;
import io.meetsignal.node.protocol.ServerEvent;
import io.meetsignal.node.protocol.ServerEvent.ForceDisconnect;
import io.meetsignal.node.protocol.ServerEvent.JoinError;
import io.meetsignal.node.protocol.ServerEvent.ParticipantWaitingCancelled;
import io.meetsignal.node.protocol.ServerEvent.UserJoined;
import io.meetsignal.node.protocol.ServerEvent.UserLeft;
import io.meetsignal.node.protocol.Views.ParticipantInfo;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The room notifications that more than one job sends ({@code user-joined}, {@code user-left},
 * {@code participant-waiting-cancelled}, a room's end), each sent from one place so that a join, an admission, a
 * departure and a lost node send them alike.
 */
final class RoomNotices {

    private static final Logger log = LoggerFactory.getLogger(RoomNotices.class);

    private final ClusterStore store;
    private final Delivery delivery;

    RoomNotices(ClusterStore store, Delivery delivery) {
        this.store = store;
        this.delivery = delivery;
    }

    Delivery delivery() {
        return delivery;
    }

    /** Tells the room about a new seat, and the replaced socket (same user) that it lost its seat. */
    CompletionStage<Void> seatAnnounced(JoinOutcome.Seated seated) {
        Room room = seated.room();
        Participant self = seated.self();
        CompletionStage<Void> done = completedFuture(null);
        Participant replaced = seated.replaced();
        if (replaced != null) {
            log.info(
                    "Socket {} replaces socket {} of the same user in room {}",
                    self.socketId(),
                    replaced.socketId(),
                    room.id());
            done = userLeft(room.id(), replaced, LeaveReason.REPLACED)
                    .thenCompose(nothing -> delivery.toSeat(
                            room.id(),
                            replaced.socketId(),
                            new ForceDisconnect(DisconnectReason.REPLACED),
                            SocketAction.UNSEAT_AND_DISCONNECT));
        }
        if (seated.rejoin()) {
            return done;
        }
        return done.thenCompose(nothing -> delivery.toRoom(
                room.id(),
                self.socketId(),
                new UserJoined(ParticipantInfo.of(self, room)),
                new RosterChange(self, null)));
    }

    /** Tells the room that a participant's seat is gone, and why; the roster drops it on every node. */
    CompletionStage<Void> userLeft(String roomId, Participant p, LeaveReason reason) {
        return delivery.toRoom(
                roomId,
                p.socketId(),
                new UserLeft(p.socketId(), p.userId(), reason),
                new RosterChange(null, p.socketId()));
    }

    /** Tells the host of a room (when it still exists) that a socket left its waiting room. */
    CompletionStage<Void> waitingCancelled(String roomId, String socketId) {
        return store.roomById(roomId)
                .thenCompose(
                        room -> room.map(r -> waitingCancelled(r, socketId)).orElse(completedFuture(null)));
    }

    CompletionStage<Void> waitingCancelled(Room room, String socketId) {
        return toHosts(room, new ParticipantWaitingCancelled(socketId));
    }

    /** Sends an event to every seat of the room's host (one user may hold one seat, but be safe). */
    CompletionStage<Void> toHosts(Room room, ServerEvent event) {
        if (room.hostId() == null) {
            return completedFuture(null);
        }
        return store.participants(room.id()).thenCompose(participants -> {
            CompletionStage<Void> all = completedFuture(null);
            for (Participant p : participants) {
                if (room.isHost(p.userId())) {
                    all = all.thenCompose(
                            nothing -> delivery.toSeat(room.id(), p.socketId(), event, SocketAction.NONE));
                }
            }
            return all;
        });
    }

    /** Tells every socket that an ended room released: waiting ones get a join-error, seated ones are disconnected. */
    CompletionStage<Void> roomEnded(String roomId, List<Seat> released) {
        CompletionStage<Void> all = completedFuture(null);
        for (Seat seat : released) {
            Participant p = seat.participant();
            all = all.thenCompose(nothing -> seat.waiting()
                    ? delivery.toSocket(
                            p.nodeId(), p.socketId(), roomId, JoinError.of(JoinRefusal.ENDED), SocketAction.UNSEAT)
                    : delivery.toSeat(
                            roomId,
                            p.socketId(),
                            new ForceDisconnect(DisconnectReason.ROOM_ENDED),
                            SocketAction.UNSEAT_AND_DISCONNECT));
        }
        return all;
    }
}
