package io.meetsignal.node.edge;

import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many engine sessions each client address holds open on this node, and whether it may open another
 * ({@code MAX_CONNECTIONS_PER_IP}, PROTOCOL.md §7). An engine session counts from its handshake, before any
 * CONNECT, until it closes, whatever closes it. With {@code TRUST_PROXY} the address is the rightmost
 * {@code X-Forwarded-For} entry (the one the trusted balancer appended; entries to its left are the client's
 * own claims), else the TCP peer.
 *
 * <p>Checking and counting are two steps, so that only handshakes the engine accepted are counted; handshakes
 * of one address racing on several event loops may overshoot the limit by at most one per loop.
 */
final class AddressLimit {

    private final int limit;
    private final boolean trustProxy;
    private final Map<String, AtomicInteger> open = new ConcurrentHashMap<>();
    private final Map<UUID, String> addressOf = new ConcurrentHashMap<>();

    /** {@code limit} 0: no limit (and nothing is counted). */
    AddressLimit(int limit, boolean trustProxy) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit: " + limit + " (expected: at least 0)");
        }
        this.limit = limit;
        this.trustProxy = trustProxy;
    }

    boolean enabled() {
        return limit > 0;
    }

    /** The address a request counts against. */
    String address(SocketAddress peer, HttpHeaders headers) {
        if (trustProxy) {
            String forwarded = rightmost(headers.getAll("X-Forwarded-For"));
            if (forwarded != null) {
                return forwarded;
            }
        }
        if (peer instanceof InetSocketAddress inet && inet.getAddress() != null) {
            return inet.getAddress().getHostAddress();
        }
        return String.valueOf(peer);
    }

    private static String rightmost(java.util.List<String> values) {
        for (int v = values.size() - 1; v >= 0; v--) {
            String value = values.get(v);
            int end = value.length();
            while (end > 0) {
                int comma = value.lastIndexOf(',', end - 1);
                String entry = value.substring(comma + 1, end).trim();
                if (!entry.isEmpty()) {
                    return entry;
                }
                end = Math.max(comma, 0);
            }
        }
        return null;
    }

    /** Whether {@code address} may open one more engine session now. */
    boolean mayOpen(String address) {
        if (limit == 0) {
            return true;
        }
        AtomicInteger count = open.get(address);
        return count == null || count.get() < limit;
    }

    /** Engine session {@code engineId} of {@code address} is open; counted until {@link #closed}. */
    void opened(UUID engineId, String address) {
        if (limit == 0 || addressOf.putIfAbsent(engineId, address) != null) {
            return;
        }
        open.compute(address, (key, count) -> {
            AtomicInteger c = count == null ? new AtomicInteger() : count;
            c.incrementAndGet();
            return c;
        });
    }

    /** Engine session {@code engineId} is gone; its address may open another. Idempotent. */
    void closed(UUID engineId) {
        String address = addressOf.remove(engineId);
        if (address == null) {
            return;
        }
        open.computeIfPresent(address, (key, count) -> count.decrementAndGet() <= 0 ? null : count);
    }

    /** Engine sessions counted for {@code address} now. */
    int openCount(String address) {
        AtomicInteger count = open.get(address);
        return count == null ? 0 : count.get();
    }

    /** Addresses with at least one counted session (what the counter holds in memory). */
    int addresses() {
        return open.size();
    }
}
