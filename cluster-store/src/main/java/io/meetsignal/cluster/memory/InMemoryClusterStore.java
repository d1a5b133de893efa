package io.meetsignal.cluster.memory;

import static java.util.concurrent.CompletableFuture.completedFuture;

import io.meetsignal.cluster.ChatMessage;
import io.meetsignal.cluster.ClusterStore;
import io.meetsignal.cluster.JoinOutcome;
import io.meetsignal.cluster.JoinRefusal;
import io.meetsignal.cluster.JoinRequest;
import io.meetsignal.cluster.MediaChange;
import io.meetsignal.cluster.Offsets;
import io.meetsignal.cluster.Participant;
import io.meetsignal.cluster.Room;
import io.meetsignal.cluster.RoomCodeTakenException;
import io.meetsignal.cluster.RoomCodes;
import io.meetsignal.cluster.Seat;
import io.meetsignal.cluster.SettingsPatch;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A {@link ClusterStore} held in this process: the state of a node that runs alone. Every operation takes
 * one lock, which makes each of them atomic as the port requires.
 */
public final class InMemoryClusterStore implements ClusterStore {

    private final Clock clock;
    private final Object lock = new Object();
    private final Map<String, RoomState> roomsById = new HashMap<>();
    private final Map<String, String> roomIdByCode = new HashMap<>();
    private final Map<String, Instant> heartbeats = new HashMap<>();
    /** Socket id → the room it sits or waits in and its recovery key. */
    private final Map<String, Recovery> recovery = new HashMap<>();

    private final Map<String, Unseated> unseated = new HashMap<>();

    private record Unseated(String key, String userId, String nodeId, Instant expires) {}

    private final Function<String, String> logHead;

    private record Recovery(String roomId, String key) {}

    public InMemoryClusterStore() {
        this(Clock.systemUTC());
    }

    public InMemoryClusterStore(Clock clock) {
        this(clock, roomId -> Offsets.START);
    }

    /** {@code logHead} tells the offset of a room's log (the bus's) for the snapshot of a join. */
    public InMemoryClusterStore(Clock clock, Function<String, String> logHead) {
        this.clock = clock;
        this.logHead = logHead;
    }

    private static final class RoomState {
        Room room;
        final LinkedHashMap<String, Participant> seats = new LinkedHashMap<>();
        final LinkedHashMap<String, Participant> waiting = new LinkedHashMap<>();
        final Deque<ChatMessage> chat = new ArrayDeque<>();
        final Set<String> bans = new HashSet<>();

        RoomState(Room room) {
            this.room = room;
        }
    }

    private <T> CompletionStage<T> locked(Supplier<T> action) {
        synchronized (lock) {
            return completedFuture(action.get());
        }
    }

    @Override
    public CompletionStage<Room> createRoom(Room room) {
        synchronized (lock) {
            String key = RoomCodes.normalize(room.code())
                    .orElseThrow(() -> new IllegalArgumentException("code: " + room.code()));
            if (roomIdByCode.containsKey(key)) {
                return java.util.concurrent.CompletableFuture.failedFuture(new RoomCodeTakenException(room.code()));
            }
            roomIdByCode.put(key, room.id());
            roomsById.put(room.id(), new RoomState(room));
            return completedFuture(room);
        }
    }

    @Override
    public CompletionStage<Optional<Room>> roomByCode(String normalizedCode) {
        return locked(() -> Optional.ofNullable(roomIdByCode.get(normalizedCode))
                .map(roomsById::get)
                .map(state -> state.room));
    }

    @Override
    public CompletionStage<Optional<Room>> roomById(String roomId) {
        return locked(() -> Optional.ofNullable(roomsById.get(roomId)).map(state -> state.room));
    }

    @Override
    public CompletionStage<Optional<Room>> updateSettings(String roomId, SettingsPatch patch) {
        return locked(() -> active(roomId).map(state -> {
            state.room = state.room.withSettings(state.room.settings().with(patch));
            return state.room;
        }));
    }

    @Override
    public CompletionStage<Optional<Room>> setLocked(String roomId, boolean locked) {
        return locked(() -> active(roomId).map(state -> {
            state.room = state.room.withLocked(locked);
            return state.room;
        }));
    }

    @Override
    public CompletionStage<Optional<List<Seat>>> endRoom(String roomId) {
        return locked(() -> active(roomId).map(state -> {
            state.room = state.room.ended();
            List<Seat> released = new ArrayList<>();
            state.seats.values().forEach(p -> released.add(new Seat(roomId, p, false)));
            state.waiting.values().forEach(p -> released.add(new Seat(roomId, p, true)));
            released.forEach(seat -> forget(seat.participant().socketId(), roomId));
            state.seats.clear();
            state.waiting.clear();
            return released;
        }));
    }

    @Override
    public CompletionStage<JoinOutcome> join(JoinRequest request) {
        return locked(() -> {
            String roomId = roomIdByCode.get(request.normalizedCode());
            if (roomId == null) {
                if (!request.autoCreate()) {
                    return new JoinOutcome.Refused(JoinRefusal.NOT_FOUND);
                }
                Room created = request.roomTemplate();
                roomIdByCode.put(request.normalizedCode(), created.id());
                roomsById.put(created.id(), new RoomState(created));
                roomId = created.id();
            }
            RoomState state = roomsById.get(roomId);
            Room room = state.room;
            Participant candidate = request.candidate();
            boolean host = room.isHost(candidate.userId());
            if (!room.active()) {
                return new JoinOutcome.Refused(JoinRefusal.ENDED);
            }
            if (state.seats.containsKey(candidate.socketId())) {
                return seated(state, state.seats.get(candidate.socketId()), null, true);
            }
            if (state.bans.contains(candidate.banKey())) {
                return new JoinOutcome.Refused(JoinRefusal.REMOVED);
            }
            if (!host && room.locked()) {
                return new JoinOutcome.Refused(JoinRefusal.LOCKED);
            }
            if (!host && room.settings().waitingRoom()) {
                Participant queued = state.waiting.computeIfAbsent(candidate.socketId(), id -> candidate);
                remember(candidate.socketId(), roomId, request.recoveryKey());
                return new JoinOutcome.Waiting(room, queued);
            }
            Participant replaced = sameUser(state, candidate);
            if (!host
                    && replaced == null
                    && state.seats.size() >= room.settings().maxParticipants()) {
                return new JoinOutcome.Refused(JoinRefusal.FULL);
            }
            if (replaced != null) {
                state.seats.remove(replaced.socketId());
                forget(replaced.socketId(), roomId);
            }
            Participant seat = candidate.seatedAt(clock.instant());
            state.seats.put(seat.socketId(), seat);
            remember(seat.socketId(), roomId, request.recoveryKey());
            return seated(state, seat, replaced, false);
        });
    }

    private static Participant sameUser(RoomState state, Participant candidate) {
        if (candidate.userId() == null) {
            return null;
        }
        for (Participant p : state.seats.values()) {
            if (candidate.userId().equals(p.userId()) && !p.socketId().equals(candidate.socketId())) {
                return p;
            }
        }
        return null;
    }

    private void remember(String socketId, String roomId, String key) {
        if (key != null) {
            recovery.put(socketId, new Recovery(roomId, key));
        }
    }

    private void forget(String socketId, String roomId) {
        Recovery known = recovery.get(socketId);
        if (known != null && known.roomId().equals(roomId)) {
            recovery.remove(socketId);
        }
    }

    private <T extends Participant> T forgotten(T participant, String roomId) {
        if (participant != null) {
            forget(participant.socketId(), roomId);
        }
        return participant;
    }

    private JoinOutcome.Seated seated(RoomState state, Participant self, Participant replaced, boolean rejoin) {
        List<Participant> others = new ArrayList<>(state.seats.size());
        for (Participant p : state.seats.values()) {
            if (!p.socketId().equals(self.socketId())) {
                others.add(p);
            }
        }
        List<Participant> waiting = state.room.isHost(self.userId()) ? List.copyOf(state.waiting.values()) : List.of();
        return new JoinOutcome.Seated(
                state.room,
                self,
                List.copyOf(others),
                List.copyOf(state.chat),
                waiting,
                replaced,
                rejoin,
                logHead.apply(state.room.id()));
    }

    @Override
    public CompletionStage<JoinOutcome> admit(String roomId, String socketId) {
        return locked(() -> {
            Optional<RoomState> found = active(roomId);
            if (found.isEmpty()) {
                return new JoinOutcome.Refused(JoinRefusal.ENDED);
            }
            RoomState state = found.get();
            Participant waiting = state.waiting.get(socketId);
            if (waiting == null) {
                return new JoinOutcome.Refused(JoinRefusal.NOT_FOUND);
            }
            Participant replaced = sameUser(state, waiting);
            if (replaced == null && state.seats.size() >= state.room.settings().maxParticipants()) {
                return new JoinOutcome.Refused(JoinRefusal.FULL);
            }
            state.waiting.remove(socketId);
            if (replaced != null) {
                state.seats.remove(replaced.socketId());
                forget(replaced.socketId(), roomId);
            }
            Participant seat = waiting.seatedAt(clock.instant());
            state.seats.put(socketId, seat);
            return seated(state, seat, replaced, false);
        });
    }

    @Override
    public CompletionStage<Optional<Participant>> removeWaiting(String roomId, String socketId) {
        return locked(() -> Optional.ofNullable(roomsById.get(roomId))
                .map(state -> forgotten(state.waiting.remove(socketId), roomId)));
    }

    @Override
    public CompletionStage<Optional<Participant>> leave(String roomId, String socketId) {
        return locked(() -> Optional.ofNullable(roomsById.get(roomId))
                .map(state -> forgotten(state.seats.remove(socketId), roomId)));
    }

    @Override
    public CompletionStage<Optional<Participant>> leaveIfHeldBy(String roomId, String socketId, String nodeId) {
        return locked(() -> Optional.ofNullable(roomsById.get(roomId))
                .filter(state -> state.seats.containsKey(socketId)
                        && state.seats.get(socketId).nodeId().equals(nodeId))
                .map(state -> forgotten(state.seats.remove(socketId), roomId)));
    }

    @Override
    public CompletionStage<Optional<TakenOver>> takeOver(String socketId, String recoveryKey, String nodeId) {
        return locked(() -> {
            Recovery known = recovery.get(socketId);
            if (known == null || !known.key().equals(recoveryKey)) {
                return Optional.empty();
            }
            return active(known.roomId()).flatMap(state -> {
                Participant seat = state.seats.get(socketId);
                if (seat == null) {
                    return Optional.empty();
                }
                Participant moved = seat.onNode(nodeId);
                state.seats.put(socketId, moved);
                return Optional.of(new TakenOver(state.room, moved, seat.nodeId()));
            });
        });
    }

    @Override
    public CompletionStage<Optional<Participant>> removeAndBan(String roomId, String socketId) {
        return locked(() -> Optional.ofNullable(roomsById.get(roomId)).map(state -> {
            Participant removed = forgotten(state.seats.remove(socketId), roomId);
            if (removed != null) {
                state.bans.add(removed.banKey());
            }
            return removed;
        }));
    }

    @Override
    public CompletionStage<List<Participant>> participants(String roomId) {
        return locked(() -> Optional.ofNullable(roomsById.get(roomId))
                .<List<Participant>>map(state -> List.copyOf(state.seats.values()))
                .orElse(List.of()));
    }

    @Override
    public CompletionStage<Optional<Participant>> updateMedia(
            String roomId, String socketId, MediaChange change, boolean value) {
        return locked(() -> Optional.ofNullable(roomsById.get(roomId))
                .map(state -> state.seats.computeIfPresent(socketId, (id, p) -> p.with(change, value))));
    }

    @Override
    public CompletionStage<Void> appendChat(ChatMessage message) {
        return locked(() -> {
            RoomState state = roomsById.get(message.roomId());
            if (state != null) {
                state.chat.addLast(message);
                while (state.chat.size() > ChatMessage.HISTORY_SIZE) {
                    state.chat.removeFirst();
                }
            }
            return null;
        });
    }

    @Override
    public CompletionStage<List<ChatMessage>> chatHistory(String roomId) {
        return locked(() -> Optional.ofNullable(roomsById.get(roomId))
                .<List<ChatMessage>>map(state -> List.copyOf(state.chat))
                .orElse(List.of()));
    }

    @Override
    public CompletionStage<Void> keepUnseated(
            String socketId, String recoveryKey, String userId, String nodeId, Duration ttl) {
        return locked(() -> {
            Instant now = clock.instant();
            unseated.values().removeIf(kept -> !kept.expires().isAfter(now));
            unseated.put(socketId, new Unseated(recoveryKey, userId, nodeId, now.plus(ttl)));
            return null;
        });
    }

    @Override
    public CompletionStage<Optional<String>> takeOverUnseated(String socketId, String recoveryKey, String userId) {
        return locked(() -> {
            Unseated kept = unseated.get(socketId);
            if (kept == null
                    || !kept.expires().isAfter(clock.instant())
                    || !kept.key().equals(recoveryKey)
                    || !java.util.Objects.equals(kept.userId(), userId)) {
                return Optional.<String>empty();
            }
            unseated.remove(socketId);
            return Optional.of(kept.nodeId());
        });
    }

    @Override
    public CompletionStage<Boolean> heartbeat(String nodeId, Duration ttl) {
        return locked(() -> {
            Instant now = clock.instant();
            Instant previous = heartbeats.put(nodeId, now.plus(ttl));
            return previous != null && previous.isAfter(now);
        });
    }

    @Override
    public CompletionStage<Integer> restore(Room room, List<Participant> seats) {
        return locked(() -> {
            RoomState state = roomsById.get(room.id());
            if (state == null) {
                state = new RoomState(room);
                roomsById.put(room.id(), state);
                RoomCodes.normalize(room.code()).ifPresent(code -> roomIdByCode.putIfAbsent(code, room.id()));
            }
            if (!state.room.active()) {
                return 0;
            }
            int restored = 0;
            for (Participant p : seats) {
                boolean userSeated = p.userId() != null
                        && state.seats.values().stream()
                                .anyMatch(other -> p.userId().equals(other.userId()));
                if (!state.seats.containsKey(p.socketId()) && !userSeated) {
                    state.seats.put(p.socketId(), p);
                    restored++;
                }
            }
            return restored;
        });
    }

    @Override
    public CompletionStage<Void> removeNode(String nodeId) {
        return locked(() -> {
            heartbeats.remove(nodeId);
            return null;
        });
    }

    @Override
    public CompletionStage<Set<String>> lostNodes() {
        return locked(() -> {
            Instant now = clock.instant();
            Set<String> lost = new HashSet<>();
            for (RoomState state : roomsById.values()) {
                for (Participant p : state.seats.values()) {
                    if (!alive(p.nodeId(), now)) {
                        lost.add(p.nodeId());
                    }
                }
                for (Participant p : state.waiting.values()) {
                    if (!alive(p.nodeId(), now)) {
                        lost.add(p.nodeId());
                    }
                }
            }
            return Set.copyOf(lost);
        });
    }

    private boolean alive(String nodeId, Instant now) {
        Instant until = heartbeats.get(nodeId);
        return until != null && until.isAfter(now);
    }

    @Override
    public CompletionStage<List<Seat>> releaseNode(String nodeId) {
        return locked(() -> {
            List<Seat> released = new ArrayList<>();
            for (RoomState state : roomsById.values()) {
                state.seats.values().removeIf(p -> {
                    boolean gone = p.nodeId().equals(nodeId);
                    if (gone) {
                        released.add(new Seat(state.room.id(), p, false));
                        forget(p.socketId(), state.room.id());
                    }
                    return gone;
                });
                state.waiting.values().removeIf(p -> {
                    boolean gone = p.nodeId().equals(nodeId);
                    if (gone) {
                        released.add(new Seat(state.room.id(), p, true));
                        forget(p.socketId(), state.room.id());
                    }
                    return gone;
                });
            }
            return released;
        });
    }

    @Override
    public CompletionStage<Long> activeRoomCount() {
        return locked(() ->
                roomsById.values().stream().filter(state -> state.room.active()).count());
    }

    private Optional<RoomState> active(String roomId) {
        return Optional.ofNullable(roomsById.get(roomId)).filter(state -> state.room.active());
    }

    @Override
    public void close() {}
}
