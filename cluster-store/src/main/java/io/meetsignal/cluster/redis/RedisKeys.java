package io.meetsignal.cluster.redis;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every Redis key and channel of the cluster, each under a configurable prefix ({@link RedisConfig#DEFAULT_PREFIX}).
 * {@code %s} stands for a room id, a normalized room code or a node id. The Lua scripts get these patterns as
 * generated functions ({@link #luaPrelude()}), so this class is the only place that spells them.
 *
 * <p>Lifetimes. A room and all its keys lose any TTL while someone sits or waits in it (then the seats own it:
 * they leave, or {@code releaseNode} releases them once their node is lost); otherwise, and after it ended, they
 * expire {@link RedisConfig#roomTtl()} after its last change (chat included). Heartbeats expire by themselves;
 * a node's place index is emptied by leaves and deleted by {@code releaseNode}.
 *
 * <p>Scripts derive keys from their arguments, so the store needs a standalone (or Sentinel) Redis, not Redis
 * Cluster.
 */
public final class RedisKeys {

    /** String: the id of the room whose normalized code is {@code %s}. Expires with that room. */
    static final String CODE = "code:%s";
    /**
     * Hash of the room {@code %s}: {@code json} the {@link io.meetsignal.cluster.Room} as JSON, {@code code} its
     * normalized code, {@code seq} the last number handed out for joining order.
     */
    static final String ROOM = "room:%s";
    /** Hash: socket id → seated {@link io.meetsignal.cluster.Participant} as JSON. */
    static final String SEATS = "room:%s:seats";
    /** Sorted set: seated socket ids scored by joining number (joining order). */
    static final String ORDER = "room:%s:order";
    /** Hash: socket id → waiting {@link io.meetsignal.cluster.Participant} as JSON. */
    static final String WAITING = "room:%s:waiting";
    /** Sorted set: waiting socket ids scored by joining number (queue order). */
    static final String QUEUE = "room:%s:queue";
    /** Hash: user id → socket id of the one seat that user holds in the room. */
    static final String USERS = "room:%s:users";
    /** Set: ban keys ({@link io.meetsignal.cluster.Participant#banKey()}) removed from the room. */
    static final String BANS = "room:%s:bans";
    /** List: the last {@link io.meetsignal.cluster.ChatMessage#HISTORY_SIZE} chat messages as JSON, oldest first. */
    static final String CHAT = "room:%s:chat";
    /**
     * Stream: the room's log, every {@link io.meetsignal.cluster.ClusterMessage.RoomEvent} and
     * {@link io.meetsignal.cluster.ClusterMessage.SeatEvent} under field {@code m}; the entry id is the message's
     * offset. Kept under the bus's byte bound at every append (the oldest entries go first), trimmed every 64th
     * append to the bus's retention and entry cap; expires a retention after its last append.
     */
    static final String LOG = "room:%s:log";
    /**
     * String: the last entry id that the entry cap or the byte bound trimmed from the room's log (a replay from
     * before it has a gap).
     */
    static final String LOG_CUT = "room:%s:logcut";
    /** Integer: the bytes of the messages in the room's log (the sum of their lengths); expires with the log. */
    static final String LOG_BYTES = "room:%s:logbytes";
    /**
     * Hash of socket {@code %s}: {@code room} the room in which it sits or waits, {@code key} its recovery key.
     * Written by the join, deleted when the seat or waiting place goes.
     */
    static final String SOCKET = "socket:%s";
    /**
     * String: socket {@code %s}, in no room, lost its transport and may be recovered on any node: JSON
     * {@code {"key":…,"user":…,"node":…}}. Expires after the recovery window.
     */
    static final String UNSEATED = "socket:%s:unseated";
    /** Sorted set: ids of active rooms scored by expiry (ms since the epoch; {@code +inf} while occupied). */
    static final String ACTIVE_ROOMS = "rooms:active";
    /** String: node {@code %s} is alive while this key exists; set with the heartbeat TTL. */
    static final String ALIVE = "node:%s:alive";
    /** Set: {@code [roomId, socketId]} JSON pairs of the seats and waiting places held by sockets of node {@code %s}. */
    static final String PLACES = "node:%s:places";
    /** Set: ids of the nodes whose place index is not empty. */
    static final String NODES = "nodes";

    /** Redisson lock {@code %s} of {@link RedissonClusterLock}; it expires with its lease. */
    static final String LOCK = "lock:%s";

    /** Channel: {@link io.meetsignal.cluster.ClusterMessage.RoomEvent}s of the room {@code %s}. */
    static final String ROOM_CHANNEL = "room:%s";
    /** Channel: {@link io.meetsignal.cluster.ClusterMessage.SocketEvent}s for sockets of node {@code %s}. */
    static final String NODE_CHANNEL = "node:%s";

    /** The key patterns by the name of their Lua function ({@code key_<name>}). */
    private static final Map<String, String> LUA_KEYS = luaKeys();

    private final String prefix;

    public RedisKeys(String prefix) {
        this.prefix = requireNonNull(prefix, "prefix");
    }

    private static Map<String, String> luaKeys() {
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put("code", CODE);
        keys.put("room", ROOM);
        keys.put("seats", SEATS);
        keys.put("order", ORDER);
        keys.put("waiting", WAITING);
        keys.put("queue", QUEUE);
        keys.put("users", USERS);
        keys.put("bans", BANS);
        keys.put("chat", CHAT);
        keys.put("log", LOG);
        keys.put("logcut", LOG_CUT);
        keys.put("logbytes", LOG_BYTES);
        keys.put("socket", SOCKET);
        keys.put("unseated", UNSEATED);
        keys.put("active_rooms", ACTIVE_ROOMS);
        keys.put("alive", ALIVE);
        keys.put("places", PLACES);
        keys.put("nodes", NODES);
        return keys;
    }

    public String prefix() {
        return prefix;
    }

    public String code(String normalizedCode) {
        return key(CODE, normalizedCode);
    }

    public String room(String roomId) {
        return key(ROOM, roomId);
    }

    public String seats(String roomId) {
        return key(SEATS, roomId);
    }

    public String order(String roomId) {
        return key(ORDER, roomId);
    }

    public String waiting(String roomId) {
        return key(WAITING, roomId);
    }

    public String queue(String roomId) {
        return key(QUEUE, roomId);
    }

    public String users(String roomId) {
        return key(USERS, roomId);
    }

    public String bans(String roomId) {
        return key(BANS, roomId);
    }

    public String chat(String roomId) {
        return key(CHAT, roomId);
    }

    public String log(String roomId) {
        return key(LOG, roomId);
    }

    public String logCut(String roomId) {
        return key(LOG_CUT, roomId);
    }

    public String logBytes(String roomId) {
        return key(LOG_BYTES, roomId);
    }

    public String socket(String socketId) {
        return key(SOCKET, socketId);
    }

    public String unseated(String socketId) {
        return key(UNSEATED, socketId);
    }

    public String activeRooms() {
        return prefix + ACTIVE_ROOMS;
    }

    public String alive(String nodeId) {
        return key(ALIVE, nodeId);
    }

    public String places(String nodeId) {
        return key(PLACES, nodeId);
    }

    public String nodes() {
        return prefix + NODES;
    }

    public String lock(String name) {
        return key(LOCK, name);
    }

    public String roomChannel(String roomId) {
        return key(ROOM_CHANNEL, roomId);
    }

    public String nodeChannel(String nodeId) {
        return key(NODE_CHANNEL, nodeId);
    }

    /** {@code pattern} with its one {@code %s} replaced (a concatenation: every relayed signal asks for four keys). */
    private String key(String pattern, String id) {
        requireNonNull(id, "id");
        int at = pattern.indexOf("%s");
        return prefix + pattern.substring(0, at) + id + pattern.substring(at + 2);
    }

    /**
     * Lua that defines {@code key_<name>(id)} for every key pattern, reading the prefix from {@code ARGV[1]}.
     * Every script of this package starts with it.
     */
    static String luaPrelude() {
        StringBuilder lua = new StringBuilder("-- generated by RedisKeys\nlocal P = ARGV[1]\n");
        LUA_KEYS.forEach((name, pattern) -> {
            String[] parts = pattern.split("%s", -1);
            for (String part : parts) {
                if (!part.matches("[a-z:]*")) {
                    throw new IllegalStateException("key pattern not safe for Lua: " + pattern);
                }
            }
            lua.append("local function key_")
                    .append(name)
                    .append(parts.length > 1 ? "(id)" : "()")
                    .append(" return P .. '")
                    .append(parts[0])
                    .append('\'');
            if (parts.length > 1) {
                lua.append(" .. id .. '").append(parts[1]).append('\'');
            }
            lua.append(" end\n");
        });
        return lua.toString();
    }
}
