package io.meetsignal.node.protocol;

/**
 * Display names (PROTOCOL.md §2): control and format characters (Unicode Cc and Cf: line breaks, zero-width and
 * bidirectional-override characters) and unpaired surrogates removed, trimmed, then 1–50 characters (code points).
 */
public final class DisplayNames {

    public static final int MAX_LENGTH = 50;

    private DisplayNames() {}

    /** The cleaned name; missing or blank is {@code DISPLAY_NAME_REQUIRED}, too long is {@code INVALID_PAYLOAD}. */
    public static String clean(String raw) {
        if (raw == null) {
            throw Refusals.displayNameRequired();
        }
        StringBuilder kept = new StringBuilder(raw.length());
        raw.codePoints().filter(DisplayNames::kept).forEach(kept::appendCodePoint);
        String name = trim(kept);
        if (name.isEmpty()) {
            throw Refusals.displayNameRequired();
        }
        if (name.codePointCount(0, name.length()) > MAX_LENGTH) {
            throw Refusals.invalid("displayName: longer than " + MAX_LENGTH + " characters");
        }
        return name;
    }

    /** A name claim as a token carries it: a string or nothing; anything else is {@code INVALID_PAYLOAD}. */
    public static String cleanClaim(Object raw) {
        if (raw == null || raw instanceof String) {
            return clean((String) raw);
        }
        throw Refusals.invalid("displayName: expected a string");
    }

    private static boolean kept(int codePoint) {
        int type = Character.getType(codePoint);
        return type != Character.CONTROL && type != Character.FORMAT && type != Character.SURROGATE;
    }

    /** Strips white space and other space separators (no-break space, ideographic space) at both ends. */
    private static String trim(CharSequence text) {
        int start = 0;
        int end = text.length();
        while (start < end && blank(text.charAt(start))) {
            start++;
        }
        while (end > start && blank(text.charAt(end - 1))) {
            end--;
        }
        return text.subSequence(start, end).toString();
    }

    private static boolean blank(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c);
    }
}
