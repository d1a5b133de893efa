package io.meetsignal.node.service;

import io.meetsignal.cluster.ClusterBus;
import io.meetsignal.cluster.ClusterMessage;
import io.meetsignal.cluster.ClusterStore;
import io.meetsignal.cluster.RoomCodes;
import io.meetsignal.node.protocol.Json;
import io.meetsignal.node.session.Session;
import io.meetsignal.node.session.SessionRegistry;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Delivers messages from the bus to the sockets of this node. */
public final class Dispatcher implements Consumer<ClusterMessage> {

    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

    private final SessionRegistry sessions;
    private final Rosters rosters;
    private final ClusterStore store;
    private final ClusterBus bus;
    private final RoomService rooms;

    public Dispatcher(
            SessionRegistry sessions, Rosters rosters, ClusterStore store, ClusterBus bus, RoomService rooms) {
        this.sessions = sessions;
        this.rosters = rosters;
        this.store = store;
        this.bus = bus;
        this.rooms = rooms;
    }

    @Override
    public void accept(ClusterMessage message) {
        if (message instanceof ClusterMessage.RoomEvent event) {
            onRoomEvent(event);
        } else if (message instanceof ClusterMessage.SeatEvent event) {
            onSeatEvent(event);
        } else if (message instanceof ClusterMessage.SocketEvent event) {
            onSocketEvent(event);
        }
    }

    /**
     * Hands a room event to every local session seated in the room or joining it, once each. The joining ones are
     * read first: a session becomes seated before its join ends, so one that moves over while this runs is in
     * one of the two reads (read the other way round, a join that completed in between was in neither, and its
     * participant missed the event). Each session decides itself whether to send, hold or drop it.
     */
    private void onRoomEvent(ClusterMessage.RoomEvent event) {
        String roomId = event.roomId();
        if (event.roster() != null) {
            rosters.apply(roomId, event.roster());
        }
        Collection<Session> joining = sessions.joining(roomId);
        Set<Session> reached = null;
        if (!joining.isEmpty()) {
            reached = new HashSet<>();
            for (Session session : joining) {
                reached.add(session);
                roomEvent(session, event);
            }
        }
        for (Session session : sessions.inRoom(roomId)) {
            if (reached == null || !reached.contains(session)) {
                roomEvent(session, event);
            }
        }
    }

    private static void roomEvent(Session session, ClusterMessage.RoomEvent event) {
        if (!session.socketId().equals(event.exceptSocketId())) {
            session.roomEvent(event.roomId(), event.event(), event.payload(), event.offset());
        }
    }

    /** An event for one seated socket: delivered (or held) like the room's events, then the action applies. */
    private void onSeatEvent(ClusterMessage.SeatEvent event) {
        Session session = sessions.bySocketId(event.socketId()).orElse(null);
        if (session == null || !event.roomId().equals(session.roomId())) {
            return;
        }
        // on the session's loop, the event first, then what it does to the session
        session.onLoop(() -> {
            session.roomEvent(event.roomId(), event.event(), event.payload(), event.offset());
            act(session, event.roomId(), event.action());
        });
    }

    private void act(Session session, String roomId, ClusterMessage.SocketAction action) {
        switch (action) {
            case NONE, SEAT -> {}
            case UNSEAT -> unseat(session, roomId);
            case UNSEAT_AND_DISCONNECT -> {
                unseat(session, roomId);
                ended(session);
            }
            case HANDED_OVER -> handedOver(session, roomId);
        }
    }

    /** The session ends for good: a detached one is dropped here, a connected one is disconnected. */
    private void ended(Session session) {
        if (session.detached()) {
            session.cancelExpiry();
            sessions.remove(session);
        } else {
            session.disconnect();
        }
    }

    /** The socket was recovered on another node, which holds its seat now: forget it here, quietly. */
    private void handedOver(Session session, String roomId) {
        log.info("Socket {} was recovered on another node; forgetting it here", session.socketId());
        session.cancelExpiry();
        if (roomId.equals(session.roomId())) {
            rooms.departures().forgetSeat(session);
        }
        sessions.remove(session);
        if (!session.detached()) {
            session.disconnect();
        }
    }

    private void onSocketEvent(ClusterMessage.SocketEvent event) {
        Session session = sessions.bySocketId(event.socketId()).orElse(null);
        if (session == null || session.closed()) {
            log.debug("No local socket {} for {}", event.socketId(), event.event());
            if (event.action() == ClusterMessage.SocketAction.SEAT) {
                // admitted while it went away: the seat must not outlive the socket
                released(rooms.departures().releaseAbsent(event.roomId(), event.socketId()), event.socketId());
            }
            return;
        }
        session.onLoop(() -> {
            switch (event.action()) {
                case SEAT -> seat(session, event);
                default -> {
                    deliver(session, event);
                    act(session, event.roomId(), event.action());
                }
            }
        });
    }

    private static void deliver(Session session, ClusterMessage.SocketEvent event) {
        if (event.event() != null) {
            session.send(event.event(), event.payload());
        }
    }

    private void unseat(Session session, String roomId) {
        if (roomId.equals(session.roomId())) {
            rooms.departures().forgetSeat(session);
        }
        if (roomId.equals(session.waitingRoomId())) {
            sessions.waitIn(session, null);
        }
    }

    private static void released(java.util.concurrent.CompletionStage<Void> release, String socketId) {
        release.whenComplete((nothing, failure) -> {
            if (failure != null) {
                log.warn("Releasing the seat of gone socket {} failed: {}", socketId, failure.toString());
            }
        });
    }

    /** An admitted socket (on its loop): seat it here, learn the room's roster, then hand it {@code room-joined}. */
    private void seat(Session session, ClusterMessage.SocketEvent event) {
        String roomId = event.roomId();
        String codeKey = null;
        try {
            codeKey = RoomCodes.normalize(Json.MAPPER
                            .readTree(event.payload())
                            .path("roomCode")
                            .asText(null))
                    .orElse(null);
        } catch (Exception e) {
            log.warn("Unreadable room-joined payload for socket {}", session.socketId(), e);
        }
        sessions.beginJoin(session, roomId);
        sessions.seat(session, roomId, codeKey);
        if (session.closed()) {
            // its cleanup began meanwhile and may have read no seat: release this one here
            sessions.endJoin(session, roomId);
            session.abandonJoin();
            released(rooms.departures().releaseGone(session), session.socketId());
            return;
        }
        CompletionStage<Void> listening = rooms.subscriptions().listen(roomId);
        store.roomById(roomId).thenAccept(room -> room.ifPresent(rosters::remember));
        session.onLoop(listening.thenCompose(subscribed -> store.participants(roomId)))
                .whenComplete((participants, failure) -> {
                    if (participants != null) {
                        rosters.seed(roomId, participants);
                    }
                    sessions.endJoin(session, roomId);
                    session.completeJoin(() -> deliver(session, event), held -> true);
                });
    }
}
