package io.meetsignal.node.protocol;

/**
 * The error codes of the protocol (PROTOCOL.md §6), each with the HTTP status the REST side answers it with
 * (§4): the one table from a refusal to a status.
 */
public enum ErrorCode {
    INVALID_PAYLOAD(400),
    NOT_IN_ROOM(403),
    TARGET_NOT_FOUND(404),
    FORBIDDEN(403),
    NOT_ALLOWED(403),
    RATE_LIMITED(429),
    UNAVAILABLE(503),
    JOIN_FAILED(409),
    AUTH_FAILED(401),
    DISPLAY_NAME_REQUIRED(400),
    GUESTS_NOT_ALLOWED(403),
    ROOM_NOT_FOUND(404),
    INTERNAL(500);

    private final int httpStatus;

    ErrorCode(int httpStatus) {
        this.httpStatus = httpStatus;
    }

    /** The HTTP status of a REST request refused with this code. */
    public int httpStatus() {
        return httpStatus;
    }
}
