package io.meetsignal.node.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LoopLagTest {

    private final EventLoop loop = new DefaultEventLoop();
    private final LoopLag lag = new LoopLag(System::nanoTime);

    @AfterEach
    void stop() {
        lag.close();
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private boolean eventually(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(5);
        }
        return false;
    }

    @Test
    void aLoopStuckBehindWorkIsSeenAsLateBeforeItsProbeRunsAgain() throws Exception {
        lag.watch(loop);
        lag.watch(loop); // watching twice probes once
        assertTrue(eventually(() -> lag.lagMillis() < 100), "an idle loop keeps up: " + lag.lagMillis());

        CountDownLatch blocking = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        loop.execute(() -> {
            blocking.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(blocking.await(5, TimeUnit.SECONDS));
        Thread.sleep(400);
        double stuck = lag.lagMillis();
        release.countDown();
        assertTrue(stuck >= 300, "lag while the loop was stuck for 400 ms: " + stuck);
        assertTrue(eventually(() -> lag.lagMillis() < 100), "caught up again: " + lag.lagMillis());
    }

    @Test
    void onlyLatenessThatRepeatsIsSustained() {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.freezeTime();
        AtomicLong now = new AtomicLong(1_000_000_000L);
        LoopLag lag = new LoopLag(now::get);
        lag.watch(channel.eventLoop());
        Runnable stall = () -> { // the loop gets to its probe 450 ms after asking, i.e. 400 ms late
            now.addAndGet(TimeUnit.MILLISECONDS.toNanos(450));
            channel.advanceTimeBy(450, TimeUnit.MILLISECONDS);
        };

        stall.run();
        assertEquals(400, lag.lagMillis(), 1, "overdue counts at once");
        assertEquals(0, lag.sustainedLagMillis(), 1, "but one late probe is no overload");
        channel.runScheduledPendingTasks();
        assertEquals(400, lag.lagMillis(), 1);
        assertEquals(0, lag.sustainedLagMillis(), 1, "still one late probe: a single long task");

        stall.run();
        assertEquals(400, lag.sustainedLagMillis(), 1, "late again, before the probe has even run");
        channel.runScheduledPendingTasks();
        assertEquals(400, lag.sustainedLagMillis(), 1, "two late probes in a row");

        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(50));
        channel.advanceTimeBy(50, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertEquals(0, lag.sustainedLagMillis(), 1, "on time again");
        lag.close();
        channel.finishAndReleaseAll();
    }

    @Test
    void nothingWatchedMeansNoLag() {
        assertEquals(0, lag.lagMillis());
    }

    @Test
    void aLoopThatShutsDownIsDroppedQuietly() throws Exception {
        EventLoop other = new DefaultEventLoop();
        lag.watch(other);
        other.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        assertTrue(eventually(() -> lag.lagMillis() < 1_000), "a stopped loop does not count as late forever");
    }
}
