package io.meetsignal.node.session;

/**
 * Notices a socket that floods: {@code threshold} events per second or more on average over a sliding window of
 * {@code seconds} whole seconds (PROTOCOL.md §7: ten times the limit for ten seconds). The window slides second by
 * second, so bursts with pauses between them count as much as a steady flood; a socket is judged only once it has
 * been sending for the length of the window.
 */
public final class FloodDetector {

    private static final long SECOND = 1_000_000_000L;

    private final int threshold;
    private final int seconds;
    /** Events counted in each second of the window; slot {@code s % seconds} holds second {@code s}. */
    private final long[] counts;

    private final long[] slotSecond;
    private long total;
    private long origin;
    private long lastSecond;
    private boolean started;

    public FloodDetector(int threshold, int seconds) {
        if (threshold < 1 || seconds < 1) {
            throw new IllegalArgumentException(
                    "threshold: " + threshold + ", seconds: " + seconds + " (expected: 1 or more)");
        }
        this.threshold = threshold;
        this.seconds = seconds;
        this.counts = new long[seconds];
        this.slotSecond = new long[seconds];
    }

    /** Counts one event; true once the socket has flooded long enough. */
    public synchronized boolean record(long nowNanos) {
        if (!started) {
            started = true;
            origin = nowNanos;
            lastSecond = 0;
        }
        long second = Math.max(0, (nowNanos - origin) / SECOND);
        if (second != lastSecond) {
            for (int i = 0; i < seconds; i++) {
                if (counts[i] != 0 && second - slotSecond[i] >= seconds) {
                    total -= counts[i];
                    counts[i] = 0;
                }
            }
            lastSecond = second;
        }
        int slot = (int) (second % seconds);
        if (slotSecond[slot] != second) {
            total -= counts[slot];
            counts[slot] = 0;
            slotSecond[slot] = second;
        }
        counts[slot]++;
        total++;
        return total >= (long) threshold * seconds && nowNanos - origin >= (seconds - 1) * SECOND;
    }
}
