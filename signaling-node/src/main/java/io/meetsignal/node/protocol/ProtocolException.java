package io.meetsignal.node.protocol;

import static java.util.Objects.requireNonNull;

/** An expected refusal with its protocol code; carries no stack trace. Build one with {@link Refusals}. */
public final class ProtocolException extends RuntimeException {

    private final ErrorCode code;

    private ProtocolException(ErrorCode code, String message) {
        super(message, null, false, false);
        this.code = requireNonNull(code, "code");
    }

    static ProtocolException of(ErrorCode code, String message) {
        return new ProtocolException(code, message);
    }

    static ProtocolException invalid(String message) {
        return new ProtocolException(ErrorCode.INVALID_PAYLOAD, message);
    }

    public ErrorCode code() {
        return code;
    }
}
