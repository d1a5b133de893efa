package io.meetsignal.node.ops;

import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

/**
 * Whether the node takes one more new client now. Refused while the heap, measured after the last
 * garbage collection, is fuller than {@link #HEAP_LIMIT}: a node that runs out of memory exits and drops
 * every client it holds. Otherwise unlimited while the event loops keep up; once their
 * lag passes the limit, new handshakes are refused outright and from then on admitted at a rate that is
 * cut when the lag is over the limit and grows again while it stays low (additive increase,
 * multiplicative decrease). Refusing outright alone admits everyone queued the moment the lag dips and
 * overloads the node again a second later; the rate spreads them out.
 *
 * <p>The work a client brings (its join and the fan-out to its room) follows its handshake by a few
 * hundred milliseconds, so the rate, not the lag of the moment, is what keeps the node below its
 * limit. Not thread-confined: called from every event loop, it synchronizes (a few hundred calls per
 * second at most when it matters).
 */
public final class Admission {

    /** The rate never falls below this: a node that admits nobody cannot learn that it recovered. */
    static final double MIN_RATE = 5;
    /** How often the rate is adjusted. */
    static final long ADJUST_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** The rate is cut at most this often: the lag stays high for a while after its cause is gone. */
    static final long CUT_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** After this long without overload the node admits without limit again. */
    static final long CALM_NANOS = TimeUnit.SECONDS.toNanos(10);

    static final double DECREASE = 0.7;
    /** Growth per adjustment while the lag is under half the limit (about +20 % a second). */
    static final double INCREASE = 0.02;

    /** Share of the long-lived heap, used after the last GC, beyond which no newcomer is admitted. */
    public static final double HEAP_LIMIT = 0.85;

    /** Why a handshake is refused. */
    public enum Refusal {
        OVERLOADED,
        MEMORY;

        /** The metric tag. */
        public String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final DoubleSupplier lagMillis;
    private final double limitMillis;
    private final DoubleSupplier heapUsedAfterGc;
    private final LongSupplier nanoClock;

    private boolean limited;
    private double rate;
    private double tokens;
    private long lastRefill;
    private long lastAdjust;
    private long lastOverload;
    private long lastCut;
    private int admittedSinceAdjust;
    private double admittedPerSecond;

    /**
     * {@code limitMillis} 0 turns shedding by lag off; {@code heapUsedAfterGc} is a share (0-1, NaN
     * before the first collection).
     */
    public Admission(
            DoubleSupplier lagMillis, long limitMillis, DoubleSupplier heapUsedAfterGc, LongSupplier nanoClock) {
        if (limitMillis < 0) {
            throw new IllegalArgumentException("limitMillis: " + limitMillis + " (expected: >= 0)");
        }
        this.lagMillis = lagMillis;
        this.limitMillis = limitMillis;
        this.heapUsedAfterGc = heapUsedAfterGc;
        this.nanoClock = nanoClock;
        this.lastAdjust = nanoClock.getAsLong();
    }

    /** Takes one admission if there is one: null, or why this handshake is refused. */
    public Refusal tryAdmit() {
        if (heapUsedAfterGc.getAsDouble() > HEAP_LIMIT) {
            return Refusal.MEMORY;
        }
        return limitMillis == 0 || admitByLag() ? null : Refusal.OVERLOADED;
    }

    private synchronized boolean admitByLag() {
        long now = nanoClock.getAsLong();
        double lag = lagMillis.getAsDouble();
        boolean overloaded = lag > limitMillis;
        if (now - lastAdjust >= ADJUST_NANOS) {
            adjust(now, lag, overloaded);
        }
        if (overloaded) {
            return false;
        }
        if (limited) {
            tokens = Math.min(burst(), tokens + (now - lastRefill) * rate / 1e9);
            lastRefill = now;
            if (tokens < 1) {
                return false;
            }
            tokens -= 1;
        }
        admittedSinceAdjust++;
        return true;
    }

    /** Handshakes per second admitted now; infinite when not limited. */
    public synchronized double rate() {
        return limited ? rate : Double.POSITIVE_INFINITY;
    }

    private void adjust(long now, double lag, boolean overloaded) {
        double elapsed = (now - lastAdjust) / 1e9;
        // a moving average over about a second of what was admitted
        double weight = Math.min(1, elapsed);
        admittedPerSecond += weight * (admittedSinceAdjust / elapsed - admittedPerSecond);
        admittedSinceAdjust = 0;
        lastAdjust = now;
        if (overloaded) {
            lastOverload = now;
            if (!limited) {
                limited = true;
                rate = Math.max(MIN_RATE, admittedPerSecond * DECREASE);
                tokens = 0;
                lastRefill = now;
                lastCut = now;
            } else if (now - lastCut >= CUT_NANOS) {
                rate = Math.max(MIN_RATE, rate * DECREASE);
                lastCut = now;
            }
        } else if (limited) {
            if (now - lastOverload >= CALM_NANOS) {
                limited = false;
            } else if (lag < limitMillis / 2) {
                rate += Math.max(MIN_RATE, rate * INCREASE);
            }
        }
    }

    private double burst() {
        // a tenth of a second's worth: enough for arrivals that come in clumps, too little to flood
        return Math.max(1, rate / 10);
    }
}
