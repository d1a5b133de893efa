package io.meetsignal.node.ops;

import io.meetsignal.cluster.ClusterStore;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the node can serve: accepting connections (not draining) and the shared state answered a ping
 * recently. Pings run every {@link #PING_INTERVAL}; a node whose store has not answered for
 * {@link #STALE_AFTER} is not ready, so {@code /readyz} turns 503 within 3 s of Redis going away.
 */
public final class Readiness implements BooleanSupplier, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Readiness.class);
    public static final Duration PING_INTERVAL = Duration.ofMillis(500);
    public static final Duration STALE_AFTER = Duration.ofMillis(2500);

    private final ClusterStore store;
    private final BooleanSupplier accepting;
    private final ScheduledExecutorService timers;
    private volatile long lastAnswerNanos;
    private volatile boolean reachable = true;
    private ScheduledFuture<?> pings;

    public Readiness(ClusterStore store, BooleanSupplier accepting, ScheduledExecutorService timers) {
        this.store = store;
        this.accepting = accepting;
        this.timers = timers;
        this.lastAnswerNanos = System.nanoTime();
    }

    public void start() {
        pings = timers.scheduleWithFixedDelay(this::ping, 0, PING_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void ping() {
        store.ping().whenComplete((ok, failure) -> {
            if (failure == null) {
                lastAnswerNanos = System.nanoTime();
                if (!reachable) {
                    reachable = true;
                    log.info("Shared state reachable again");
                }
            } else if (reachable && !storeAnswered()) {
                reachable = false;
                log.warn("Shared state unreachable: {}", failure.toString());
            }
        });
    }

    private boolean storeAnswered() {
        return System.nanoTime() - lastAnswerNanos < STALE_AFTER.toNanos();
    }

    @Override
    public boolean getAsBoolean() {
        return accepting.getAsBoolean() && storeAnswered();
    }

    @Override
    public void close() {
        if (pings != null) {
            pings.cancel(false);
        }
    }
}
