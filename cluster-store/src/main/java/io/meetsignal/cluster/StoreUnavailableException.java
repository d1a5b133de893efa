package io.meetsignal.cluster;

/** The shared state cannot be reached right now (the protocol's {@code UNAVAILABLE}). */
public final class StoreUnavailableException extends RuntimeException {

    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause, false, false);
    }
}
