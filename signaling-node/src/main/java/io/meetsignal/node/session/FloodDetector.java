package io.meetsignal.node.session;

/**
 * Notices a socket that keeps sending at {@code threshold} events per second or more for
 * {@code seconds} whole seconds in a row (PROTOCOL.md §7: ten times the limit for ten seconds).
 */
public final class FloodDetector {

    private static final long SECOND = 1_000_000_000L;

    private final int threshold;
    private final int seconds;
    private long windowStart;
    private int count;
    private int floodedSeconds;

    public FloodDetector(int threshold, int seconds) {
        this.threshold = threshold;
        this.seconds = seconds;
        this.windowStart = System.nanoTime();
    }

    /** Counts one event; true once the socket has flooded long enough. */
    public synchronized boolean record(long nowNanos) {
        long elapsed = nowNanos - windowStart;
        if (elapsed >= SECOND) {
            long whole = elapsed / SECOND;
            floodedSeconds = whole == 1 && count >= threshold ? floodedSeconds + 1 : 0;
            windowStart += whole * SECOND;
            count = 0;
        }
        count++;
        return floodedSeconds >= seconds - 1 && count >= threshold;
    }
}
