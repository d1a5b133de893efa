package io.meetsignal.cluster.redis;

import static io.meetsignal.cluster.ClusterStoreContract.TIMEOUT;
import static io.meetsignal.cluster.ClusterStoreContract.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meetsignal.cluster.ClusterStore;
import io.meetsignal.cluster.JoinOutcome;
import io.meetsignal.cluster.JoinRefusal;
import io.meetsignal.cluster.JoinRequest;
import io.meetsignal.cluster.Participant;
import io.meetsignal.cluster.Room;
import io.meetsignal.cluster.RoomCodes;
import io.meetsignal.cluster.RoomSettings;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;

/**
 * Many joins at once from several nodes (stores with connections of their own) never seat more than the room
 * holds, and every seat sees the others in one joining order.
 */
class RedisCapacityRaceIT {

    private static final int NODES = 4;
    private static final int CANDIDATES = 40;
    private static final int MAX = 10;
    private static final String HOST = "host-user";
    private static final int THREADS = 8;

    private static final List<RedisCluster> clusters = new ArrayList<>();
    private static final List<ClusterStore> stores = new ArrayList<>();
    private static ExecutorService threads;

    @BeforeAll
    static void startNodes() {
        RedisConfig config = RedisLocator.freshConfig();
        for (int i = 0; i < NODES; i++) {
            RedisCluster cluster = RedisCluster.connect(config);
            clusters.add(cluster);
            stores.add(cluster.store());
        }
        threads = Executors.newFixedThreadPool(THREADS);
    }

    @AfterAll
    static void stopNodes() {
        threads.shutdownNow();
        clusters.forEach(RedisCluster::close);
    }

    @RepeatedTest(20)
    void concurrentJoinsSeatExactlyTheCapacity() throws InterruptedException {
        Room room = createRoom();

        List<JoinOutcome> outcomes = joinAtOnce(room, candidates(CANDIDATES, null));

        List<JoinOutcome.Seated> seated = seated(outcomes);
        assertEquals(MAX, seated.size());
        assertEquals(
                CANDIDATES - MAX,
                outcomes.stream()
                        .filter(new JoinOutcome.Refused(JoinRefusal.FULL)::equals)
                        .count());
        assertOneJoiningOrder(room, seated);
    }

    @RepeatedTest(5)
    void hostIsSeatedEvenInARace() throws InterruptedException {
        Room room = createRoom();

        List<JoinOutcome> outcomes = joinAtOnce(room, candidates(CANDIDATES, HOST));

        List<JoinOutcome.Seated> seated = seated(outcomes);
        assertTrue(seated.stream().anyMatch(s -> HOST.equals(s.self().userId())), "the host is seated");
        long others =
                seated.stream().filter(s -> !HOST.equals(s.self().userId())).count();
        assertTrue(others == MAX || others == MAX - 1, "non-hosts seated: " + others);
        assertOneJoiningOrder(room, seated);
    }

    private static Room createRoom() {
        Room room = new Room(
                UUID.randomUUID().toString(),
                RoomCodes.generate(),
                "Race",
                HOST,
                true,
                false,
                Instant.now(),
                new RoomSettings(true, true, true, true, false, MAX));
        return await(stores.get(0).createRoom(room));
    }

    private static List<Participant> candidates(int count, String hostAmongThem) {
        List<Participant> candidates = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String userId = hostAmongThem != null && i == count / 2 ? hostAmongThem : "user-" + i;
            candidates.add(new Participant(
                    "socket-" + i,
                    userId,
                    "User " + i,
                    "node-" + (i % NODES),
                    false,
                    false,
                    false,
                    false,
                    Instant.now()));
        }
        return candidates;
    }

    /** Every candidate joins through the store of its node, from several threads released at the same moment. */
    private static List<JoinOutcome> joinAtOnce(Room room, List<Participant> candidates) throws InterruptedException {
        String code = RoomCodes.normalize(room.code()).orElseThrow();
        CountDownLatch ready = new CountDownLatch(THREADS);
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<JoinOutcome>> outcomes = new ArrayList<>();
        candidates.forEach(candidate -> outcomes.add(new CompletableFuture<>()));
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            threads.execute(() -> {
                ready.countDown();
                try {
                    if (!go.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                        return;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                for (int i = thread; i < candidates.size(); i += THREADS) {
                    CompletableFuture<JoinOutcome> outcome = outcomes.get(i);
                    stores.get(i % NODES)
                            .join(new JoinRequest(code, candidates.get(i), null))
                            .whenComplete((joined, failure) -> {
                                if (failure != null) {
                                    outcome.completeExceptionally(failure);
                                } else {
                                    outcome.complete(joined);
                                }
                            });
                }
            });
        }
        assertTrue(ready.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS), "threads ready");
        go.countDown();
        return outcomes.stream().map(stage -> await(stage)).toList();
    }

    private static List<JoinOutcome.Seated> seated(List<JoinOutcome> outcomes) {
        return outcomes.stream()
                .filter(JoinOutcome.Seated.class::isInstance)
                .map(JoinOutcome.Seated.class::cast)
                .toList();
    }

    /** Each seat saw exactly the seats before it in the room's final order. */
    private static void assertOneJoiningOrder(Room room, List<JoinOutcome.Seated> seated) {
        List<Participant> order = await(stores.get(1).participants(room.id()));
        assertEquals(seated.size(), order.size());
        for (JoinOutcome.Seated seat : seated) {
            int position = order.indexOf(seat.self());
            assertTrue(
                    position >= 0,
                    "seated but not a participant: " + seat.self().socketId());
            assertEquals(
                    order.subList(0, position),
                    seat.others(),
                    "others of " + seat.self().socketId());
        }
    }
}
