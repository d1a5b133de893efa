package io.meetsignal.node.protocol;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Why a seat is gone, as {@code user-left} names it (PROTOCOL.md §5, §8): the name in lower case, {@code -} for {@code _}. */
public enum LeaveReason {
    LEFT,
    DISCONNECTED,
    REMOVED,
    REPLACED,
    NODE_LOST;

    /** The spelling on the wire ({@code node-lost}). */
    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    @Override
    public String toString() {
        return wire();
    }
}
