package io.meetsignal.node.session;

/** How the edge writes to one connected client; implementations are thread-safe and never block. */
public interface ClientLink {

    /** Sends event {@code event} with {@code payloadJson} as its single argument. */
    default void sendEvent(String event, String payloadJson) {
        sendEvent(event, payloadJson, null);
    }

    /**
     * Sends event {@code event} with {@code payloadJson}, followed by {@code offset} as a last string argument when
     * it is not null (the Socket.IO offset that the client echoes back when it recovers).
     */
    void sendEvent(String event, String payloadJson, String offset);

    /** Answers the client's acknowledgement {@code ackId} with {@code payloadJson}. */
    void sendAck(long ackId, String payloadJson);

    /** Ends the Socket.IO session (the client does not reconnect on its own). */
    void disconnect();

    /** Closes only the transport, so that the client reconnects by itself (to another node, when draining). */
    void closeTransport();
}
