package io.meetsignal.cluster;

import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.MDC;

/**
 * Hands one message to a bus listener, the same way in every adapter: with the MDC keys {@code node} and
 * {@code room} set while the listener runs (the names the node's logging uses), and a listener that throws logged
 * without the message's text (it may hold SDP or ICE candidates) instead of stopping the delivery of the next.
 */
public final class Deliveries {

    private Deliveries() {}

    public static void deliver(String nodeId, Consumer<ClusterMessage> listener, ClusterMessage message, Logger log) {
        String node = MDC.get("node");
        String room = MDC.get("room");
        try {
            put("node", nodeId);
            put("room", message.roomId());
            listener.accept(message);
        } catch (RuntimeException e) {
            log.warn(
                    "Cluster message listener failed for {}", message.getClass().getSimpleName(), e);
        } finally {
            put("node", node);
            put("room", room);
        }
    }

    private static void put(String key, String value) {
        if (value == null) {
            MDC.remove(key);
        } else {
            MDC.put(key, value);
        }
    }
}
