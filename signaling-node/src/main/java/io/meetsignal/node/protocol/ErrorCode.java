package io.meetsignal.node.protocol;

/** The error codes of the protocol (PROTOCOL.md §6). */
public enum ErrorCode {
    INVALID_PAYLOAD,
    NOT_IN_ROOM,
    TARGET_NOT_FOUND,
    FORBIDDEN,
    NOT_ALLOWED,
    RATE_LIMITED,
    UNAVAILABLE,
    JOIN_FAILED,
    AUTH_FAILED,
    DISPLAY_NAME_REQUIRED,
    GUESTS_NOT_ALLOWED,
    ROOM_NOT_FOUND,
    INTERNAL
}
