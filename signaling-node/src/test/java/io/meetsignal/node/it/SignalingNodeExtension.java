package io.meetsignal.node.it;

import io.meetsignal.cluster.redis.RedisLocator;
import io.meetsignal.node.SignalingNode;
import io.meetsignal.node.config.NodeConfig;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A whole {@link SignalingNode} in this JVM for the tests of one class, on free ports of 127.0.0.1 (port 0): the
 * edge, REST and the management port as production wires them. In-memory store by default; {@link #onRedis} puts
 * it on the Redis that {@link RedisLocator} finds (as cluster-store's ITs do), under a key prefix of its own.
 *
 * <pre>{@code @RegisterExtension static final SignalingNodeExtension NODE = SignalingNodeExtension.inMemory();}</pre>
 */
public final class SignalingNodeExtension implements BeforeAllCallback, AfterAllCallback {

    private final Map<String, String> env = new HashMap<>();
    private final boolean redis;
    private SignalingNode node;

    private SignalingNodeExtension(boolean redis) {
        this.redis = redis;
        env.put("HOST", "127.0.0.1");
        env.put("PORT", "0");
        env.put("MANAGEMENT_HOST", "127.0.0.1");
        env.put("MANAGEMENT_PORT", "0");
        env.put("NODE_ID", "jvm-" + UUID.randomUUID().toString().substring(0, 8));
        env.put("DRAIN_SECONDS", "1");
        env.put("WARMUP", "0"); // no warm-up traffic beside the tests (conformance test/warmup.test.js covers it)
    }

    /** A node alone, on the in-memory store. */
    public static SignalingNodeExtension inMemory() {
        return new SignalingNodeExtension(false);
    }

    /** A node on a real Redis (for {@code *IT}s). */
    public static SignalingNodeExtension onRedis() {
        return new SignalingNodeExtension(true);
    }

    /** Sets an environment variable of the node (PROTOCOL.md §10) before it starts. */
    public SignalingNodeExtension with(String name, String value) {
        env.put(name, value);
        return this;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        Map<String, String> config = new HashMap<>(env);
        if (redis) {
            config.put("REDIS_URL", RedisLocator.uri());
            config.put("REDIS_PREFIX", RedisLocator.freshPrefix());
        }
        node = SignalingNode.start(NodeConfig.from(config));
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (node != null) {
            node.close();
            node = null;
        }
    }

    public SignalingNode node() {
        return node;
    }

    /** The public (Socket.IO and REST) port it is bound to. */
    public int publicPort() {
        return node.publicAddress().getPort();
    }

    public int managementPort() {
        return node.managementAddress().getPort();
    }

    /** {@code path} on the public port, e.g. {@code /api/rooms}. */
    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + publicPort() + path);
    }

    /** {@code path} on the management port, e.g. {@code /healthz}. */
    public URI managementUri(String path) {
        return URI.create("http://127.0.0.1:" + managementPort() + path);
    }
}
