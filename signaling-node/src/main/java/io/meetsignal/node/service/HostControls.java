package io.meetsignal.node.service;

import io.meetsignal.cluster.ClusterMessage.RosterChange;
import io.meetsignal.cluster.ClusterMessage.SocketAction;
import io.meetsignal.cluster.ClusterStore;
import io.meetsignal.cluster.MediaChange;
import io.meetsignal.cluster.Participant;
import io.meetsignal.cluster.Room;
import io.meetsignal.cluster.Seat;
import io.meetsignal.node.protocol.DisconnectReason;
import io.meetsignal.node.protocol.LeaveReason;
import io.meetsignal.node.protocol.Refusals;
import io.meetsignal.node.protocol.Requests.Flag;
import io.meetsignal.node.protocol.Requests.HostTarget;
import io.meetsignal.node.protocol.Requests.RoomRef;
import io.meetsignal.node.protocol.ServerEvent.ForceDisconnect;
import io.meetsignal.node.protocol.ServerEvent.ForceMute;
import io.meetsignal.node.protocol.ServerEvent.RoomLocked;
import io.meetsignal.node.protocol.ServerEvent.UserToggleAudio;
import io.meetsignal.node.session.Session;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What the host of a room may do to it from a socket: mute, remove, lock, end. */
public final class HostControls {

    private static final Logger log = LoggerFactory.getLogger(HostControls.class);

    private final ClusterStore store;
    private final Rosters rosters;
    private final RoomNotices notices;
    private final Delivery delivery;

    HostControls(ClusterStore store, Rosters rosters, RoomNotices notices) {
        this.store = store;
        this.rosters = rosters;
        this.notices = notices;
        this.delivery = notices.delivery();
    }

    /** The room the session sits in, when it is {@code roomId} and the session is its host. */
    CompletionStage<Room> hostRoom(Session session, String roomId) {
        if (!roomId.equals(session.roomId())) {
            return Stages.failed(Refusals.notInRoom());
        }
        return store.roomById(roomId)
                .thenApply(room -> HostCheck.requireHost(
                        room.filter(Room::active).orElseThrow(Refusals::notInRoom), session.userId()));
    }

    private Participant seatedTarget(String roomId, String participantId) {
        return rosters.find(roomId, participantId).orElseThrow(Refusals::targetNotFound);
    }

    public CompletionStage<Outcome> mute(Session session, HostTarget request) {
        return hostRoom(session, request.roomId())
                .thenCompose(room -> {
                    Participant target = seatedTarget(room.id(), request.participantId());
                    return store.updateMedia(room.id(), target.socketId(), MediaChange.AUDIO, false)
                            .thenCompose(updated -> {
                                if (updated.isEmpty()) {
                                    throw Refusals.targetNotFound();
                                }
                                log.info(
                                        "Host {} muted {} in room {}",
                                        session.socketId(),
                                        target.socketId(),
                                        room.id());
                                return delivery.toSeat(room.id(), target.socketId(), new ForceMute(), SocketAction.NONE)
                                        .thenCompose(nothing -> delivery.toRoom(
                                                room.id(),
                                                null,
                                                new UserToggleAudio(target.socketId(), false),
                                                new RosterChange(updated.get(), null)));
                            });
                })
                .thenApply(nothing -> Outcome.DONE);
    }

    public CompletionStage<Outcome> remove(Session session, HostTarget request) {
        return hostRoom(session, request.roomId())
                .thenCompose(room -> {
                    Participant target = seatedTarget(room.id(), request.participantId());
                    return store.removeAndBan(room.id(), target.socketId()).thenCompose(removed -> {
                        if (removed.isEmpty()) {
                            throw Refusals.targetNotFound();
                        }
                        log.info("Host {} removed {} from room {}", session.socketId(), target.socketId(), room.id());
                        return notices.userLeft(room.id(), removed.get(), LeaveReason.REMOVED)
                                .thenCompose(nothing -> delivery.toSeat(
                                        room.id(),
                                        target.socketId(),
                                        new ForceDisconnect(DisconnectReason.REMOVED),
                                        SocketAction.UNSEAT_AND_DISCONNECT));
                    });
                })
                .thenApply(nothing -> Outcome.DONE);
    }

    public CompletionStage<Outcome> lock(Session session, Flag request) {
        return hostRoom(session, request.roomId())
                .thenCompose(room -> store.setLocked(room.id(), request.value()))
                .thenCompose(updated -> {
                    Room room = updated.orElseThrow(Refusals::notInRoom);
                    log.info(
                            "Host {} {} room {}",
                            session.socketId(),
                            request.value() ? "locked" : "unlocked",
                            room.id());
                    return delivery.toRoom(room.id(), session.socketId(), new RoomLocked(request.value()));
                })
                .thenApply(nothing -> Outcome.DONE);
    }

    public CompletionStage<Outcome> end(Session session, RoomRef request) {
        // the room has ended in the store before the ack goes out, so that whatever reads it after the ack (a REST
        // GET on any node) sees it ended; the host is disconnected with everyone else, so the room's sockets are
        // told only after the ack
        return hostRoom(session, request.roomId())
                .thenCompose(room -> store.endRoom(room.id()).thenApply(released -> {
                    List<Seat> seats = released.orElseThrow(Refusals::notInRoom);
                    log.info(
                            "Room {} ended by host {}; {} sockets released",
                            room.id(),
                            session.socketId(),
                            seats.size());
                    return new Outcome.DoneThen(() -> notices.roomEnded(room.id(), seats)
                            .whenComplete((nothing, failure) -> {
                                if (failure != null) {
                                    log.warn(
                                            "Telling the sockets of ended room {} failed: {}",
                                            room.id(),
                                            failure.toString());
                                }
                            }));
                }));
    }
}
