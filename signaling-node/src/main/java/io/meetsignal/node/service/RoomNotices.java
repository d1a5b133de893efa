package io.meetsignal.node.service;

import static io.meetsignal.node.protocol.Events.FORCE_DISCONNECT;
import static io.meetsignal.node.protocol.Events.JOIN_ERROR;
import static io.meetsignal.node.protocol.Events.PARTICIPANT_WAITING_CANCELLED;
import static io.meetsignal.node.protocol.Events.USER_JOINED;
import static io.meetsignal.node.protocol.Events.USER_LEFT;
import static java.util.concurrent.CompletableFuture.completedFuture;

import io.meetsignal.cluster.ClusterMessage.RosterChange;
import io.meetsignal.cluster.ClusterMessage.SocketAction;
import io.meetsignal.cluster.ClusterStore;
import io.meetsignal.cluster.JoinOutcome;
import io.meetsignal.cluster.JoinRefusal;
import io.meetsignal.cluster.Participant;
import io.meetsignal.cluster.Room;
import io.meetsignal.cluster.Seat;
import io.meetsignal.node.protocol.ErrorCode;
import io.meetsignal.node.protocol.Payload;
import io.meetsignal.node.protocol.Views.ParticipantInfo;
import io.meetsignal.node.protocol.Views.RoomJoined;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The room notifications that more than one job sends ({@code room-joined}, {@code user-joined}, {@code user-left},
 * {@code participant-waiting-cancelled}), each built in one place so that a join, an admission, a departure and a
 * lost node word them alike.
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

    /** The {@code room-joined} body for a seat; the waiting list only for the host. */
    static RoomJoined roomJoined(JoinOutcome.Seated seated) {
        Room room = seated.room();
        boolean host = room.isHost(seated.self().userId());
        return new RoomJoined(room.id(), room.code(), host, ParticipantInfo.of(seated.others(), room),
                seated.history(), room.settings(), host ? ParticipantInfo.of(seated.waiting(), room) : null);
    }

    /** Tells the room about a new seat, and the replaced socket (same user) that it lost its seat. */
    CompletionStage<Void> seatAnnounced(JoinOutcome.Seated seated) {
        Room room = seated.room();
        Participant self = seated.self();
        CompletionStage<Void> done = completedFuture(null);
        Participant replaced = seated.replaced();
        if (replaced != null) {
            log.info("Socket {} replaces socket {} of the same user in room {}", self.socketId(),
                    replaced.socketId(), room.id());
            done = userLeft(room.id(), replaced, RoomService.REASON_REPLACED)
                    .thenCompose(nothing -> delivery.toSeat(room.id(), replaced.socketId(),
                            FORCE_DISCONNECT, Payload.of("reason", "Joined from another connection"),
                            SocketAction.UNSEAT_AND_DISCONNECT));
        }
        if (seated.rejoin()) {
            return done;
        }
        return done.thenCompose(nothing -> delivery.toRoom(room.id(), self.socketId(), USER_JOINED,
                Payload.of("participant", ParticipantInfo.of(self, room)), new RosterChange(self, null)));
    }

    /** Tells the room that a participant's seat is gone, and why; the roster drops it on every node. */
    CompletionStage<Void> userLeft(String roomId, Participant p, String reason) {
        return delivery.toRoom(roomId, p.socketId(), USER_LEFT,
                Payload.of("socketId", p.socketId(), "userId", p.userId(), "reason", reason),
                new RosterChange(null, p.socketId()));
    }

    /** Tells the host of a room (when it still exists) that a socket left its waiting room. */
    CompletionStage<Void> waitingCancelled(String roomId, String socketId) {
        return store.roomById(roomId).thenCompose(room -> room
                .map(r -> waitingCancelled(r, socketId))
                .orElse(completedFuture(null)));
    }

    CompletionStage<Void> waitingCancelled(Room room, String socketId) {
        return toHosts(room, PARTICIPANT_WAITING_CANCELLED, Payload.of("socketId", socketId));
    }

    /** Sends an event to every seat of the room's host (one user may hold one seat, but be safe). */
    CompletionStage<Void> toHosts(Room room, String event, Object payload) {
        if (room.hostId() == null) {
            return completedFuture(null);
        }
        return store.participants(room.id()).thenCompose(participants -> {
            CompletionStage<Void> all = completedFuture(null);
            for (Participant p : participants) {
                if (room.isHost(p.userId())) {
                    all = all.thenCompose(nothing -> delivery.toSeat(room.id(), p.socketId(), event, payload,
                            SocketAction.NONE));
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
                    ? delivery.toSocket(p.nodeId(), p.socketId(), roomId, JOIN_ERROR,
                            joinErrorPayload(JoinRefusal.ENDED), SocketAction.UNSEAT)
                    : delivery.toSeat(roomId, p.socketId(), FORCE_DISCONNECT,
                            Payload.of("reason", "Meeting ended by host"), SocketAction.UNSEAT_AND_DISCONNECT));
        }
        return all;
    }

    static Object joinErrorPayload(JoinRefusal reason) {
        return Payload.of("code", ErrorCode.JOIN_FAILED.name(), "message", reason.message());
    }
}
