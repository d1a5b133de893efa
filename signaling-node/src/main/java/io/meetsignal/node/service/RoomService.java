package io.meetsignal.node.service;

import static io.meetsignal.node.protocol.Events.FORCE_DISCONNECT;
import static io.meetsignal.node.protocol.Events.FORCE_MUTE;
import static io.meetsignal.node.protocol.Events.JOIN_ERROR;
import static io.meetsignal.node.protocol.Events.PARTICIPANT_WAITING;
import static io.meetsignal.node.protocol.Events.PARTICIPANT_WAITING_CANCELLED;
import static io.meetsignal.node.protocol.Events.ROOM_JOINED;
import static io.meetsignal.node.protocol.Events.ROOM_LOCKED;
import static io.meetsignal.node.protocol.Events.ROOM_SETTINGS_UPDATED;
import static io.meetsignal.node.protocol.Events.USER_JOINED;
import static io.meetsignal.node.protocol.Events.USER_LEFT;
import static io.meetsignal.node.protocol.Events.USER_TOGGLE_AUDIO;
import static io.meetsignal.node.protocol.Events.WAITING_FOR_HOST;
import static java.util.concurrent.CompletableFuture.completedFuture;

import io.meetsignal.cluster.ClusterBus;
import io.meetsignal.cluster.ClusterMessage.RosterChange;
import io.meetsignal.cluster.ClusterMessage.SocketAction;
import io.meetsignal.cluster.ClusterStore;
import io.meetsignal.cluster.JoinOutcome;
import io.meetsignal.cluster.JoinRefusal;
import io.meetsignal.cluster.JoinRequest;
import io.meetsignal.cluster.MediaChange;
import io.meetsignal.cluster.Offsets;
import io.meetsignal.cluster.Participant;
import io.meetsignal.cluster.Room;
import io.meetsignal.cluster.RoomCodes;
import io.meetsignal.cluster.RoomSettings;
import io.meetsignal.cluster.Seat;
import io.meetsignal.cluster.SettingsPatch;
import com.fasterxml.jackson.databind.JsonNode;
import io.meetsignal.node.protocol.ErrorCode;
import io.meetsignal.node.protocol.Json;
import io.meetsignal.node.protocol.Payload;
import io.meetsignal.node.protocol.ProtocolException;
import io.meetsignal.node.protocol.Requests.Flag;
import io.meetsignal.node.protocol.Requests.HostTarget;
import io.meetsignal.node.protocol.Requests.JoinRoom;
import io.meetsignal.node.protocol.Requests.RoomRef;
import io.meetsignal.node.protocol.Views.ParticipantInfo;
import io.meetsignal.node.protocol.Views.RoomJoined;
import io.meetsignal.node.session.Session;
import io.meetsignal.node.session.SessionRegistry;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Joining and leaving rooms, the waiting room, and the host's controls over a room. */
public final class RoomService {

    private static final Logger log = LoggerFactory.getLogger(RoomService.class);

    public static final String REASON_LEFT = "left";
    public static final String REASON_DISCONNECTED = "disconnected";
    public static final String REASON_REMOVED = "removed";
    public static final String REASON_REPLACED = "replaced";
    public static final String REASON_NODE_LOST = "node-lost";

    private final ClusterStore store;
    private final ClusterBus bus;
    private final Delivery delivery;
    private final SessionRegistry sessions;
    private final Rosters rosters;
    private final String nodeId;
    private final boolean autoCreate;
    private final Clock clock;

    public RoomService(ClusterStore store, ClusterBus bus, SessionRegistry sessions, Rosters rosters, String nodeId,
                       boolean autoCreate, Clock clock) {
        this.store = store;
        this.bus = bus;
        this.delivery = new Delivery(bus);
        this.sessions = sessions;
        this.rosters = rosters;
        this.nodeId = nodeId;
        this.autoCreate = autoCreate;
        this.clock = clock;
    }

    /** Thrown (as a failed stage) for every refused join; the edge answers it with {@code join-error}. */
    public static ProtocolException joinFailed(JoinRefusal reason) {
        return ProtocolException.of(ErrorCode.JOIN_FAILED, reason.message());
    }

    // ---- join and leave ---------------------------------------------------------------------------

    /** Seats (or queues) the session; completes with the acknowledgement body. */
    public CompletionStage<Object> join(Session session, JoinRoom request) {
        Optional<String> code = RoomCodes.normalize(request.roomCode());
        if (code.isEmpty()) {
            return failed(joinFailed(JoinRefusal.INVALID_CODE));
        }
        String key = code.get();
        CompletionStage<Void> ready = completedFuture(null);
        if (session.roomId() != null && !key.equals(session.roomCodeKey())) {
            ready = leaveSeat(session, REASON_LEFT);
        } else if (session.waitingRoomId() != null) {
            ready = cancelWaiting(session);
        }
        Participant candidate = new Participant(session.socketId(), session.userId(),
                request.displayName() != null ? request.displayName() : session.identity().displayName(),
                nodeId, false, false, false, false, clock.instant());
        Room template = autoCreate ? newRoom(request.roomCode().strip().toLowerCase(Locale.ROOT), null,
                session.userId(), RoomSettings.DEFAULTS) : null;
        return ready.thenCompose(nothing -> store.roomByCode(key))
                .thenCompose(known -> {
                    // the room this join will most likely seat in: subscribe before the join reads its roster
                    String expected = known.map(Room::id).orElse(template == null ? null : template.id());
                    CompletionStage<Void> subscribed = completedFuture(null);
                    if (expected != null) {
                        sessions.beginJoin(session, expected);
                        subscribed = subscribe(expected);
                    }
                    return subscribed
                            .thenCompose(nothing -> store.join(new JoinRequest(key, candidate, template, session.recoveryKey())))
                            .thenCompose(outcome -> subscribedTo(session, outcome, expected))
                            .thenCompose(outcome -> onJoinOutcome(session, key, outcome))
                            .thenCompose(answer -> releaseIfGone(session, answer))
                            .whenComplete((answer, failure) -> {
                                // this join no longer counts as in flight before the node decides to unsubscribe
                                stopHolding(session);
                                if (expected != null && !expected.equals(session.roomId())) {
                                    lastLocalLeft(expected);
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
        if (!(outcome instanceof JoinOutcome.Seated seated) || seated.room().id().equals(expected)) {
            return completedFuture(outcome);
        }
        String roomId = seated.room().id();
        stopHolding(session);
        sessions.beginJoin(session, roomId);
        return subscribe(roomId).thenCompose(nothing -> store.participants(roomId)).thenApply(all -> {
            List<Participant> others = all.stream()
                    .filter(p -> !p.socketId().equals(seated.self().socketId()))
                    .toList();
            return new JoinOutcome.Seated(seated.room(), seated.self(), others, seated.history(), seated.waiting(),
                    seated.replaced(), seated.rejoin(), seated.offset());
        });
    }

    /** Starts receiving a room's events before its roster is read, so that no change falls in between. */
    private CompletionStage<Void> subscribe(String roomId) {
        rosters.prepare(roomId);
        return bus.joinRoom(roomId);
    }

    private CompletionStage<Object> onJoinOutcome(Session session, String key, JoinOutcome outcome) {
        if (outcome instanceof JoinOutcome.Refused refused) {
            return failed(joinFailed(refused.reason()));
        }
        if (outcome instanceof JoinOutcome.Waiting waiting) {
            Room room = waiting.room();
            sessions.waitIn(session, room.id());
            session.send(WAITING_FOR_HOST, Payload.of("roomId", room.id()));
            log.info("Socket {} waits for the host of room {}", session.socketId(), room.id());
            return notifyHosts(room, PARTICIPANT_WAITING,
                    Payload.of("participant", ParticipantInfo.of(waiting.self(), room)))
                    .thenApply(nothing -> Acks.ok(Payload.of("waiting", true)));
        }
        JoinOutcome.Seated seated = (JoinOutcome.Seated) outcome;
        RoomJoined joined = seatLocally(session, key, seated);
        return announceSeat(seated).thenApply(nothing -> {
            Set<String> known = new HashSet<>();
            seated.others().forEach(p -> known.add(p.socketId()));
            sessions.endJoin(session, seated.room().id());
            String offset = seated.offset();
            session.joinOffset(offset);
            String body = Json.write(joined);
            session.completeJoin(() -> session.send(ROOM_JOINED, body, offset),
                    held -> stillNews(held, known, offset));
            return Acks.okWith(body);
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
            String socketId = joinedEvent ? payload.path("participant").path("socketId").asText()
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
        rosters.prepare(room.id());
        bus.joinRoom(room.id());
        List<Participant> everyone = new java.util.ArrayList<>(seated.others());
        everyone.add(seated.self());
        rosters.seed(room.id(), everyone);
        rosters.remember(room);
        if (!seated.rejoin()) {
            log.info("Socket {} joined room {}", session.socketId(), room.id());
        }
        boolean host = room.isHost(session.userId());
        return new RoomJoined(room.id(), room.code(), host, ParticipantInfo.of(seated.others(), room),
                seated.history(), room.settings(), host ? ParticipantInfo.of(seated.waiting(), room) : null);
    }

    /** Tells the room about a new seat, and the replaced socket (same user) that it lost its seat. */
    private CompletionStage<Void> announceSeat(JoinOutcome.Seated seated) {
        Room room = seated.room();
        Participant self = seated.self();
        CompletionStage<Void> done = completedFuture(null);
        Participant replaced = seated.replaced();
        if (replaced != null) {
            log.info("Socket {} replaces socket {} of the same user in room {}", self.socketId(),
                    replaced.socketId(), room.id());
            done = delivery.toRoom(room.id(), replaced.socketId(), USER_LEFT, leftPayload(replaced, REASON_REPLACED),
                            new RosterChange(null, replaced.socketId()))
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

    public CompletionStage<Object> leave(Session session, RoomRef request) {
        if (request.roomId().equals(session.roomId())) {
            return leaveSeat(session, REASON_LEFT).thenApply(nothing -> Acks.ok());
        }
        if (request.roomId().equals(session.waitingRoomId())) {
            return cancelWaiting(session).thenApply(nothing -> Acks.ok());
        }
        return failed(notInRoom());
    }

    /** Releases the session's seat (if any) and tells the room why. */
    public CompletionStage<Void> leaveSeat(Session session, String reason) {
        return leaveSeat(session, reason, false);
    }

    /**
     * Releases the session's seat and tells the room why; with {@code onlyIfHeldHere}, only while this node holds
     * the seat (a session that went away may have been recovered on another node meanwhile).
     */
    private CompletionStage<Void> leaveSeat(Session session, String reason, boolean onlyIfHeldHere) {
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
            return delivery.toRoom(roomId, session.socketId(), USER_LEFT, leftPayload(left.get(), reason),
                    new RosterChange(null, session.socketId()));
        });
    }

    /** Forgets the seat on this node only (the store already released it, or is about to). */
    public void forgetSeat(Session session) {
        sessions.unseat(session).ifPresent(this::lastLocalLeft);
    }

    /**
     * No local session sits in {@code roomId} any more: stop receiving its events, unless another local
     * session is joining it right now. That join subscribed before it read the roster and must keep
     * receiving, or a participant who joins after its roster read would never reach it (seen in the
     * 40-joins-for-10-seats test: a refused joiner unsubscribed the node while another's join was in flight).
     */
    private void lastLocalLeft(String roomId) {
        if (!sessions.inRoom(roomId).isEmpty() || !sessions.joining(roomId).isEmpty()) {
            return;
        }
        rosters.drop(roomId);
        bus.leaveRoom(roomId);
    }

    /** Takes a waiting socket out of the queue and tells the host. */
    public CompletionStage<Void> cancelWaiting(Session session) {
        String roomId = session.waitingRoomId();
        if (roomId == null) {
            return completedFuture(null);
        }
        sessions.waitIn(session, null);
        return store.removeWaiting(roomId, session.socketId()).thenCompose(removed -> {
            if (removed.isEmpty()) {
                return completedFuture(null);
            }
            return store.roomById(roomId).thenCompose(room -> room
                    .map(r -> notifyHosts(r, PARTICIPANT_WAITING_CANCELLED, Payload.of("socketId", session.socketId())))
                    .orElse(completedFuture(null)));
        });
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
        CompletionStage<Void> seat = leaveSeat(session, REASON_DISCONNECTED, true);
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
            return delivery.toRoom(roomId, socketId, USER_LEFT, leftPayload(left.get(), REASON_DISCONNECTED),
                    new RosterChange(null, socketId));
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
    private CompletionStage<Object> releaseIfGone(Session session, Object answer) {
        if (!session.closed()) {
            return completedFuture(answer);
        }
        log.info("Socket {} went away while its join was in flight; releasing what the join took", session.socketId());
        return releaseAll(session).thenApply(nothing -> answer);
    }

    private CompletionStage<Void> cancelWaitingIn(String roomId, String socketId) {
        return store.removeWaiting(roomId, socketId).thenCompose(removed -> removed.isEmpty()
                ? completedFuture(null)
                : store.roomById(roomId).thenCompose(room -> room
                        .map(r -> notifyHosts(r, PARTICIPANT_WAITING_CANCELLED, Payload.of("socketId", socketId)))
                        .orElse(completedFuture(null))));
    }

    // ---- host controls ----------------------------------------------------------------------------

    /** The room the session sits in, when it is {@code roomId} and the session is its host. */
    private CompletionStage<Room> hostRoom(Session session, String roomId) {
        if (!roomId.equals(session.roomId())) {
            return failed(notInRoom());
        }
        return store.roomById(roomId).thenApply(room -> {
            Room r = room.filter(Room::active).orElseThrow(RoomService::notInRoom);
            if (!r.isHost(session.userId())) {
                throw ProtocolException.of(ErrorCode.FORBIDDEN, "Only the host can do this");
            }
            return r;
        });
    }

    private Participant seatedTarget(String roomId, String participantId) {
        return rosters.find(roomId, participantId).orElseThrow(RoomService::targetNotFound);
    }

    public CompletionStage<Object> mute(Session session, HostTarget request) {
        return hostRoom(session, request.roomId()).thenCompose(room -> {
            Participant target = seatedTarget(room.id(), request.participantId());
            return store.updateMedia(room.id(), target.socketId(), MediaChange.AUDIO, false).thenCompose(updated -> {
                if (updated.isEmpty()) {
                    throw targetNotFound();
                }
                log.info("Host {} muted {} in room {}", session.socketId(), target.socketId(), room.id());
                return delivery.toSeat(room.id(), target.socketId(), FORCE_MUTE, Payload.of(),
                                SocketAction.NONE)
                        .thenCompose(nothing -> delivery.toRoom(room.id(), null, USER_TOGGLE_AUDIO,
                                Payload.of("socketId", target.socketId(), "enabled", false),
                                new RosterChange(updated.get(), null)));
            });
        }).thenApply(nothing -> Acks.ok());
    }

    public CompletionStage<Object> remove(Session session, HostTarget request) {
        return hostRoom(session, request.roomId()).thenCompose(room -> {
            Participant target = seatedTarget(room.id(), request.participantId());
            return store.removeAndBan(room.id(), target.socketId()).thenCompose(removed -> {
                if (removed.isEmpty()) {
                    throw targetNotFound();
                }
                log.info("Host {} removed {} from room {}", session.socketId(), target.socketId(), room.id());
                return delivery.toRoom(room.id(), target.socketId(), USER_LEFT,
                                leftPayload(removed.get(), REASON_REMOVED), new RosterChange(null, target.socketId()))
                        .thenCompose(nothing -> delivery.toSeat(room.id(), target.socketId(),
                                FORCE_DISCONNECT, Payload.of("reason", "Removed by host"),
                                SocketAction.UNSEAT_AND_DISCONNECT));
            });
        }).thenApply(nothing -> Acks.ok());
    }

    public CompletionStage<Object> lock(Session session, Flag request) {
        return hostRoom(session, request.roomId())
                .thenCompose(room -> store.setLocked(room.id(), request.value()))
                .thenCompose(updated -> {
                    Room room = updated.orElseThrow(RoomService::notInRoom);
                    log.info("Host {} {} room {}", session.socketId(), request.value() ? "locked" : "unlocked", room.id());
                    return delivery.toRoom(room.id(), session.socketId(), ROOM_LOCKED,
                            Payload.of("locked", request.value()));
                })
                .thenApply(nothing -> Acks.ok());
    }

    public CompletionStage<Object> end(Session session, RoomRef request) {
        // the room has ended in the store before the ack goes out, so that whatever reads it after the ack (a REST
        // GET on any node) sees it ended; the host is disconnected with everyone else, so the room's sockets are
        // told only after the ack
        return hostRoom(session, request.roomId())
                .thenCompose(room -> store.endRoom(room.id()).thenApply(released -> {
                    List<Seat> seats = released.orElseThrow(RoomService::notInRoom);
                    log.info("Room {} ended by host {}; {} sockets released", room.id(), session.socketId(), seats.size());
                    return new AckThen(Acks.ok(), () -> tellEnded(room.id(), seats).whenComplete((nothing, failure) -> {
                        if (failure != null) {
                            log.warn("Telling the sockets of ended room {} failed: {}", room.id(), failure.toString());
                        }
                    }));
                }));
    }

    /** Ends a room for everyone (REST); completes when every node was told. */
    public CompletionStage<Boolean> endRoom(String roomId) {
        return store.endRoom(roomId).thenCompose(released -> {
            if (released.isEmpty()) {
                return completedFuture(false);
            }
            log.info("Room {} ended; {} sockets released", roomId, released.get().size());
            return tellEnded(roomId, released.get()).thenApply(nothing -> true);
        });
    }

    /** Tells every socket that an ended room released: waiting ones get a join-error, seated ones are disconnected. */
    private CompletionStage<Void> tellEnded(String roomId, List<Seat> released) {
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

    /** Applies a settings patch (REST) and tells the room. */
    public CompletionStage<Optional<Room>> updateSettings(String roomId, SettingsPatch patch) {
        return store.updateSettings(roomId, patch).thenCompose(updated -> {
            if (updated.isEmpty()) {
                return completedFuture(updated);
            }
            return delivery.toRoom(roomId, null, ROOM_SETTINGS_UPDATED,
                    Payload.of("settings", updated.get().settings())).thenApply(nothing -> updated);
        });
    }

    // ---- waiting room -----------------------------------------------------------------------------

    public CompletionStage<Object> admit(Session session, HostTarget request) {
        return hostRoom(session, request.roomId())
                .thenCompose(room -> store.admit(room.id(), request.participantId()).thenCompose(outcome -> {
                    if (outcome instanceof JoinOutcome.Refused refused) {
                        if (refused.reason() == JoinRefusal.FULL) {
                            return turnAwayFull(session, room, request.participantId());
                        }
                        throw refused.reason() == JoinRefusal.ENDED ? notInRoom() : targetNotFound();
                    }
                    return completedFuture(outcome);
                }))
                .thenCompose(outcome -> {
                    JoinOutcome.Seated seated = (JoinOutcome.Seated) outcome;
                    Room room = seated.room();
                    Participant joiner = seated.self();
                    boolean host = room.isHost(joiner.userId());
                    RoomJoined joined = new RoomJoined(room.id(), room.code(), host,
                            ParticipantInfo.of(seated.others(), room), seated.history(), room.settings(),
                            host ? ParticipantInfo.of(seated.waiting(), room) : null);
                    log.info("Host {} admitted {} to room {}", session.socketId(), joiner.socketId(), room.id());
                    // the room hears user-joined before the joiner's node seats it: should the joiner be gone by then,
                    // that node's user-left for the seat comes after the user-joined (PROTOCOL.md §7, no phantom seats)
                    return announceSeat(seated).thenCompose(nothing -> delivery.toSocket(joiner.nodeId(),
                            joiner.socketId(), room.id(), ROOM_JOINED, joined, SocketAction.SEAT));
                })
                .thenApply(nothing -> Acks.ok());
    }

    /**
     * The host admitted a joiner into a room that filled up while it waited: the joiner leaves the queue and hears
     * {@code join-error} "Room is full", the host gets {@code participant-waiting-cancelled} and a refused ack naming
     * the reason ({@code NOT_ALLOWED} "Room is full"). Nobody is seated, nobody sees a {@code user-joined}.
     */
    private CompletionStage<JoinOutcome> turnAwayFull(Session host, Room room, String socketId) {
        return store.removeWaiting(room.id(), socketId).thenCompose(removed -> {
            if (removed.isEmpty()) {
                // it left the queue meanwhile (or another admission took it): nothing to tell it
                return completedFuture(null);
            }
            Participant joiner = removed.get();
            log.info("Host {} admitted {} into full room {}; it leaves the queue", host.socketId(), socketId, room.id());
            return delivery.toSocket(joiner.nodeId(), joiner.socketId(), room.id(), JOIN_ERROR,
                            joinErrorPayload(JoinRefusal.FULL), SocketAction.UNSEAT)
                    .thenCompose(nothing -> notifyHosts(room, PARTICIPANT_WAITING_CANCELLED,
                            Payload.of("socketId", joiner.socketId())));
        }).thenApply(nothing -> {
            throw ProtocolException.of(ErrorCode.NOT_ALLOWED, JoinRefusal.FULL.message());
        });
    }

    public CompletionStage<Object> deny(Session session, HostTarget request) {
        return hostRoom(session, request.roomId())
                .thenCompose(room -> store.removeWaiting(room.id(), request.participantId()))
                .thenCompose(removed -> {
                    Participant joiner = removed.orElseThrow(RoomService::targetNotFound);
                    log.info("Host {} denied {} in room {}", session.socketId(), joiner.socketId(), request.roomId());
                    return delivery.toSocket(joiner.nodeId(), joiner.socketId(), request.roomId(), JOIN_ERROR,
                            joinErrorPayload(JoinRefusal.DENIED), SocketAction.UNSEAT);
                })
                .thenApply(nothing -> Acks.ok());
    }

    /** Sends an event to every seat of the room's host (one user may hold one seat, but be safe). */
    private CompletionStage<Void> notifyHosts(Room room, String event, Object payload) {
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

    // ---- shared state lost ------------------------------------------------------------------------

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
            List<Participant> mine = new java.util.ArrayList<>();
            for (Session local : sessions.inRoom(roomId)) {
                rosters.find(roomId, local.socketId()).ifPresent(mine::add);
            }
            total = total.thenCompose(sum -> store.restore(room.get(), mine).thenApply(n -> sum + n));
        }
        return total;
    }

    // ---- lost nodes ---------------------------------------------------------------------------------

    /** Tells the rooms about seats that were released for a socket that is gone (its node died). */
    public CompletionStage<Void> announceReleased(List<Seat> released, String reason) {
        CompletionStage<Void> all = completedFuture(null);
        for (Seat seat : released) {
            Participant p = seat.participant();
            all = all.thenCompose(nothing -> seat.waiting()
                    ? store.roomById(seat.roomId()).thenCompose(room -> room
                            .map(r -> notifyHosts(r, PARTICIPANT_WAITING_CANCELLED, Payload.of("socketId", p.socketId())))
                            .orElse(completedFuture(null)))
                    : delivery.toRoom(seat.roomId(), p.socketId(), USER_LEFT, leftPayload(p, reason),
                            new RosterChange(null, p.socketId())));
        }
        return all;
    }

    // ---- helpers ----------------------------------------------------------------------------------

    /** A new room record; the code is kept as given (auto-create) or generated. */
    public Room newRoom(String code, String name, String hostId, RoomSettings settings) {
        return new Room(UUID.randomUUID().toString(), code, name == null ? code : name, hostId, true, false,
                clock.instant(), settings);
    }

    public static Object joinErrorPayload(JoinRefusal reason) {
        return Payload.of("code", ErrorCode.JOIN_FAILED.name(), "message", reason.message());
    }

    static Object leftPayload(Participant p, String reason) {
        return Payload.of("socketId", p.socketId(), "userId", p.userId(), "reason", reason);
    }

    static ProtocolException notInRoom() {
        return ProtocolException.of(ErrorCode.NOT_IN_ROOM, "You are not in this room");
    }

    static ProtocolException targetNotFound() {
        return ProtocolException.of(ErrorCode.TARGET_NOT_FOUND, "No such participant in this room");
    }

    static <T> CompletionStage<T> failed(Throwable failure) {
        return java.util.concurrent.CompletableFuture.failedFuture(failure);
    }
}
