package io.meetsignal.cluster.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanIterator;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.meetsignal.cluster.ClusterStore;
import io.meetsignal.cluster.ClusterStoreContract;
import io.meetsignal.cluster.JoinOutcome;
import io.meetsignal.cluster.JoinRefusal;
import io.meetsignal.cluster.JoinRequest;
import io.meetsignal.cluster.MediaChange;
import io.meetsignal.cluster.Participant;
import io.meetsignal.cluster.Room;
import io.meetsignal.cluster.RoomSettings;
import io.meetsignal.cluster.StoreUnavailableException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The store contract against Redis, and what only the Redis store does (key lifetimes, outages, versions). */
class RedisClusterStoreIT extends ClusterStoreContract {

    private static RedisClient rawClient;
    private static StatefulRedisConnection<String, String> rawConnection;
    /** Direct access to Redis, for looking at keys. */
    private static RedisCommands<String, String> raw;

    private final List<RedisCluster> clusters = new ArrayList<>();
    private RedisConfig config = RedisLocator.freshConfig();

    @BeforeAll
    static void connectRaw() {
        rawClient = RedisClient.create(RedisLocator.uri());
        rawConnection = rawClient.connect();
        raw = rawConnection.sync();
    }

    @AfterAll
    static void closeRaw() {
        rawConnection.close();
        rawClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    @Override
    protected ClusterStore newStore() {
        return cluster(config).store();
    }

    private RedisCluster cluster(RedisConfig redisConfig) {
        RedisCluster cluster = RedisCluster.connect(redisConfig);
        clusters.add(cluster);
        return cluster;
    }

    @AfterEach
    void closeClusters() {
        clusters.forEach(RedisCluster::close);
    }

    @Test
    void twoNodesSeeTheSameState() {
        ClusterStore other = cluster(config).store();
        Room room = created(newRoom(capacity(2)));
        seated(join(room, guest("a")));

        JoinOutcome.Seated b = seated(await(other.join(new JoinRequest(code(room), guest("b"), null))));

        assertEquals(List.of("a"), socketIds(b.others()));
        assertEquals(new JoinOutcome.Refused(JoinRefusal.FULL), join(room, guest("c")));
        assertEquals(List.of("a", "b"), socketIds(await(other.participants(room.id()))));
    }

    @Test
    void twoPrefixesShareOneRedisWithoutSeeingEachOther() {
        ClusterStore other = cluster(RedisLocator.freshConfig()).store();
        Room mine = created(newRoom("same-code", RoomSettings.DEFAULTS));
        Room theirs = newRoom("same-code", RoomSettings.DEFAULTS);

        assertEquals(theirs, await(other.createRoom(theirs)));
        assertEquals(Optional.of(mine), await(store.roomByCode("samecode")));
        assertEquals(Optional.of(theirs), await(other.roomByCode("samecode")));
        assertEquals(1L, await(other.activeRoomCount()));
    }

    @Test
    void everyKeyHasATtlOrAnOwner() {
        Room occupied = created(newRoom(waitingRoom(10)));
        seated(join(occupied, user("h", HOST)));
        assertInstanceOf(JoinOutcome.Waiting.class, join(occupied, guest("w")));
        Room empty = created(newRoom(RoomSettings.DEFAULTS));
        Room left = created(newRoom(RoomSettings.DEFAULTS));
        seated(join(left, user("l", "ul")));
        await(store.appendChat(chat(left, 1)));
        await(store.removeAndBan(left.id(), "l"));
        Room ended = created(newRoom(RoomSettings.DEFAULTS));
        seated(join(ended, guest("e")));
        await(store.endRoom(ended.id()));
        await(store.heartbeat(NODE_A, Duration.ofMinutes(1)));

        RedisKeys keys = new RedisKeys(config.prefix());
        Set<String> owned = Set.of(
                keys.activeRooms(),
                keys.nodes(),
                keys.places(NODE_A),
                keys.room(occupied.id()),
                keys.code(code(occupied)),
                keys.seats(occupied.id()),
                keys.order(occupied.id()),
                keys.waiting(occupied.id()),
                keys.queue(occupied.id()),
                keys.users(occupied.id()));
        Map<String, Long> ttls = ttls();
        for (Map.Entry<String, Long> key : ttls.entrySet()) {
            if (owned.contains(key.getKey())) {
                assertEquals(-1L, key.getValue(), "owned key without TTL: " + key.getKey());
            } else {
                assertTrue(key.getValue() > 0, "key without owner has no TTL: " + key.getKey());
            }
        }
        assertTrue(
                ttls.keySet()
                        .containsAll(Set.of(
                                keys.room(empty.id()),
                                keys.bans(left.id()),
                                keys.chat(left.id()),
                                keys.room(ended.id()),
                                keys.alive(NODE_A))),
                ttls.keySet().toString());

        await(store.leave(occupied.id(), "h"));
        await(store.removeWaiting(occupied.id(), "w"));
        ttls().forEach((key, ttl) -> {
            if (!key.equals(keys.activeRooms())) {
                assertTrue(ttl > 0, "once everyone left, every key expires: " + key);
            }
        });
    }

    @Test
    void roomsExpireOnceNobodySitsOrWaits() {
        config = config.withRoomTtl(Duration.ofMillis(300));
        ClusterStore shortLived = newStore();
        Room empty = await(shortLived.createRoom(newRoom(RoomSettings.DEFAULTS)));
        Room occupied = await(shortLived.createRoom(newRoom(RoomSettings.DEFAULTS)));
        seated(await(shortLived.join(new JoinRequest(code(occupied), guest("a"), null))));
        Room ended = await(shortLived.createRoom(newRoom(RoomSettings.DEFAULTS)));
        await(shortLived.endRoom(ended.id()));
        assertEquals(Optional.of(ended.ended()), await(shortLived.roomById(ended.id())));

        eventually(() -> {
            assertEquals(Optional.empty(), await(shortLived.roomById(empty.id())));
            assertEquals(Optional.empty(), await(shortLived.roomByCode(code(empty))));
            assertEquals(Optional.empty(), await(shortLived.roomById(ended.id())));
        });
        assertEquals(Optional.of(occupied), await(shortLived.roomById(occupied.id())));
        assertEquals(1L, await(shortLived.activeRoomCount()));

        await(shortLived.leave(occupied.id(), "a"));
        eventually(() -> assertEquals(0L, await(shortLived.activeRoomCount())));
        assertEquals(Optional.empty(), await(shortLived.roomByCode(code(occupied))));
    }

    @Test
    void valuesWrittenByANewerVersionAreReadAndKept() {
        Room room = created(newRoom(RoomSettings.DEFAULTS));
        seated(join(room, guest("a")));
        RedisKeys keys = new RedisKeys(config.prefix());
        String newer = raw.hget(keys.room(room.id()), "json")
                .replace("\"settings\":{", "\"future\":{\"list\":[1,2]},\"settings\":{\"futureSetting\":7,");
        raw.hset(keys.room(room.id()), "json", newer);
        raw.hset(
                keys.seats(room.id()), "a", raw.hget(keys.seats(room.id()), "a").replace("{", "{\"futureFlag\":true,"));

        assertEquals(Optional.of(room.withLocked(true)), await(store.setLocked(room.id(), true)));
        assertTrue(raw.hget(keys.room(room.id()), "json").contains("\"futureSetting\":7"));
        Participant muted = await(store.updateMedia(room.id(), "a", MediaChange.AUDIO, false))
                .orElseThrow();
        assertTrue(muted.muted());
        assertTrue(raw.hget(keys.seats(room.id()), "a").contains("\"futureFlag\":true"));
        assertEquals(List.of(muted), seated(join(room, user("h", HOST))).others());
    }

    @Test
    void connectFailsAsUnavailableWhenRedisIsDown() {
        RedisConfig nowhere =
                new RedisConfig("redis://127.0.0.1:" + RedisLocator.freePort(), "x:", Duration.ofMillis(500));

        assertThrows(StoreUnavailableException.class, () -> RedisCluster.connect(nowhere));
    }

    @Test
    void storeFailsFastWhileRedisIsDownAndRecoversWhenItIsBack() {
        try (RedisProcess redis = RedisLocator.dedicated().start()) {
            RedisCluster cluster = cluster(RedisConfig.of(redis.uri()));
            ClusterStore dedicated = cluster.store();
            Room room = await(dedicated.createRoom(newRoom(RoomSettings.DEFAULTS)));
            await(cluster.ping());

            redis.stop();
            long started = System.nanoTime();
            assertInstanceOf(
                    StoreUnavailableException.class,
                    failureOf(dedicated.join(new JoinRequest(code(room), guest("a"), null))));
            assertInstanceOf(StoreUnavailableException.class, failureOf(dedicated.roomById(room.id())));
            assertInstanceOf(
                    StoreUnavailableException.class, failureOf(dedicated.heartbeat(NODE_A, Duration.ofSeconds(1))));
            assertInstanceOf(StoreUnavailableException.class, failureOf(cluster.ping()));
            assertTrue(
                    Duration.ofNanos(System.nanoTime() - started).compareTo(Duration.ofSeconds(3)) < 0,
                    "failures take at most the command timeout");

            redis.start(); // empty: no rooms, no cached scripts
            eventually(() -> await(cluster.ping()));
            Room again = await(dedicated.createRoom(newRoom(room.code(), RoomSettings.DEFAULTS)));
            seated(await(dedicated.join(new JoinRequest(code(again), guest("a"), null))));
        }
    }

    @Test
    void roomTemplateOfAnUnknownCodeIsStoredOnce() {
        Room template = newRoom(RoomSettings.DEFAULTS);
        Room otherTemplate = new Room(
                "another-id", template.code(), "Other", HOST, true, false, Instant.now(), RoomSettings.DEFAULTS);
        seated(await(store.join(new JoinRequest(code(template), guest("a"), template))));

        JoinOutcome.Seated second =
                seated(await(store.join(new JoinRequest(code(template), guest("b"), otherTemplate))));

        assertEquals(template, second.room());
        assertEquals(Optional.empty(), await(store.roomById("another-id")));
    }

    /** The PTTL of every key under this test's prefix. */
    private Map<String, Long> ttls() {
        Map<String, Long> ttls = new HashMap<>();
        ScanIterator<String> keys = ScanIterator.scan(
                raw, ScanArgs.Builder.matches(config.prefix() + "*").limit(500));
        while (keys.hasNext()) {
            String key = keys.next();
            ttls.put(key, raw.pttl(key));
        }
        return ttls;
    }
}
