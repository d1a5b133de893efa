package io.meetsignal.node.config;

import io.meetsignal.cluster.redis.RedisConfig;
import io.meetsignal.cluster.redis.RedisTopology;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

/**
 * Everything a node is configured with (PROTOCOL.md §10), parsed from environment variables. Only
 * {@code main} reads {@code System.getenv}; tests pass a map.
 */
public record NodeConfig(
        String host,
        int port,
        int managementPort,
        String managementHost,
        String nodeId,
        Optional<String> redisUrl,
        String redisPrefix,
        int busFormat,
        Auth auth,
        List<String> corsOrigins,
        boolean roomsAutoCreate,
        Limits limits,
        Duration nodeTtl,
        Duration recoveryWindow,
        Duration drain,
        Duration warmup) {

    public static final String DEFAULT_HOST = "0.0.0.0";
    public static final int DEFAULT_PORT = 3001;
    public static final int DEFAULT_MANAGEMENT_PORT = 9091;
    /** Loopback: health, readiness and metrics are not public unless an operator says so (containers: 0.0.0.0). */
    public static final String DEFAULT_MANAGEMENT_HOST = "127.0.0.1";

    public static final Duration DEFAULT_NODE_TTL = Duration.ofSeconds(10);
    public static final Duration DEFAULT_RECOVERY_WINDOW = Duration.ofSeconds(30);
    public static final Duration DEFAULT_DRAIN = Duration.ofSeconds(20);
    /** How long a node relays signals between sockets of its own before {@code /readyz} reports it ready. */
    public static final Duration DEFAULT_WARMUP = Duration.ofSeconds(5);

    public static final Duration MAX_WARMUP = Duration.ofSeconds(10);
    public static final int MIN_SECRET_BYTES = 32;
    public static final Duration DEFAULT_JWT_MAX_LIFETIME = Duration.ofHours(24);

    /** Handshake authentication settings. */
    public record Auth(
            Optional<String> jwtSecret,
            Optional<String> jwtPublicKey,
            Optional<String> issuer,
            Optional<String> audience,
            boolean allowGuests,
            Duration maxLifetime) {}

    /** Per-socket and per-node limits (PROTOCOL.md §7). */
    public record Limits(
            int maxPacketBytes,
            int maxFrameBytes,
            double eventsPerSecond,
            int eventBurst,
            double chatPerSecond,
            int chatBurst,
            int maxConnections,
            int overloadLagMillis,
            int maxConnectionsPerIp,
            boolean trustProxy) {

        public static final int DEFAULT_MAX_PACKET_BYTES = 64 * 1024;
        public static final int MAX_FRAME_BYTES = 2 * 1024 * 1024;
        public static final double DEFAULT_EVENTS_PER_SECOND = 50;
        public static final int DEFAULT_EVENT_BURST = 100;
        public static final double DEFAULT_CHAT_PER_SECOND = 5;
        public static final int DEFAULT_CHAT_BURST = 10;
        public static final int DEFAULT_MAX_CONNECTIONS = 50_000;
        public static final int DEFAULT_OVERLOAD_LAG_MILLIS = 500;
        /** No limit: behind a balancer every client shares its address (PROTOCOL.md §7). */
        public static final int DEFAULT_MAX_CONNECTIONS_PER_IP = 0;
    }

    /** Parses {@code env}; throws {@link ConfigException} naming every bad variable. */
    public static NodeConfig from(Map<String, String> env) {
        Parser p = new Parser(env);
        String host = p.string("HOST", DEFAULT_HOST);
        int port = p.integer("PORT", DEFAULT_PORT, 0, 65535);
        int managementPort = p.integer("MANAGEMENT_PORT", DEFAULT_MANAGEMENT_PORT, 0, 65535);
        String managementHost = p.host("MANAGEMENT_HOST", DEFAULT_MANAGEMENT_HOST);
        String nodeId = p.string("NODE_ID", null);
        if (nodeId == null) {
            nodeId = defaultNodeId();
        } else if (!nodeId.matches("[A-Za-z0-9._-]{1,64}")) {
            p.problem("NODE_ID: '" + nodeId + "' (expected: 1-64 letters, digits, '.', '_' or '-')");
        }
        Optional<String> redisUrl = Optional.ofNullable(p.string("REDIS_URL", null));
        redisUrl.ifPresent(url -> RedisTopology.problem(url).ifPresent(problem -> p.problem("REDIS_URL: " + problem)));
        String prefix = p.string("REDIS_PREFIX", RedisConfig.DEFAULT_PREFIX);
        // 1 only while nodes of an earlier version still run beside this one (docs/operations.md, "Upgrading")
        int busFormat = Integer.parseInt(p.choice(
                "BUS_FORMAT",
                Integer.toString(RedisConfig.BUS_FORMAT_HEADER),
                Integer.toString(RedisConfig.BUS_FORMAT_JSON),
                Integer.toString(RedisConfig.BUS_FORMAT_HEADER)));

        Optional<String> secret = Optional.ofNullable(p.string("JWT_SECRET", null));
        secret.ifPresent(s -> {
            if (s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
                p.problem("JWT_SECRET: too short (expected: at least " + MIN_SECRET_BYTES + " bytes for HS256)");
            }
        });
        Optional<String> publicKey = Optional.ofNullable(p.string("JWT_PUBLIC_KEY", null));
        publicKey.ifPresent(pem -> {
            try {
                Pem.publicKey(pem);
            } catch (IllegalArgumentException e) {
                p.problem("JWT_PUBLIC_KEY: " + e.getMessage());
            }
        });
        Auth auth = new Auth(
                secret,
                publicKey,
                Optional.ofNullable(p.string("JWT_ISSUER", null)),
                Optional.ofNullable(p.string("JWT_AUDIENCE", null)),
                p.bool("ALLOW_GUESTS", true),
                p.duration("JWT_MAX_LIFETIME", DEFAULT_JWT_MAX_LIFETIME));

        List<String> cors = p.list("CORS_ORIGINS");
        for (String origin : cors) {
            if (!origin.equals("*") && !origin.matches("https?://[^/\\s]+")) {
                p.problem("CORS_ORIGINS: '" + origin + "' (expected: scheme://host[:port], or *)");
            }
        }
        boolean autoCreate = p.bool("ROOMS_AUTO_CREATE", false);

        Limits limits = new Limits(
                p.integer("MAX_PACKET_BYTES", Limits.DEFAULT_MAX_PACKET_BYTES, 1024, Limits.MAX_FRAME_BYTES),
                Limits.MAX_FRAME_BYTES,
                p.decimal("RATE_LIMIT_EVENTS_PER_SEC", Limits.DEFAULT_EVENTS_PER_SECOND),
                p.integer("RATE_LIMIT_BURST", Limits.DEFAULT_EVENT_BURST, 1, Integer.MAX_VALUE),
                p.decimal("CHAT_RATE_LIMIT_PER_SEC", Limits.DEFAULT_CHAT_PER_SECOND),
                p.integer("CHAT_RATE_LIMIT_BURST", Limits.DEFAULT_CHAT_BURST, 1, Integer.MAX_VALUE),
                p.integer("MAX_CONNECTIONS", Limits.DEFAULT_MAX_CONNECTIONS, 1, Integer.MAX_VALUE),
                p.integer("OVERLOAD_LAG_MS", Limits.DEFAULT_OVERLOAD_LAG_MILLIS, 0, 60_000),
                p.integer("MAX_CONNECTIONS_PER_IP", Limits.DEFAULT_MAX_CONNECTIONS_PER_IP, 0, Integer.MAX_VALUE),
                p.bool("TRUST_PROXY", false));

        Duration nodeTtl = p.duration("NODE_TTL", DEFAULT_NODE_TTL);
        Duration recovery = p.duration("RECOVERY_WINDOW", DEFAULT_RECOVERY_WINDOW, true);
        Duration drain = p.duration("DRAIN_SECONDS", DEFAULT_DRAIN);
        Duration warmup = p.duration("WARMUP", DEFAULT_WARMUP, true);
        if (warmup.compareTo(MAX_WARMUP) > 0) {
            p.problem("WARMUP: " + warmup.toSeconds() + "s (expected: at most " + MAX_WARMUP.toSeconds() + "s)");
        }
        // logback.xml reads LOG_FORMAT itself; checked here only so that a typo stops the node at start
        p.choice("LOG_FORMAT", "text", "text", "json");
        p.throwIfAny();
        return new NodeConfig(
                host,
                port,
                managementPort,
                managementHost,
                nodeId,
                redisUrl,
                prefix,
                busFormat,
                auth,
                cors,
                autoCreate,
                limits,
                nodeTtl,
                recovery,
                drain,
                warmup);
    }

    private static String defaultNodeId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "node";
        }
        host = host.replaceAll("[^A-Za-z0-9._-]", "-");
        if (host.length() > 48) {
            host = host.substring(0, 48);
        }
        return host + "-" + UUID.randomUUID().toString().substring(0, 6);
    }

    private static final class Parser {
        private final Map<String, String> env;
        private final List<String> problems = new ArrayList<>();

        Parser(Map<String, String> env) {
            this.env = env;
        }

        void problem(String text) {
            problems.add(text);
        }

        void throwIfAny() {
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
        }

        String string(String name, String fallback) {
            String value = env.get(name);
            if (value == null || value.isBlank()) {
                return fallback;
            }
            return value.strip();
        }

        /** An IPv4 or IPv6 address (brackets optional) or a host name to bind to; no scheme, port or spaces. */
        String host(String name, String fallback) {
            return parse(
                    name,
                    fallback,
                    raw -> {
                        String host =
                                raw.startsWith("[") && raw.endsWith("]") ? raw.substring(1, raw.length() - 1) : raw;
                        boolean ipv6 = host.matches("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(%[A-Za-z0-9_.-]+)?");
                        if (!ipv6 && !host.matches("[A-Za-z0-9]([A-Za-z0-9._-]{0,252})")) {
                            throw new IllegalArgumentException();
                        }
                        return host;
                    },
                    "an IP address or host name such as 127.0.0.1, 0.0.0.0 or ::");
        }

        private <T> T parse(String name, T fallback, Function<String, T> parser, String expected) {
            String raw = string(name, null);
            if (raw == null) {
                return fallback;
            }
            try {
                return parser.apply(raw);
            } catch (RuntimeException e) {
                problems.add(name + ": '" + raw + "' (expected: " + expected + ")");
                return fallback;
            }
        }

        int integer(String name, int fallback, int min, int max) {
            String expected = min + "-" + max;
            return parse(
                    name,
                    fallback,
                    raw -> {
                        int value = Integer.parseInt(raw);
                        if (value < min || value > max) {
                            throw new IllegalArgumentException();
                        }
                        return value;
                    },
                    expected);
        }

        double decimal(String name, double fallback) {
            return parse(
                    name,
                    fallback,
                    raw -> {
                        double value = Double.parseDouble(raw);
                        if (!(value > 0) || Double.isInfinite(value)) {
                            throw new IllegalArgumentException();
                        }
                        return value;
                    },
                    "a positive number");
        }

        boolean bool(String name, boolean fallback) {
            return parse(
                    name,
                    fallback,
                    raw -> switch (raw.toLowerCase(Locale.ROOT)) {
                        case "true", "1", "yes" -> true;
                        case "false", "0", "no" -> false;
                        default -> throw new IllegalArgumentException();
                    },
                    "true or false");
        }

        String choice(String name, String fallback, String... allowed) {
            return parse(
                    name,
                    fallback,
                    raw -> {
                        String value = raw.toLowerCase(Locale.ROOT);
                        if (!Arrays.asList(allowed).contains(value)) {
                            throw new IllegalArgumentException();
                        }
                        return value;
                    },
                    String.join(" or ", allowed));
        }

        /** Whole seconds ({@code 10}), or with a unit: {@code 500ms}, {@code 10s}, {@code 2m}, {@code 24h}. */
        Duration duration(String name, Duration fallback) {
            return duration(name, fallback, false);
        }

        /** A duration; {@code zeroAllowed}: 0 is a value (it turns the feature off). */
        Duration duration(String name, Duration fallback, boolean zeroAllowed) {
            return parse(
                    name,
                    fallback,
                    raw -> {
                        String value = raw.toLowerCase(Locale.ROOT);
                        Duration d;
                        if (value.endsWith("ms")) {
                            d = Duration.ofMillis(Long.parseLong(value.substring(0, value.length() - 2)));
                        } else if (value.endsWith("s")) {
                            d = Duration.ofSeconds(Long.parseLong(value.substring(0, value.length() - 1)));
                        } else if (value.endsWith("m")) {
                            d = Duration.ofMinutes(Long.parseLong(value.substring(0, value.length() - 1)));
                        } else if (value.endsWith("h")) {
                            d = Duration.ofHours(Long.parseLong(value.substring(0, value.length() - 1)));
                        } else {
                            d = Duration.ofSeconds(Long.parseLong(value));
                        }
                        if (d.isNegative() || (d.isZero() && !zeroAllowed)) {
                            throw new IllegalArgumentException();
                        }
                        return d;
                    },
                    zeroAllowed
                            ? "a duration such as 30, 30s, 2m or 500ms (0 turns it off)"
                            : "a positive duration such as 10, 10s, 2m, 24h or 500ms");
        }

        List<String> list(String name) {
            String raw = string(name, null);
            if (raw == null) {
                return List.of();
            }
            return Arrays.stream(raw.split(","))
                    .map(String::strip)
                    .filter(s -> !s.isEmpty())
                    .toList();
        }
    }
}
