package io.meetsignal.cluster.redis;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.type.TypeReference;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.meetsignal.cluster.ChatMessage;
import io.meetsignal.cluster.ClusterStore;
import io.meetsignal.cluster.JoinOutcome;
import io.meetsignal.cluster.JoinRefusal;
import io.meetsignal.cluster.JoinRequest;
import io.meetsignal.cluster.MediaChange;
import io.meetsignal.cluster.Participant;
import io.meetsignal.cluster.Room;
import io.meetsignal.cluster.RoomCodeTakenException;
import io.meetsignal.cluster.RoomCodes;
import io.meetsignal.cluster.RoomSettings;
import io.meetsignal.cluster.Seat;
import io.meetsignal.cluster.SettingsPatch;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * A {@link ClusterStore} in Redis, shared by every node. Each check-and-change is one Lua script, so it is atomic
 * across nodes; see {@link RedisKeys} for the layout and the lifetime of every key. Create it with
 * {@link RedisCluster#connect}.
 */
public final class RedisClusterStore implements ClusterStore {

    private static final TypeReference<List<Seat>> SEATS = new TypeReference<>() {};
    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {};

    private final StatefulRedisConnection<String, String> connection;
    private final RedisAsyncCommands<String, String> redis;
    private final RedisKeys keys;
    private final String roomTtlMillis;
    private final Clock clock;
    private final Callbacks callbacks;
    private final Runnable onClose;
    private final AtomicBoolean closed = new AtomicBoolean();

    RedisClusterStore(
            StatefulRedisConnection<String, String> connection,
            RedisKeys keys,
            Duration roomTtl,
            Clock clock,
            Callbacks callbacks,
            Runnable onClose) {
        this.connection = requireNonNull(connection, "connection");
        this.redis = connection.async();
        this.keys = requireNonNull(keys, "keys");
        this.roomTtlMillis = Long.toString(roomTtl.toMillis());
        this.clock = requireNonNull(clock, "clock");
        this.callbacks = requireNonNull(callbacks, "callbacks");
        this.onClose = requireNonNull(onClose, "onClose");
    }

    @Override
    public CompletionStage<Room> createRoom(Room room) {
        String code = RoomCodes.normalize(room.code())
                .orElseThrow(() -> new IllegalArgumentException("code: " + room.code()));
        return script(LuaScript.CREATE_ROOM, code, room.id(), RedisJson.write(room))
                .thenCompose(result -> "taken".equals(result)
                        ? CompletableFuture.failedFuture(new RoomCodeTakenException(room.code()))
                        : CompletableFuture.completedFuture(room));
    }

    @Override
    public CompletionStage<Optional<Room>> roomByCode(String normalizedCode) {
        return script(LuaScript.ROOM_BY_CODE, normalizedCode).thenApply(json -> optional(json, Room.class));
    }

    @Override
    public CompletionStage<Optional<Room>> roomById(String roomId) {
        return call(() -> redis.hget(keys.room(roomId), "json")).thenApply(json -> optional(json, Room.class));
    }

    @Override
    public CompletionStage<Optional<Room>> updateSettings(String roomId, SettingsPatch patch) {
        RoomSettings.DEFAULTS.with(patch); // validates, as the in-memory store does
        return script(LuaScript.UPDATE_SETTINGS, roomId, RedisJson.write(patch))
                .thenApply(json -> optional(json, Room.class));
    }

    @Override
    public CompletionStage<Optional<Room>> setLocked(String roomId, boolean locked) {
        return script(LuaScript.SET_LOCKED, roomId, Boolean.toString(locked))
                .thenApply(json -> optional(json, Room.class));
    }

    @Override
    public CompletionStage<Optional<List<Seat>>> endRoom(String roomId) {
        return script(LuaScript.END_ROOM, roomId)
                .thenApply(json -> Optional.ofNullable(json).map(it -> List.copyOf(RedisJson.read(it, SEATS))));
    }

    @Override
    public CompletionStage<JoinOutcome> join(JoinRequest request) {
        Participant candidate = request.candidate();
        Room template = request.roomTemplate();
        return this.<List<Object>>script(
                        LuaScript.JOIN,
                        ScriptOutputType.MULTI,
                        request.normalizedCode(),
                        candidate.socketId(),
                        candidate.userId() != null ? candidate.userId() : "",
                        candidate.nodeId(),
                        candidate.banKey(),
                        RedisJson.write(candidate),
                        RedisJson.write(candidate.seatedAt(clock.instant())),
                        template != null ? template.id() : "",
                        template != null ? RedisJson.write(template) : "",
                        request.recoveryKey() != null ? request.recoveryKey() : "")
                .thenApply(RedisClusterStore::outcome);
    }

    @Override
    public CompletionStage<JoinOutcome> admit(String roomId, String socketId) {
        return this.<List<Object>>script(
                        LuaScript.ADMIT,
                        ScriptOutputType.MULTI,
                        roomId,
                        socketId,
                        clock.instant().toString())
                .thenApply(RedisClusterStore::outcome);
    }

    @Override
    public CompletionStage<Optional<Participant>> removeWaiting(String roomId, String socketId) {
        return script(LuaScript.REMOVE_WAITING, roomId, socketId).thenApply(json -> optional(json, Participant.class));
    }

    @Override
    public CompletionStage<Optional<Participant>> leave(String roomId, String socketId) {
        return script(LuaScript.LEAVE, roomId, socketId, "").thenApply(json -> optional(json, Participant.class));
    }

    @Override
    public CompletionStage<Optional<Participant>> leaveIfHeldBy(String roomId, String socketId, String nodeId) {
        return script(LuaScript.LEAVE, roomId, socketId, requireNonNull(nodeId, "nodeId"))
                .thenApply(json -> optional(json, Participant.class));
    }

    @Override
    public CompletionStage<Optional<TakenOver>> takeOver(String socketId, String recoveryKey, String nodeId) {
        return script(LuaScript.TAKE_OVER, socketId, recoveryKey, nodeId)
                .thenApply(json -> optional(json, TakenOverJson.class).map(TakenOverJson::toTakenOver));
    }

    @Override
    public CompletionStage<Void> keepUnseated(
            String socketId, String recoveryKey, String userId, String nodeId, Duration ttl) {
        String json = RedisJson.write(
                new UnseatedJson(requireNonNull(recoveryKey, "recoveryKey"), userId, requireNonNull(nodeId, "nodeId")));
        long millis = Math.max(1, ttl.toMillis());
        return call(() -> redis.set(keys.unseated(socketId), json, SetArgs.Builder.px(millis)))
                .thenApply(ok -> null);
    }

    @Override
    public CompletionStage<Optional<String>> takeOverUnseated(String socketId, String recoveryKey, String userId) {
        return script(LuaScript.TAKE_OVER_UNSEATED, socketId, recoveryKey, userId == null ? "" : userId)
                .thenApply(Optional::ofNullable);
    }

    /** What {@link #keepUnseated} stores. */
    record UnseatedJson(String key, String user, String node) {}

    /** What {@code take_over.lua} answers. */
    record TakenOverJson(Room room, Participant seat, String previousNodeId) {
        TakenOver toTakenOver() {
            return new TakenOver(room, seat, previousNodeId);
        }
    }

    @Override
    public CompletionStage<Optional<Participant>> removeAndBan(String roomId, String socketId) {
        return script(LuaScript.REMOVE_AND_BAN, roomId, socketId).thenApply(json -> optional(json, Participant.class));
    }

    @Override
    public CompletionStage<List<Participant>> participants(String roomId) {
        return this.<List<String>>script(LuaScript.PARTICIPANTS, ScriptOutputType.MULTI, roomId)
                .thenApply(RedisClusterStore::participants);
    }

    @Override
    public CompletionStage<Optional<Participant>> updateMedia(
            String roomId, String socketId, MediaChange change, boolean value) {
        // the field and value that Participant.with(change, value) sets
        String field = switch (change) {
            case AUDIO -> "muted";
            case VIDEO -> "videoOff";
            case SCREEN_SHARE -> "screenSharing";
            case HAND -> "handRaised";
        };
        boolean stored = change == MediaChange.AUDIO || change == MediaChange.VIDEO ? !value : value;
        return script(LuaScript.UPDATE_MEDIA, roomId, socketId, field, Boolean.toString(stored))
                .thenApply(json -> optional(json, Participant.class));
    }

    @Override
    public CompletionStage<Void> appendChat(ChatMessage message) {
        return script(
                        LuaScript.APPEND_CHAT,
                        message.roomId(),
                        RedisJson.write(message),
                        Integer.toString(ChatMessage.HISTORY_SIZE))
                .thenApply(ignored -> null);
    }

    @Override
    public CompletionStage<List<ChatMessage>> chatHistory(String roomId) {
        return call(() -> redis.lrange(keys.chat(roomId), 0, -1))
                .thenApply(list -> list.stream()
                        .map(json -> RedisJson.read(json, ChatMessage.class))
                        .toList());
    }

    @Override
    public CompletionStage<Boolean> heartbeat(String nodeId, Duration ttl) {
        requireNonNull(nodeId, "nodeId");
        if (ttl.toMillis() < 1) {
            throw new IllegalArgumentException("ttl: " + ttl + " (expected: at least 1 ms)");
        }
        String renewedAt = RedisJson.write(clock.instant());
        return call(() -> redis.setGet(keys.alive(nodeId), renewedAt, SetArgs.Builder.px(ttl.toMillis())))
                .thenApply(previous -> previous != null);
    }

    @Override
    public CompletionStage<Integer> restore(Room room, List<Participant> seats) {
        String code = RoomCodes.normalize(room.code())
                .orElseThrow(() -> new IllegalArgumentException("code: " + room.code()));
        String[] args = new String[seats.size() + 2];
        args[0] = code;
        args[1] = RedisJson.write(room);
        for (int i = 0; i < seats.size(); i++) {
            args[i + 2] = RedisJson.write(seats.get(i));
        }
        return this.<Long>script(LuaScript.RESTORE, ScriptOutputType.INTEGER, args)
                .thenApply(Long::intValue);
    }

    @Override
    public CompletionStage<Void> removeNode(String nodeId) {
        return call(() -> redis.del(keys.alive(nodeId))).thenApply(ignored -> null);
    }

    @Override
    public CompletionStage<Set<String>> lostNodes() {
        return script(LuaScript.LOST_NODES).thenApply(json -> Set.copyOf(RedisJson.read(json, STRINGS)));
    }

    @Override
    public CompletionStage<List<Seat>> releaseNode(String nodeId) {
        return script(LuaScript.RELEASE_NODE, nodeId).thenApply(json -> List.copyOf(RedisJson.read(json, SEATS)));
    }

    @Override
    public CompletionStage<Long> activeRoomCount() {
        return this.<Long>script(LuaScript.ACTIVE_ROOM_COUNT, ScriptOutputType.INTEGER);
    }

    /** Redis answers a {@code PING}; fails with {@code StoreUnavailableException} otherwise. */
    @Override
    public CompletionStage<Void> ping() {
        return call(redis::ping).thenApply(ignored -> null);
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            connection.closeAsync().whenComplete((ignored, failure) -> onClose.run());
        }
    }

    private CompletionStage<String> script(LuaScript script, String... args) {
        return this.script(script, ScriptOutputType.VALUE, args);
    }

    private <T> CompletionStage<T> script(LuaScript script, ScriptOutputType type, String... args) {
        return callbacks.completeOn(script.run(redis, keys.prefix(), roomTtlMillis, type, args));
    }

    private <T> CompletionStage<T> call(Supplier<? extends CompletionStage<T>> command) {
        return callbacks.completeOn(RedisFailures.guard(command));
    }

    private static <T> Optional<T> optional(String json, Class<T> type) {
        return json == null ? Optional.empty() : Optional.of(RedisJson.read(json, type));
    }

    /**
     * What {@code join.lua} or {@code admit.lua} answered: the JSON of the outcome, then (seated) that of each other
     * participant.
     */
    private static JoinOutcome outcome(List<Object> reply) {
        if (reply.isEmpty() || !(reply.get(0) instanceof String head)) {
            throw new IllegalStateException("unexpected join outcome from Redis: " + reply);
        }
        return RedisJson.read(head, ScriptOutcome.class).toJoinOutcome(participants(reply.subList(1, reply.size())));
    }

    private static List<Participant> participants(List<?> jsons) {
        List<Participant> participants = new ArrayList<>(jsons.size());
        for (Object json : jsons) {
            participants.add(RedisJson.read((String) json, Participant.class));
        }
        return List.copyOf(participants);
    }

    /** What {@code join.lua} and {@code admit.lua} answer. */
    record ScriptOutcome(
            String outcome,
            JoinRefusal reason,
            Room room,
            Participant self,
            List<ChatMessage> history,
            List<Participant> waiting,
            Participant replaced,
            boolean rejoin,
            String offset) {

        /** {@code others}: the other participants, which the scripts answer apart from this JSON. */
        JoinOutcome toJoinOutcome(List<Participant> others) {
            return switch (outcome) {
                case "seated" ->
                    new JoinOutcome.Seated(
                            room, self, others, listOf(history), listOf(waiting), replaced, rejoin, offset);
                case "waiting" -> new JoinOutcome.Waiting(room, self);
                case "refused" -> new JoinOutcome.Refused(requireNonNull(reason, "reason"));
                default -> throw new IllegalStateException("unknown join outcome from Redis: " + outcome);
            };
        }

        private static <T> List<T> listOf(List<T> list) {
            return list == null ? List.of() : List.copyOf(list);
        }
    }
}
