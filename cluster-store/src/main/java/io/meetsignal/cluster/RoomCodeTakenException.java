package io.meetsignal.cluster;

/** A room could not be created because its code names another room. */
public final class RoomCodeTakenException extends RuntimeException {

    public RoomCodeTakenException(String code) {
        super("room code taken: " + code, null, false, false);
    }
}
