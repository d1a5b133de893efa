package io.meetsignal.cluster;

import java.util.Optional;

/**
 * Offsets of a room's log: {@code <milliseconds>-<sequence>}, both unsigned decimal, ordered by milliseconds then
 * sequence (the form of a Redis stream entry id). {@link #START} comes before every entry.
 */
public final class Offsets {

    /** Before the first entry of any log. */
    public static final String START = "0-0";

    private Offsets() {}

    /** Whether {@code text} is an offset; a client echoes them back, so anything may arrive here. */
    public static boolean valid(String text) {
        return parse(text).isPresent();
    }

    /** Orders two valid offsets. */
    public static int compare(String a, String b) {
        long[] x = parse(a).orElseThrow(() -> new IllegalArgumentException("not an offset: " + a));
        long[] y = parse(b).orElseThrow(() -> new IllegalArgumentException("not an offset: " + b));
        int byTime = Long.compareUnsigned(x[0], y[0]);
        return byTime != 0 ? byTime : Long.compareUnsigned(x[1], y[1]);
    }

    /** The milliseconds part of a valid offset. */
    public static long millis(String offset) {
        return parse(offset).orElseThrow(() -> new IllegalArgumentException("not an offset: " + offset))[0];
    }

    private static Optional<long[]> parse(String text) {
        if (text == null || text.length() > 41) {
            return Optional.empty();
        }
        int dash = text.indexOf('-');
        if (dash < 1 || dash == text.length() - 1) {
            return Optional.empty();
        }
        try {
            long ms = Long.parseUnsignedLong(text.substring(0, dash));
            long seq = Long.parseUnsignedLong(text.substring(dash + 1));
            return Optional.of(new long[] {ms, seq});
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
