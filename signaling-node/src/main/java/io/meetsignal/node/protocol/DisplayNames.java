package io.meetsignal.node.protocol;

/** Display names: control characters removed, trimmed, then 1–50 characters. */
public final class DisplayNames {

    public static final int MAX_LENGTH = 50;

    private DisplayNames() {
    }

    /** The cleaned name; blank is {@code DISPLAY_NAME_REQUIRED}, too long is {@code INVALID_PAYLOAD}. */
    public static String clean(String raw) {
        if (raw == null) {
            throw ProtocolException.of(ErrorCode.DISPLAY_NAME_REQUIRED, "displayName: required");
        }
        StringBuilder kept = new StringBuilder(raw.length());
        raw.codePoints()
                .filter(cp -> !Character.isISOControl(cp))
                .forEach(kept::appendCodePoint);
        String name = kept.toString().strip();
        if (name.isEmpty()) {
            throw ProtocolException.of(ErrorCode.DISPLAY_NAME_REQUIRED, "displayName: required");
        }
        if (name.codePointCount(0, name.length()) > MAX_LENGTH) {
            throw ProtocolException.invalid("displayName: longer than " + MAX_LENGTH + " characters");
        }
        return name;
    }
}
