package io.meetsignal.cluster;

import java.security.SecureRandom;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Room codes: any 3–32 letters, digits and hyphens after trimming, compared case-insensitively and
 * ignoring hyphens. Generated codes look like {@code abc-def-ghi}.
 */
public final class RoomCodes {

    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9-]{3,32}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private RoomCodes() {}

    /** The lookup key of {@code text}, or empty when it cannot be a room code. */
    public static Optional<String> normalize(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String trimmed = text.strip();
        if (!VALID.matcher(trimmed).matches()) {
            return Optional.empty();
        }
        String key = trimmed.replace("-", "").toLowerCase(Locale.ROOT);
        return key.isEmpty() ? Optional.empty() : Optional.of(key);
    }

    /** A new random code of three groups of three lowercase letters. */
    public static String generate() {
        StringBuilder code = new StringBuilder(11);
        for (int i = 0; i < 9; i++) {
            if (i > 0 && i % 3 == 0) {
                code.append('-');
            }
            code.append((char) ('a' + RANDOM.nextInt(26)));
        }
        return code.toString();
    }
}
