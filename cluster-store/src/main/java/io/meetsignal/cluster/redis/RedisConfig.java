package io.meetsignal.cluster.redis;

import static java.util.Objects.requireNonNull;

import io.meetsignal.cluster.ClusterBus;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * How to reach Redis and where to keep the state there.
 *
 * @param uri            a Redis URI, e.g. {@code redis://localhost:6379/0}
 * @param prefix         put before every key and channel, so that several clusters can share one Redis
 * @param commandTimeout how long one command (and connecting) may take before it fails as unavailable
 * @param roomTtl        how long an ended room, or an active room in which nobody sits or waits, is kept
 * @param logRetention   how long a room's log keeps a message (connection state recovery replays from it)
 * @param logCap         the most messages a room's log keeps; 0 keeps no log (nothing can be replayed)
 * @param logMaxBytes    the most bytes of messages a room's log keeps (the oldest go first)
 * @param busFormat      the format of the messages this node publishes: {@link #BUS_FORMAT_HEADER} (2, the
 *                       default), or {@link #BUS_FORMAT_JSON} (1), which nodes of earlier versions read too; a node
 *                       reads both
 */
public record RedisConfig(
        String uri,
        String prefix,
        Duration commandTimeout,
        Duration roomTtl,
        Duration logRetention,
        int logCap,
        long logMaxBytes,
        int busFormat) {

    /** Messages are one JSON object with the payload as a JSON string in it: what every version reads. */
    public static final int BUS_FORMAT_JSON = 1;
    /** Messages are a JSON header line followed by the payload as it is (read by this version and later). */
    public static final int BUS_FORMAT_HEADER = 2;

    public static final String DEFAULT_PREFIX = "sig:";
    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(2);
    public static final Duration DEFAULT_ROOM_TTL = Duration.ofHours(24);
    public static final Duration DEFAULT_LOG_RETENTION = ClusterBus.DEFAULT_LOG_RETENTION;
    public static final int DEFAULT_LOG_CAP = ClusterBus.DEFAULT_LOG_CAP;
    public static final long DEFAULT_LOG_MAX_BYTES = ClusterBus.DEFAULT_LOG_MAX_BYTES;

    private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9:_.{}-]{0,64}");
    private static final Pattern USER_INFO = Pattern.compile("//[^/@]*@");

    public RedisConfig {
        requireNonNull(uri, "uri");
        requireNonNull(prefix, "prefix");
        requireNonNull(commandTimeout, "commandTimeout");
        requireNonNull(roomTtl, "roomTtl");
        if (uri.isBlank()) {
            throw new IllegalArgumentException("uri: (expected: a redis:// URI)");
        }
        if (!PREFIX.matcher(prefix).matches()) {
            throw new IllegalArgumentException(
                    "prefix: " + prefix + " (expected: up to 64 of A-Z a-z 0-9 : _ . { } -)");
        }
        if (commandTimeout.toMillis() < 1) {
            throw new IllegalArgumentException("commandTimeout: " + commandTimeout + " (expected: at least 1 ms)");
        }
        if (roomTtl.toMillis() < 1) {
            throw new IllegalArgumentException("roomTtl: " + roomTtl + " (expected: at least 1 ms)");
        }
        requireNonNull(logRetention, "logRetention");
        if (logRetention.toMillis() < 1) {
            throw new IllegalArgumentException("logRetention: " + logRetention + " (expected: at least 1 ms)");
        }
        if (logCap < 0) {
            throw new IllegalArgumentException("logCap: " + logCap + " (expected: 0 or more)");
        }
        if (logMaxBytes < 1) {
            throw new IllegalArgumentException("logMaxBytes: " + logMaxBytes + " (expected: at least 1)");
        }
        if (busFormat != BUS_FORMAT_JSON && busFormat != BUS_FORMAT_HEADER) {
            throw new IllegalArgumentException("busFormat: " + busFormat + " (expected: 1 or 2)");
        }
    }

    public RedisConfig(
            String uri,
            String prefix,
            Duration commandTimeout,
            Duration roomTtl,
            Duration logRetention,
            int logCap,
            long logMaxBytes) {
        this(uri, prefix, commandTimeout, roomTtl, logRetention, logCap, logMaxBytes, BUS_FORMAT_HEADER);
    }

    public RedisConfig(
            String uri, String prefix, Duration commandTimeout, Duration roomTtl, Duration logRetention, int logCap) {
        this(uri, prefix, commandTimeout, roomTtl, logRetention, logCap, DEFAULT_LOG_MAX_BYTES);
    }

    public RedisConfig(String uri, String prefix, Duration commandTimeout, Duration roomTtl) {
        this(uri, prefix, commandTimeout, roomTtl, DEFAULT_LOG_RETENTION, DEFAULT_LOG_CAP);
    }

    public RedisConfig(String uri, String prefix, Duration commandTimeout) {
        this(uri, prefix, commandTimeout, DEFAULT_ROOM_TTL);
    }

    /** {@code uri} with the default prefix, command timeout and room TTL. */
    public static RedisConfig of(String uri) {
        return new RedisConfig(uri, DEFAULT_PREFIX, DEFAULT_COMMAND_TIMEOUT, DEFAULT_ROOM_TTL);
    }

    public RedisConfig withPrefix(String newPrefix) {
        return new RedisConfig(uri, newPrefix, commandTimeout, roomTtl, logRetention, logCap, logMaxBytes, busFormat);
    }

    public RedisConfig withRoomTtl(Duration newRoomTtl) {
        return new RedisConfig(uri, prefix, commandTimeout, newRoomTtl, logRetention, logCap, logMaxBytes, busFormat);
    }

    public RedisConfig withLog(Duration newRetention, int newCap) {
        return new RedisConfig(uri, prefix, commandTimeout, roomTtl, newRetention, newCap, logMaxBytes, busFormat);
    }

    public RedisConfig withLogMaxBytes(long newMaxBytes) {
        return new RedisConfig(uri, prefix, commandTimeout, roomTtl, logRetention, logCap, newMaxBytes, busFormat);
    }

    public RedisConfig withBusFormat(int newBusFormat) {
        return new RedisConfig(uri, prefix, commandTimeout, roomTtl, logRetention, logCap, logMaxBytes, newBusFormat);
    }

    /** A Redis URI without the user and password it may hold, for logs. */
    public static String redacted(String uri) {
        return USER_INFO.matcher(uri).replaceFirst("//***@");
    }

    /** Without the password that {@code uri} may hold. */
    @Override
    public String toString() {
        return "RedisConfig[uri=" + redacted(uri) + ", prefix=" + prefix
                + ", commandTimeout=" + commandTimeout + ", roomTtl=" + roomTtl + ", logRetention=" + logRetention
                + ", logCap=" + logCap + ", logMaxBytes=" + logMaxBytes + ", busFormat=" + busFormat + "]";
    }
}
