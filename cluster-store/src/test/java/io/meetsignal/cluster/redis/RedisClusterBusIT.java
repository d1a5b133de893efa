package io.meetsignal.cluster.redis;

import static io.meetsignal.cluster.ClusterStoreContract.await;
import static io.meetsignal.cluster.ClusterStoreContract.eventually;
import static io.meetsignal.cluster.ClusterStoreContract.failureOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.meetsignal.cluster.ClusterBus;
import io.meetsignal.cluster.ClusterBusContract;
import io.meetsignal.cluster.ClusterMessage;
import io.meetsignal.cluster.Offsets;
import io.meetsignal.cluster.StoreUnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The bus contract against Redis, and what only the Redis bus does (bad input, outages). */
class RedisClusterBusIT extends ClusterBusContract {

    private final List<RedisCluster> clusters = new ArrayList<>();
    private RedisConfig config = RedisLocator.freshConfig();

    @Override
    protected ClusterBus newBus() {
        RedisCluster cluster = RedisCluster.connect(config);
        clusters.add(cluster);
        return cluster.bus();
    }

    @Override
    protected ClusterBus newBusWithLogCap(int cap) {
        RedisCluster cluster = RedisCluster.connect(config.withLog(RedisConfig.DEFAULT_LOG_RETENTION, cap));
        clusters.add(cluster);
        return cluster.bus();
    }

    @Override
    protected ClusterBus newBusWithLogBytes(long maxBytes) {
        RedisCluster cluster = RedisCluster.connect(config.withLogMaxBytes(maxBytes));
        clusters.add(cluster);
        return cluster.bus();
    }

    @Override
    protected CompletionStage<Void> started(ClusterBus bus) {
        return ((RedisClusterBus) bus).started();
    }

    @AfterEach
    void closeClusters() {
        clusters.forEach(RedisCluster::close);
    }

    /**
     * What the node does with a command's result must not hold up Lettuce's I/O thread, which reads every later
     * reply of the same connection.
     */
    @Test
    void resultsReachTheNodeOffRedisIoThreads() {
        RedisCluster cluster = RedisCluster.connect(config);
        clusters.add(cluster);
        cluster.bus().start("a", message -> {});
        await(((RedisClusterBus) cluster.bus()).started());

        String publishThread = await(cluster.bus()
                .publish(socketEvent("a", "offer", 1))
                .thenApply(ignored -> Thread.currentThread().getName()));
        String storeThread = await(cluster.store()
                .ping()
                .thenApply(ignored -> Thread.currentThread().getName()));
        String replayThread = await(cluster.bus()
                .replay("r1", "0-0", 10, Long.MAX_VALUE)
                .thenApply(ignored -> Thread.currentThread().getName()));

        for (String thread : List.of(publishThread, storeThread, replayThread)) {
            assertFalse(thread.startsWith("lettuce"), thread);
        }
    }

    /**
     * Messages are delivered on the subscription's own I/O thread (a fan-out to hundreds of sockets runs there): the
     * store's replies must still be read meanwhile, i.e. the two connections must not share that thread.
     */
    @Test
    void aBusyListenerDoesNotHoldUpTheStoresReplies() throws InterruptedException {
        RedisCluster cluster = RedisCluster.connect(config);
        clusters.add(cluster);
        CountDownLatch inListener = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        cluster.bus().start("a", message -> {
            inListener.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        await(((RedisClusterBus) cluster.bus()).started());
        try {
            await(cluster.bus().publish(socketEvent("a", "offer", 1)));
            assertTrue(inListener.await(5, TimeUnit.SECONDS), "message delivered");

            long started = System.nanoTime();
            await(cluster.store().ping());
            long millis = (System.nanoTime() - started) / 1_000_000;

            assertTrue(millis < 1000, "the store answered after " + millis + " ms");
        } finally {
            release.countDown();
        }
    }

    /** A join skips the SUBSCRIBE of a channel already subscribed, but never one whose unsubscribe is on its way. */
    @Test
    void aRoomLeftAndJoinedAgainAtOnceStaysSubscribed() {
        Node a = node("a");
        await(a.bus.joinRoom("r1"));
        a.bus.leaveRoom("r1");
        await(a.bus.joinRoom("r1"));
        ClusterMessage event = roomEvent("r1", "offer", 1);

        await(a.bus.publish(event));

        assertEquals(event, a.next());
    }

    @Test
    void unreadableMessagesAreDroppedAndDeliveryGoesOn() {
        Node a = node("a");
        ClusterMessage after = socketEvent("a", "after", 1);
        RedisKeys keys = new RedisKeys(config.prefix());
        RedisClient client = RedisClient.create(config.uri());
        try (StatefulRedisConnection<String, String> raw = client.connect()) {
            raw.sync().publish(keys.nodeChannel("a"), "not json");
            raw.sync().publish(keys.nodeChannel("a"), "{\"type\":\"unknown\",\"roomId\":\"r1\"}");
            raw.sync().publish(keys.nodeChannel("a"), "{\"type\":\"socket\",\"roomId\":\"r1\"}");
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        await(a.bus.publish(after));

        assertEquals(after, a.next());
    }

    /** A rolling upgrade: a node of an earlier version publishes (and logs) whole messages as JSON. */
    @Test
    void messagesInTheEarlierFormatAreDeliveredAndReplayed() {
        Node a = node("a");
        await(a.bus.joinRoom("r1"));
        String payload = "{\"sdp\":{\"type\":\"offer\",\"sdp\":\"v=0\\r\\ns=-\\r\\n\"}}";
        String legacyRoom = "{\"type\":\"room\",\"roomId\":\"r1\",\"exceptSocketId\":\"s9\",\"event\":\"offer\","
                + "\"payload\":" + RedisJson.write(payload) + "}";
        String legacySocket = "{\"type\":\"socket\",\"nodeId\":\"a\",\"socketId\":\"s1\",\"roomId\":\"r1\","
                + "\"event\":\"answer\",\"payload\":" + RedisJson.write(payload) + ",\"action\":\"NONE\"}";
        RedisKeys keys = new RedisKeys(config.prefix());
        RedisClient client = RedisClient.create(config.uri());
        String offset;
        try (StatefulRedisConnection<String, String> raw = client.connect()) {
            offset = raw.sync().xadd(keys.log("r1"), Map.of("m", legacyRoom));
            raw.sync().publish(keys.roomChannel("r1"), offset + " " + legacyRoom);
            raw.sync().publish(keys.nodeChannel("a"), "- " + legacySocket);
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        ClusterMessage.RoomEvent room = new ClusterMessage.RoomEvent("r1", "s9", "offer", payload, null);
        ClusterMessage.RoomEvent mine = roomEvent("r1", "chat-message", 2);
        await(a.bus.publish(mine));

        assertEquals(room, a.next());
        assertEquals(
                new ClusterMessage.SocketEvent("a", "s1", "r1", "answer", payload, ClusterMessage.SocketAction.NONE),
                a.next());
        assertEquals(mine, a.next());
        assertEquals(offset, a.offsets.get(0));
        assertEquals(
                List.of(room.withOffset(offset), mine.withOffset(a.offsets.get(1))),
                await(a.bus.replay("r1", Offsets.START, 10, Long.MAX_VALUE)).orElseThrow());
    }

    /**
     * The first step of a rolling upgrade: nodes of this version publish with {@code BUS_FORMAT=1}, which earlier
     * nodes read (one JSON object, live and in the log), and nodes of this version read it too.
     */
    @Test
    void withTheEarlierBusFormatMessagesArePublishedAndLoggedAsOneJsonObject() throws Exception {
        Node reader = node("b");
        await(reader.bus.joinRoom("r1"));
        config = config.withBusFormat(RedisConfig.BUS_FORMAT_JSON);
        Node writer = node("a");
        await(writer.bus.joinRoom("r1"));
        RedisKeys keys = new RedisKeys(config.prefix());
        RedisClient client = RedisClient.create(config.uri());
        try (var raw = client.connectPubSub();
                var plain = client.connect()) {
            var seen = new java.util.concurrent.LinkedBlockingQueue<String>();
            raw.addListener(new io.lettuce.core.pubsub.RedisPubSubAdapter<String, String>() {
                @Override
                public void message(String channel, String message) {
                    seen.add(message);
                }
            });
            raw.sync().subscribe(keys.roomChannel("r1"));
            ClusterMessage.RoomEvent offer = new ClusterMessage.RoomEvent(
                    "r1", "s1", "offer", "{\"sdp\":{\"type\":\"offer\",\"sdp\":\"v=0\\r\\n\"}}", null);

            await(writer.bus.publish(offer));

            String live = seen.poll(5, TimeUnit.SECONDS);
            assertTrue(live != null && live.substring(live.indexOf(' ') + 1).startsWith("{\"type\":\"room\""), live);
            String logged = plain.sync()
                    .xrange(keys.log("r1"), io.lettuce.core.Range.create("-", "+"))
                    .get(0)
                    .getBody()
                    .get("m");
            assertTrue(logged.startsWith("{\"type\":\"room\""), logged);
            ClusterMessage delivered = reader.next();
            assertEquals(offer, delivered);
            assertEquals(
                    List.of(offer.withOffset(reader.offsets.get(0))),
                    await(reader.bus.replay("r1", Offsets.START, 10, Long.MAX_VALUE))
                            .orElseThrow());
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    @Test
    void messagesOfAnotherPrefixAreNotSeen() {
        Node a = node("a");
        await(a.bus.joinRoom("r1"));
        config = RedisLocator.freshConfig();
        Node stranger = node("a");
        await(stranger.bus.joinRoom("r1"));
        ClusterMessage mine = roomEvent("r1", "mine", 1);
        ClusterMessage theirs = roomEvent("r1", "theirs", 2);

        await(stranger.bus.publish(theirs));
        await(a.bus.publish(mine));

        assertEquals(mine, a.next());
        assertEquals(theirs, stranger.next());
    }

    @Test
    void subscriptionsSurviveARedisRestart() {
        try (RedisProcess redis = RedisLocator.dedicated().start()) {
            config = RedisConfig.of(redis.uri()).withPrefix(RedisLocator.freshPrefix());
            Node a = node("a");
            Node b = node("b");
            await(b.bus.joinRoom("r1"));

            redis.stop();
            assertInstanceOf(StoreUnavailableException.class, failureOf(a.bus.publish(roomEvent("r1", "lost", 0))));
            redis.start();

            AtomicInteger attempt = new AtomicInteger();
            eventually(() -> {
                ClusterMessage probe = roomEvent("r1", "probe", attempt.incrementAndGet());
                a.bus.publish(probe);
                ClusterMessage got = b.poll(Duration.ofMillis(200));
                assertEquals("probe", got == null ? null : ((ClusterMessage.RoomEvent) got).event());
            });
            eventually(() -> {
                ClusterMessage probe = socketEvent("b", "node-probe", attempt.incrementAndGet());
                a.bus.publish(probe);
                ClusterMessage got = b.poll(Duration.ofMillis(200));
                assertEquals(ClusterMessage.SocketEvent.class, got == null ? null : got.getClass());
            });
        }
    }

    @Test
    void changesMadeWhileRedisIsDownApplyWhenItIsBack() {
        try (RedisProcess redis = RedisLocator.dedicated().start()) {
            config = RedisConfig.of(redis.uri()).withPrefix(RedisLocator.freshPrefix());
            RedisKeys keys = new RedisKeys(config.prefix());
            Node a = node("a");
            Node b = node("b");
            await(b.bus.joinRoom("left-while-down"));

            redis.stop();
            failureOf(b.bus.leaveRoom("left-while-down"));
            assertInstanceOf(StoreUnavailableException.class, failureOf(b.bus.joinRoom("joined-while-down")));
            redis.start();

            AtomicInteger attempt = new AtomicInteger();
            eventually(() -> {
                a.bus.publish(roomEvent("joined-while-down", "probe", attempt.incrementAndGet()));
                ClusterMessage got = b.poll(Duration.ofMillis(200));
                assertEquals("joined-while-down", got == null ? null : got.roomId());
            });
            RedisClient client = RedisClient.create(redis.uri());
            try (StatefulRedisConnection<String, String> raw = client.connect()) {
                eventually(() -> assertEquals(
                        0L,
                        raw.sync()
                                .pubsubNumsub(keys.roomChannel("left-while-down"))
                                .values()
                                .iterator()
                                .next()));
                assertEquals(
                        1L,
                        raw.sync()
                                .pubsubNumsub(keys.roomChannel("joined-while-down"))
                                .values()
                                .iterator()
                                .next());
            } finally {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
        }
    }
}
