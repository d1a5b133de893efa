package io.meetsignal.node.service;

import static io.meetsignal.node.protocol.Events.USER_JOINED;
import static io.meetsignal.node.protocol.Events.USER_LEFT;
import static java.util.concurrent.CompletableFuture.completedFuture;

import com.fasterxml.jackson.databind.JsonNode;
import io.meetsignal.cluster.ClusterStore;
import io.meetsignal.cluster.JoinOutcome;
import io.meetsignal.cluster.JoinRefusal;
import io.meetsignal.cluster.JoinRequest;
import io.meetsignal.cluster.Offsets;
import io.meetsignal.cluster.Participant;
import io.meetsignal.cluster.Room;
import io.meetsignal.cluster.RoomCodes;
import io.meetsignal.cluster.RoomSettings;
import io.meetsignal.node.protocol.Json;
import io.meetsignal.node.protocol.LeaveReason;
import io.meetsignal.node.protocol.Refusals;
import io.meetsignal.node.protocol.Requests.JoinRoom;
import io.meetsignal.node.protocol.ServerEvent.ParticipantWaiting;
import io.meetsignal.node.protocol.ServerEvent.RoomJoined;
import io.meetsignal.node.protocol.ServerEvent.WaitingForHost;
import io.meetsignal.node.protocol.Views.ParticipantInfo;
import io.meetsignal.node.session.Session;
import io.meetsignal.node.session.SessionRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Joining a room: subscribing before the roster is read, seating or queueing the socket, and filtering what was held
 * for it while the join was in flight.
 */
public final class Joining {

    private static final Logger log = LoggerFactory.getLogger(Joining.class);

    private final ClusterStore store;
    private final SessionRegistry sessions;
    private final Rosters rosters;
    private final Subscriptions subscriptions;
    private final RoomNotices notices;
    private final Departures departures;
    private final RoomAdmin admin;
    private final String nodeId;
    private final boolean autoCreate;
    private final Clock clock;

    Joining(
            ClusterStore store,
            SessionRegistry sessions,
            Rosters rosters,
            Subscriptions subscriptions,
            RoomNotices notices,
            Departures departures,
            RoomAdmin admin,
            String nodeId,
            boolean autoCreate,
            Clock clock) {
        this.store = store;
        this.sessions = sessions;
        this.rosters = rosters;
        this.subscriptions = subscriptions;
        this.notices = notices;
        this.departures = departures;
        this.admin = admin;
        this.nodeId = nodeId;
        this.autoCreate = autoCreate;
        this.clock = clock;
    }

    /** Seats (or queues) the session; a refused join fails the stage with {@code JOIN_FAILED}. */
    public CompletionStage<Outcome> join(Session session, JoinRoom request) {
        Optional<String> code = RoomCodes.normalize(request.roomCode());
        if (code.isEmpty()) {
            return Stages.failed(Refusals.joinFailed(JoinRefusal.INVALID_CODE));
        }
        String key = code.get();
        CompletionStage<Void> ready = completedFuture(null);
        if (session.roomId() != null && !key.equals(session.roomCodeKey())) {
            ready = departures.leaveSeat(session, LeaveReason.LEFT);
        } else if (session.waitingRoomId() != null) {
            ready = departures.cancelWaiting(session);
        }
        Participant candidate = new Participant(
                session.socketId(),
                session.userId(),
                request.displayName() != null
                        ? request.displayName()
                        : session.identity().displayName(),
                nodeId,
                false,
                false,
                false,
                false,
                clock.instant());
        Room template = autoCreate
                ? admin.newRoom(
                        request.roomCode().strip().toLowerCase(Locale.ROOT),
                        null,
                        session.userId(),
                        RoomSettings.DEFAULTS)
                : null;
        // every step that touches the session runs on its loop (Session): the store's answers hop there
        return session.thenOnLoop(ready.thenCompose(nothing -> store.roomByCode(key)), known -> {
                    // the room this join will most likely seat in: subscribe before the join reads its roster
                    String expected = known.map(Room::id).orElse(template == null ? null : template.id());
                    CompletionStage<Void> subscribed = completedFuture(null);
                    if (expected != null) {
                        sessions.beginJoin(session, expected);
                        subscribed = subscribe(expected);
                    }
                    CompletionStage<JoinOutcome> outcome = subscribed.thenCompose(
                            nothing -> store.join(new JoinRequest(key, candidate, template, session.recoveryKey())));
                    CompletionStage<JoinOutcome> seatedWhere =
                            session.thenOnLoop(outcome, joined -> subscribedTo(session, joined, expected));
                    CompletionStage<Outcome> answered =
                            session.thenOnLoop(seatedWhere, joined -> onJoinOutcome(session, key, joined));
                    return session.onLoop(
                                    session.thenOnLoop(answered, answer -> departures.releaseIfGone(session, answer)))
                            .whenComplete((answer, failure) -> {
                                // this join no longer counts as in flight before the node decides to unsubscribe
                                stopHolding(session);
                                if (expected != null && !expected.equals(session.roomId())) {
                                    departures.lastLocalLeft(expected);
                                }
                            });
                })
                .whenComplete((answer, failure) -> stopHolding(session));
    }

    /** Ends a join in flight that did not seat the socket: nothing more is held for it. */
    private void stopHolding(Session session) {
        String holding = session.joiningRoomId();
        if (holding != null) {
            sessions.endJoin(session, holding);
            session.abandonJoin();
        }
    }

    /**
     * A seat in a room this node did not subscribe to before the join (another node created the room at the
     * same moment): subscribe now and read the roster again, so that nobody who joined in between is missed.
     */
    private CompletionStage<JoinOutcome> subscribedTo(Session session, JoinOutcome outcome, String expected) {
        if (!(outcome instanceof JoinOutcome.Seated seated)
                || seated.room().id().equals(expected)) {
            return completedFuture(outcome);
        }
        String roomId = seated.room().id();
        stopHolding(session);
        sessions.beginJoin(session, roomId);
        return subscribe(roomId)
                .thenCompose(nothing -> store.participants(roomId))
                .thenApply(all -> {
                    List<Participant> others = all.stream()
                            .filter(p -> !p.socketId().equals(seated.self().socketId()))
                            .toList();
                    return new JoinOutcome.Seated(
                            seated.room(),
                            seated.self(),
                            others,
                            seated.history(),
                            seated.waiting(),
                            seated.replaced(),
                            seated.rejoin(),
                            seated.offset());
                });
    }

    /** Starts receiving a room's events before its roster is read, so that no change falls in between. */
    private CompletionStage<Void> subscribe(String roomId) {
        return subscriptions.listen(roomId);
    }

    private CompletionStage<Outcome> onJoinOutcome(Session session, String key, JoinOutcome outcome) {
        if (outcome instanceof JoinOutcome.Refused refused) {
            return Stages.failed(Refusals.joinFailed(refused.reason()));
        }
        if (outcome instanceof JoinOutcome.Waiting waiting) {
            Room room = waiting.room();
            sessions.waitIn(session, room.id());
            session.send(new WaitingForHost(room.id()));
            log.info("Socket {} waits for the host of room {}", session.socketId(), room.id());
            return notices.toHosts(room, new ParticipantWaiting(ParticipantInfo.of(waiting.self(), room)))
                    .thenApply(nothing -> new Outcome.Queued(room.id()));
        }
        JoinOutcome.Seated seated = (JoinOutcome.Seated) outcome;
        Outcome.Seated joined = Outcome.Seated.of(seatLocally(session, key, seated));
        return session.thenOnLoop(notices.seatAnnounced(seated), nothing -> {
            Set<String> known = new HashSet<>();
            seated.others().forEach(p -> known.add(p.socketId()));
            sessions.endJoin(session, seated.room().id());
            String offset = seated.offset();
            session.joinOffset(offset);
            session.completeJoin(
                    () -> session.send(joined.joined().event(), joined.json(), offset),
                    held -> stillNews(held, known, offset));
            return completedFuture((Outcome) joined);
        });
    }

    /**
     * Whether a room event held during a join tells the client something that {@code room-joined} did not: one
     * logged before the join's snapshot ({@code offset}) does not, nor does a {@code user-joined} of someone
     * already listed or a {@code user-left} of someone never listed.
     */
    private static boolean stillNews(Session.Held held, Set<String> listed, String offset) {
        if (held.offset() != null && Offsets.compare(held.offset(), offset) <= 0) {
            return false;
        }
        boolean joinedEvent = USER_JOINED.equals(held.event());
        if (!joinedEvent && !USER_LEFT.equals(held.event())) {
            return true;
        }
        try {
            JsonNode payload = Json.MAPPER.readTree(held.payload());
            String socketId = joinedEvent
                    ? payload.path("participant").path("socketId").asText()
                    : payload.path("socketId").asText();
            return joinedEvent != listed.contains(socketId);
        } catch (Exception e) {
            return true;
        }
    }

    /** Records a seat on this node and builds the {@code room-joined} body. */
    private RoomJoined seatLocally(Session session, String key, JoinOutcome.Seated seated) {
        Room room = seated.room();
        session.displayName(seated.self().displayName());
        sessions.seat(session, room.id(), key);
        subscriptions.listen(room.id());
        List<Participant> everyone = new ArrayList<>(seated.others());
        everyone.add(seated.self());
        rosters.seed(room.id(), everyone);
        rosters.remember(room);
        if (!seated.rejoin()) {
            log.info("Socket {} joined room {}", session.socketId(), room.id());
        }
        return RoomJoined.of(seated);
    }
}
