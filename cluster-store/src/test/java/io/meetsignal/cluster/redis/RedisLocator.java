package io.meetsignal.cluster.redis;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;
import redis.embedded.core.ExecutableProvider;

/**
 * Finds a Redis for tests, in this order: the environment variable {@code REDIS_URL}; a Testcontainers
 * {@code redis:7.4-alpine} when a Docker engine is reachable; a {@code redis-server} on the {@code PATH}; the binary
 * packaged in {@code embedded-redis}. When none works the test fails: it never skips. One server serves the whole
 * JVM; it is started on first use and stopped by a shutdown hook.
 */
public final class RedisLocator {

    public static final String IMAGE = "redis:7.4-alpine";

    private static final Logger log = LoggerFactory.getLogger(RedisLocator.class);

    private static String sharedUri;

    private RedisLocator() {}

    /** The URI of the Redis shared by this JVM's tests. */
    public static synchronized String uri() {
        if (sharedUri == null) {
            sharedUri = locate();
        }
        return sharedUri;
    }

    /** A key prefix of its own, so that tests on the shared Redis do not see each other's keys. */
    public static String freshPrefix() {
        return "test-" + UUID.randomUUID().toString().substring(0, 8) + ":";
    }

    /** A config for the shared Redis under a fresh prefix. */
    public static RedisConfig freshConfig() {
        return RedisConfig.of(uri()).withPrefix(freshPrefix());
    }

    /**
     * A {@code redis-server} of its own on {@code port} (not started yet), from the {@code PATH} or else from
     * {@code embedded-redis}: for tests that stop and start Redis. The caller stops it.
     */
    public static RedisProcess dedicated(int port) {
        return new RedisProcess(
                serverBinary()
                        .orElseThrow(() -> new IllegalStateException(
                                "no redis-server on the PATH and no embedded-redis binary for this platform")),
                port);
    }

    /** {@link #dedicated(int)} on a free port. */
    public static RedisProcess dedicated() {
        return dedicated(freePort());
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String locate() {
        String fromEnv = System.getenv("REDIS_URL");
        if (fromEnv != null && !fromEnv.isBlank()) {
            log.info("Tests use Redis from REDIS_URL");
            return fromEnv;
        }
        StringBuilder tried = new StringBuilder("REDIS_URL not set");
        try {
            if (DockerClientFactory.instance().isDockerAvailable()) {
                return fromTestcontainers();
            }
            tried.append("; no Docker engine");
        } catch (RuntimeException | LinkageError e) {
            tried.append("; Testcontainers failed: ").append(e);
        }
        Optional<Path> onPath = onPath("redis-server");
        if (onPath.isPresent()) {
            try {
                return startShared(onPath.get(), "redis-server from the PATH");
            } catch (RuntimeException e) {
                tried.append("; ").append(onPath.get()).append(" failed: ").append(e.getMessage());
            }
        } else {
            tried.append("; no redis-server on the PATH");
        }
        try {
            return startShared(embedded(), "the embedded-redis binary");
        } catch (IOException | RuntimeException e) {
            tried.append("; embedded-redis failed: ").append(e);
        }
        throw new IllegalStateException("No Redis for the tests: " + tried);
    }

    @SuppressWarnings("resource")
    private static String fromTestcontainers() {
        GenericContainer<?> container = new GenericContainer<>(DockerImageName.parse(IMAGE)).withExposedPorts(6379);
        container.start();
        Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "redis-container-stop"));
        log.info("Tests use Redis from Testcontainers ({})", IMAGE);
        return "redis://" + container.getHost() + ":" + container.getMappedPort(6379);
    }

    private static String startShared(Path binary, String source) {
        RedisProcess process = new RedisProcess(binary, freePort()).start();
        Runtime.getRuntime().addShutdownHook(new Thread(process::stop, "redis-server-stop"));
        log.info("Tests use {} ({}) on port {}", source, binary, process.port());
        return process.uri();
    }

    private static Optional<Path> serverBinary() {
        Optional<Path> onPath = onPath("redis-server");
        if (onPath.isPresent()) {
            return onPath;
        }
        try {
            return Optional.of(embedded());
        } catch (IOException | RuntimeException e) {
            log.warn("No embedded-redis binary: {}", e.toString());
            return Optional.empty();
        }
    }

    private static Path embedded() throws IOException {
        File binary = ExecutableProvider.newJarResourceProvider().get();
        if (!binary.canExecute() && !binary.setExecutable(true)) {
            throw new IOException("cannot make " + binary + " executable");
        }
        return binary.toPath();
    }

    private static Optional<Path> onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
