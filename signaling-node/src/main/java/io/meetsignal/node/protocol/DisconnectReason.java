package io.meetsignal.node.protocol;

import com.fasterxml.jackson.annotation.JsonValue;

/** Why the server disconnects a socket on purpose, as {@code force-disconnect} words it (PROTOCOL.md §3–§7). */
public enum DisconnectReason {
    REPLACED("Joined from another connection"),
    REMOVED("Removed by host"),
    ROOM_ENDED("Meeting ended by host"),
    FLOODING("Rate limit exceeded");

    private final String wire;

    DisconnectReason(String wire) {
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
