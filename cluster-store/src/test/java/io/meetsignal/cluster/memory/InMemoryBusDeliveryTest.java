package io.meetsignal.cluster.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meetsignal.cluster.ClusterMessage;
import io.meetsignal.cluster.Offsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The in-memory bus delivers like the Redis one: on a thread of its own, in order, never under its lock. */
class InMemoryBusDeliveryTest {

    private static ClusterMessage event(int i) {
        return new ClusterMessage.RoomEvent("r1", null, "chat-message", "{\"n\":" + i + "}", null);
    }

    @Test
    void aListenerThatIsBusyDoesNotHoldUpThePublisher() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch delivered = new CountDownLatch(2);
        List<String> threads = new ArrayList<>();
        try (InMemoryClusterBus bus = new InMemoryClusterBus()) {
            bus.start("n1", message -> {
                synchronized (threads) {
                    threads.add(Thread.currentThread().getName());
                }
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                delivered.countDown();
            });
            // inline delivery would block here until the listener returns
            assertTrue(bus.publish(event(1)).toCompletableFuture().isDone());
            assertTrue(bus.publish(event(2)).toCompletableFuture().isDone());
            // the log can be read while the listener still holds the first message
            assertEquals(
                    2,
                    bus.replay("r1", Offsets.START, 10, Long.MAX_VALUE)
                            .toCompletableFuture()
                            .get(5, TimeUnit.SECONDS)
                            .orElseThrow()
                            .size());
            release.countDown();
            assertTrue(delivered.await(10, TimeUnit.SECONDS));
        }
        synchronized (threads) {
            assertEquals(2, threads.size());
            assertNotEquals(Thread.currentThread().getName(), threads.get(0));
        }
    }

    @Test
    void deliveredCompletesAfterEverythingPublishedBefore() throws Exception {
        List<Integer> seen = new ArrayList<>();
        try (InMemoryClusterBus bus = new InMemoryClusterBus()) {
            bus.start("n1", message -> {
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                synchronized (seen) {
                    seen.add(seen.size());
                }
            });
            for (int i = 0; i < 50; i++) {
                bus.publish(event(i));
            }
            bus.delivered().toCompletableFuture().get(10, TimeUnit.SECONDS);
            synchronized (seen) {
                assertEquals(50, seen.size());
            }
        }
    }

    @Test
    void messagesFromManyPublishersArriveInTheOrderOfTheirOffsets() throws Exception {
        List<String> offsets = new ArrayList<>();
        CountDownLatch all = new CountDownLatch(4_000);
        try (InMemoryClusterBus bus = new InMemoryClusterBus()) {
            bus.start("n1", message -> {
                synchronized (offsets) {
                    offsets.add(message.offset());
                }
                all.countDown();
            });
            List<Thread> publishers = new ArrayList<>();
            for (int p = 0; p < 4; p++) {
                Thread thread = new Thread(() -> {
                    for (int i = 0; i < 1_000; i++) {
                        bus.publish(event(i));
                    }
                });
                publishers.add(thread);
                thread.start();
            }
            for (Thread thread : publishers) {
                thread.join();
            }
            assertTrue(all.await(10, TimeUnit.SECONDS));
        }
        synchronized (offsets) {
            assertEquals(4_000, offsets.size());
            for (int i = 1; i < offsets.size(); i++) {
                assertTrue(
                        Offsets.compare(offsets.get(i - 1), offsets.get(i)) < 0,
                        offsets.get(i - 1) + " then " + offsets.get(i));
            }
        }
    }
}
