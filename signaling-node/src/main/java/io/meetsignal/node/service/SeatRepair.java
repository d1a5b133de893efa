package io.meetsignal.node.service;

import static java.util.concurrent.CompletableFuture.completedFuture;

import io.meetsignal.cluster.ClusterStore;
import io.meetsignal.cluster.Participant;
import io.meetsignal.cluster.Room;
import io.meetsignal.cluster.Seat;
import io.meetsignal.node.protocol.LeaveReason;
import io.meetsignal.node.session.Session;
import io.meetsignal.node.session.SessionRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Repairs the shared state after a loss: puts back this node's seats when Redis came back empty, and tells the
 * rooms about the seats a lost node's sockets held. {@link NodeLiveness} decides when.
 */
public final class SeatRepair {

    private final ClusterStore store;
    private final SessionRegistry sessions;
    private final Rosters rosters;
    private final RoomNotices notices;

    SeatRepair(ClusterStore store, SessionRegistry sessions, Rosters rosters, RoomNotices notices) {
        this.store = store;
        this.sessions = sessions;
        this.rosters = rosters;
        this.notices = notices;
    }

    /**
     * Puts back the rooms and seats of this node's live sockets after the shared state lost them (Redis
     * restarted empty), media state included (rosters follow every toggle). Chat history is gone.
     */
    public CompletionStage<Integer> restoreLocalSeats() {
        CompletionStage<Integer> total = completedFuture(0);
        for (String roomId : sessions.roomIds()) {
            Optional<Room> room = rosters.room(roomId);
            if (room.isEmpty()) {
                continue;
            }
            List<Participant> mine = new ArrayList<>();
            for (Session local : sessions.inRoom(roomId)) {
                rosters.find(roomId, local.socketId()).ifPresent(mine::add);
            }
            total = total.thenCompose(sum -> store.restore(room.get(), mine).thenApply(n -> sum + n));
        }
        return total;
    }

    /** Tells the rooms about seats that were released for a socket that is gone (its node died). */
    public CompletionStage<Void> announceReleased(List<Seat> released, LeaveReason reason) {
        CompletionStage<Void> all = completedFuture(null);
        for (Seat seat : released) {
            Participant p = seat.participant();
            all = all.thenCompose(nothing -> seat.waiting()
                    ? notices.waitingCancelled(seat.roomId(), p.socketId())
                    : notices.userLeft(seat.roomId(), p, reason));
        }
        return all;
    }
}
