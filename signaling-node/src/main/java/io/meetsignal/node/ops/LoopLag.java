package io.meetsignal.node.ops;

import io.netty.util.concurrent.EventExecutor;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * How far behind the node's event loops run: a probe on each watched loop asks to run every
 * {@link #PROBE_MILLIS} and records how late it came. A loop whose probe is overdue counts as late by
 * that much, so a loop stuck behind a backlog is seen before its probe runs again.
 *
 * <p>{@link #sustainedLagMillis()} only counts lateness that repeats: the smaller of the last two
 * probes' (or of the last and the one now overdue). A single long task, such as the class loading and
 * compilation behind a fresh node's first connections or one long GC pause, makes one probe late and
 * is not an overload; a backlog makes every probe late.
 *
 * <p>It is the node's overload signal: {@link Admission} refuses new handshakes by it, so that the
 * clients the node already holds keep their latency instead of the whole node falling behind
 * (PROTOCOL.md §7).
 */
public final class LoopLag {

    static final long PROBE_MILLIS = 50;
    private static final long PROBE_NANOS = TimeUnit.MILLISECONDS.toNanos(PROBE_MILLIS);

    private final Map<EventExecutor, Probe> probes = new ConcurrentHashMap<>();
    private final LongSupplier nanoClock;
    private volatile boolean closed;

    public LoopLag(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /** Starts probing {@code loop} unless it is probed already; cheap to call for every new channel. */
    public void watch(EventExecutor loop) {
        if (closed || probes.containsKey(loop)) {
            return;
        }
        Probe probe = new Probe(loop);
        if (probes.putIfAbsent(loop, probe) == null) {
            probe.schedule();
        }
    }

    /** The largest lag of any watched loop now, in milliseconds. */
    public double lagMillis() {
        return worst(false);
    }

    /** The largest lag that repeated on one loop (see the class comment), in milliseconds. */
    public double sustainedLagMillis() {
        return worst(true);
    }

    private double worst(boolean sustained) {
        long now = nanoClock.getAsLong();
        long worst = 0;
        for (Probe probe : probes.values()) {
            if (probe.loop.isShuttingDown()) {
                probes.remove(probe.loop, probe); // its scheduled probe was cancelled: never late, just gone
            } else {
                worst = Math.max(worst, sustained ? probe.sustainedLagNanos(now) : probe.lagNanos(now));
            }
        }
        return worst / 1e6;
    }

    public void close() {
        closed = true;
        probes.clear();
    }

    private final class Probe implements Runnable {

        private final EventExecutor loop;
        private volatile long due;
        private volatile long lastLag;
        private volatile long previousLag;

        Probe(EventExecutor loop) {
            this.loop = loop;
        }

        void schedule() {
            due = nanoClock.getAsLong() + PROBE_NANOS;
            try {
                loop.schedule(this, PROBE_MILLIS, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException shutDown) {
                probes.remove(loop, this);
            }
        }

        @Override
        public void run() {
            previousLag = lastLag;
            lastLag = Math.max(0, nanoClock.getAsLong() - due);
            if (!closed && !loop.isShuttingDown()) {
                schedule();
            } else {
                probes.remove(loop, this);
            }
        }

        long lagNanos(long now) {
            return Math.max(lastLag, now - due);
        }

        long sustainedLagNanos(long now) {
            long last = lastLag;
            return Math.max(Math.min(last, previousLag), Math.min(last, now - due));
        }
    }
}
