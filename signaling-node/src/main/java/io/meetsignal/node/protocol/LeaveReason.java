package io.meetsignal.node.protocol;

import com.fasterxml.jackson.annotation.JsonValue;

/** Why a seat is gone, as {@code user-left} names it (PROTOCOL.md §5, §8). */
public enum LeaveReason {
    LEFT("left"),
    DISCONNECTED("disconnected"),
    REMOVED("removed"),
    REPLACED("replaced"),
    NODE_LOST("node-lost");

    private final String wire;

    LeaveReason(String wire) {
        this.wire = wire;
    }

    /** The spelling on the wire. */
    @JsonValue
    public String wire() {
        return wire;
    }

    @Override
    public String toString() {
        return wire;
    }
}
