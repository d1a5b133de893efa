package io.meetsignal.cluster.redis;

import io.lettuce.core.RedisURI;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Which Redis topology a {@code REDIS_URL} names, by its scheme (PROTOCOL.md §8, "Redis topologies"):
 * {@code redis://} / {@code rediss://} one Redis, {@code redis-sentinel://…#master} / {@code rediss-sentinel://}
 * Redis Sentinel (the nodes ask the sentinels for the current master, on every connect and reconnect, and so
 * follow a failover). {@code redis-cluster://} (Redis Cluster) is named by the contract but not served by this
 * version: such a URL is refused at start with a message that says so.
 */
public enum RedisTopology {
    STANDALONE,
    SENTINEL;

    /** The topology of {@code uri}; fails with a message naming what is wrong when it names none we serve. */
    public static RedisTopology of(String uri) {
        Optional<String> problem = problem(uri);
        if (problem.isPresent()) {
            throw new IllegalArgumentException(problem.get());
        }
        return uri.startsWith("redis-sentinel://") || uri.startsWith("rediss-sentinel://") ? SENTINEL : STANDALONE;
    }

    /**
     * The user (null for none) and password in {@code uri}'s user info ({@code [user:]password@}), percent-decoded;
     * empty when it has none.
     */
    static Optional<String[]> credentials(String uri) {
        int start = uri.indexOf("://") + 3;
        int at = uri.indexOf('@', start);
        int slash = uri.indexOf('/', start);
        if (at < 0 || (slash >= 0 && slash < at)) {
            return Optional.empty();
        }
        String info = uri.substring(start, at);
        int colon = info.indexOf(':');
        String user = colon < 0 ? null : decode(info.substring(0, colon));
        String password = decode(colon < 0 ? info : info.substring(colon + 1));
        return Optional.of(new String[] {user == null || user.isEmpty() ? null : user, password});
    }

    private static String decode(String text) {
        return java.net.URLDecoder.decode(text.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** What is wrong with {@code uri} as a {@code REDIS_URL}, or empty when nothing is. */
    public static Optional<String> problem(String uri) {
        if (uri.startsWith("redis-cluster://") || uri.startsWith("rediss-cluster://")) {
            return Optional.of("Redis Cluster (redis-cluster://) is not supported by this version;"
                    + " use redis:// (one Redis) or redis-sentinel://host:port[,host:port…]#master (Sentinel)");
        }
        boolean sentinel = uri.startsWith("redis-sentinel://") || uri.startsWith("rediss-sentinel://");
        if (!sentinel && !uri.startsWith("redis://") && !uri.startsWith("rediss://")) {
            return Optional.of("expected redis://host:port, rediss://host:port or redis-sentinel://host:port#master");
        }
        if (sentinel && (uri.indexOf('#') < 0 || uri.endsWith("#"))) {
            return Optional.of("a Sentinel URL names its master after '#': redis-sentinel://host:port#master");
        }
        RedisURI parsed;
        try {
            parsed = RedisURI.create(uri);
        } catch (RuntimeException e) {
            return Optional.of("not a Redis URI (" + e.getMessage() + ")");
        }
        if (sentinel
                && (parsed.getSentinelMasterId() == null
                        || parsed.getSentinelMasterId().isBlank())) {
            return Optional.of("a Sentinel URL names its master after '#': redis-sentinel://host:port#master");
        }
        if (sentinel && parsed.getSentinels().isEmpty()) {
            return Optional.of("a Sentinel URL names at least one sentinel: redis-sentinel://host:port#master");
        }
        return Optional.empty();
    }

    /** {@code uri} for a log line: its topology and addresses, without a password. */
    public static String describe(String uri) {
        RedisURI parsed = RedisURI.create(uri);
        if (of(uri) == SENTINEL) {
            return "Redis Sentinel master '" + parsed.getSentinelMasterId() + "' (sentinels "
                    + parsed.getSentinels().stream()
                            .map(s -> s.getHost() + ":" + s.getPort())
                            .collect(Collectors.joining(", "))
                    + ")";
        }
        return "Redis at " + parsed.getHost() + ":" + parsed.getPort();
    }
}
