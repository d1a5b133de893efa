package io.meetsignal.node;

import io.meetsignal.cluster.ClusterBus;
import io.meetsignal.cluster.ClusterLock;
import io.meetsignal.cluster.ClusterStore;
import io.meetsignal.cluster.memory.InMemoryClusterLock;
import io.meetsignal.cluster.memory.InMemoryClusterBus;
import io.meetsignal.cluster.memory.InMemoryClusterStore;
import io.meetsignal.node.auth.TokenVerifier;
import io.meetsignal.node.config.NodeConfig;
import io.meetsignal.node.edge.SignalingServer;
import io.meetsignal.node.ops.ManagementServer;
import io.meetsignal.node.ops.Metrics;
import io.meetsignal.node.ops.Readiness;
import io.meetsignal.node.service.Delivery;
import io.meetsignal.node.service.Dispatcher;
import io.meetsignal.node.service.NodeLiveness;
import io.meetsignal.node.service.RoomService;
import io.meetsignal.node.service.Rosters;
import io.meetsignal.node.service.SignalService;
import io.meetsignal.node.session.SessionRegistry;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One signaling node: every part wired together, started, and stopped in order. */
public final class SignalingNode implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SignalingNode.class);

    private final NodeConfig config;
    private final ClusterStore store;
    private final ClusterBus bus;
    private final ClusterLock lock;
    private final ScheduledExecutorService timers;
    private final Readiness readiness;
    private final NodeLiveness liveness;
    private final SignalingServer server;
    private final ManagementServer management;
    private final AtomicBoolean accepting = new AtomicBoolean(false);
    private final AtomicBoolean closed = new AtomicBoolean(false);
    private InetSocketAddress publicAddress;
    private InetSocketAddress managementAddress;

    private SignalingNode(NodeConfig config, ClusterStore store, ClusterBus bus, ClusterLock lock) {
        this.config = config;
        this.store = store;
        this.bus = bus;
        this.lock = lock;
        Clock clock = Clock.systemUTC();
        timers = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "signaling-timers");
            thread.setDaemon(true);
            return thread;
        });
        SessionRegistry sessions = new SessionRegistry();
        Rosters rosters = new Rosters();
        RoomService rooms = new RoomService(store, bus, sessions, rosters, config.nodeId(), config.roomsAutoCreate(),
                clock);
        SignalService signals = new SignalService(store, new Delivery(bus), rosters, timers, clock);
        Metrics metrics = new Metrics(SignalingServer.clientEvents(rooms, signals), sessions);
        TokenVerifier tokens = new TokenVerifier(config.auth());
        bus.start(config.nodeId(), new Dispatcher(sessions, rosters, store, bus, rooms));
        readiness = new Readiness(store, () -> accepting.get() && !closed.get(), timers);
        liveness = new NodeLiveness(store, lock, rooms, config.nodeId(), config.nodeTtl(), timers);
        server = new SignalingServer(config, store, sessions, rooms, signals, tokens, metrics, accepting::get);
        management = new ManagementServer(config.host(), config.managementPort(), readiness, metrics);
    }

    /** Builds and starts a node; the ports are bound when this returns. */
    public static SignalingNode start(NodeConfig config) {
        SignalingNode node = backend(config);
        try {
            node.readiness.start();
            node.liveness.start();
            node.publicAddress = node.server.start();
            node.managementAddress = node.management.start();
        } catch (RuntimeException e) {
            node.close();
            throw e;
        }
        node.accepting.set(true);
        log.info("Node {} serving on {} (management {})", config.nodeId(), node.publicAddress, node.managementAddress);
        return node;
    }

    private static SignalingNode backend(NodeConfig config) {
        if (config.redisUrl().isEmpty()) {
            log.info("Using the in-memory store: this node runs alone (set REDIS_URL to run a cluster)");
            return new SignalingNode(config, new InMemoryClusterStore(), new InMemoryClusterBus(),
                    new InMemoryClusterLock());
        }
        throw new IllegalStateException("REDIS_URL is set, but this build has no Redis adapter yet");
    }

    public boolean ready() {
        return readiness.getAsBoolean();
    }

    public InetSocketAddress publicAddress() {
        return publicAddress;
    }

    public InetSocketAddress managementAddress() {
        return managementAddress;
    }

    public NodeConfig config() {
        return config;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        accepting.set(false);
        log.info("Node {} stopping", config.nodeId());
        server.close();
        readiness.close();
        liveness.close();
        management.close();
        timers.shutdownNow();
        bus.close();
        lock.close();
        store.close();
    }
}
