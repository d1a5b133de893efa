package io.meetsignal.node.edge;

import io.meetsignal.node.config.NodeConfig;
import io.meetsignal.node.session.FloodDetector;
import io.meetsignal.node.session.TokenBucket;

/**
 * What one engine session may send (PROTOCOL.md §7): every packet, Engine.IO or Socket.IO, CONNECT or event, takes
 * a token from one bucket and counts in one flood window; the Socket.IO session made on it uses the same.
 * {@code connected}: a CONNECT was received on it (a second one closes the engine session).
 */
final class EngineLimits {

    private static final int FLOOD_FACTOR = 10;
    private static final int FLOOD_SECONDS = 10;

    final TokenBucket bucket;
    final FloodDetector flood;
    volatile boolean connected;
    /** The flood rule tripped: every further packet is dropped until the session is gone. */
    volatile boolean flooded;

    EngineLimits(NodeConfig.Limits limits) {
        this.bucket = new TokenBucket(limits.eventsPerSecond(), limits.eventBurst());
        this.flood = new FloodDetector((int) Math.ceil(limits.eventsPerSecond() * FLOOD_FACTOR), FLOOD_SECONDS);
    }
}
