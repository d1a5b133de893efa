package io.meetsignal.cluster;

/** Why a join (or an admission) was refused; each maps to one {@code join-error} message of the protocol. */
public enum JoinRefusal {
    NOT_FOUND("Room not found"),
    LOCKED("Room is locked"),
    FULL("Room is full"),
    ENDED("Room is no longer active"),
    REMOVED("Removed by host"),
    DENIED("Denied by host"),
    INVALID_CODE("Invalid room code");

    private final String message;

    JoinRefusal(String message) {
        this.message = message;
    }

    public String message() {
        return message;
    }
}
