package io.meetsignal.node;

import io.meetsignal.cluster.ClusterBus;
import io.meetsignal.cluster.ClusterLock;
import io.meetsignal.cluster.ClusterStore;
import io.meetsignal.cluster.StoreUnavailableException;
import io.meetsignal.cluster.memory.InMemoryClusterBus;
import io.meetsignal.cluster.memory.InMemoryClusterLock;
import io.meetsignal.cluster.memory.InMemoryClusterStore;
import io.meetsignal.cluster.redis.RedisCluster;
import io.meetsignal.cluster.redis.RedisConfig;
import io.meetsignal.cluster.redis.RedisTopology;
import io.meetsignal.cluster.redis.RedissonClusterLock;
import io.meetsignal.node.auth.TokenVerifier;
import io.meetsignal.node.config.NodeConfig;
import io.meetsignal.node.edge.SignalingServer;
import io.meetsignal.node.logging.LogContext;
import io.meetsignal.node.ops.Admission;
import io.meetsignal.node.ops.LoopLag;
import io.meetsignal.node.ops.ManagementServer;
import io.meetsignal.node.ops.Metrics;
import io.meetsignal.node.ops.Readiness;
import io.meetsignal.node.service.Delivery;
import io.meetsignal.node.service.Dispatcher;
import io.meetsignal.node.service.NodeLiveness;
import io.meetsignal.node.service.Recovery;
import io.meetsignal.node.service.RoomService;
import io.meetsignal.node.service.Rosters;
import io.meetsignal.node.service.SignalService;
import io.meetsignal.node.session.Session;
import io.meetsignal.node.session.SessionRegistry;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One signaling node: every part wired together, started, and stopped in order. */
public final class SignalingNode implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SignalingNode.class);
    /** How long a starting node waits for Redis before it gives up. */
    static final Duration REDIS_STARTUP_WAIT = Duration.ofSeconds(30);

    private final NodeConfig config;
    private final ClusterStore store;
    private final ClusterBus bus;
    private final ClusterLock lock;
    private final ScheduledExecutorService timers;
    private final Readiness readiness;
    private final NodeLiveness liveness;
    private final SignalingServer server;
    private final ManagementServer management;
    private final SessionRegistry sessions;
    private final AtomicBoolean accepting = new AtomicBoolean(false);
    private final AtomicBoolean closed = new AtomicBoolean(false);
    private final LoopLag loopLag;
    private final Metrics metrics;
    private final Warmup warmup;
    private InetSocketAddress publicAddress;
    private InetSocketAddress managementAddress;

    private SignalingNode(NodeConfig config, ClusterStore store, ClusterBus bus, ClusterLock lock) {
        this.config = config;
        this.store = store;
        this.bus = bus;
        this.lock = lock;
        Clock clock = Clock.systemUTC();
        timers = Executors.newSingleThreadScheduledExecutor(LogContext.threads("signaling-timers", config.nodeId()));
        sessions = new SessionRegistry(config.nodeId());
        Rosters rosters = new Rosters();
        RoomService rooms =
                new RoomService(store, bus, sessions, rosters, config.nodeId(), config.roomsAutoCreate(), clock);
        SignalService signals = new SignalService(store, new Delivery(bus), rosters, timers, clock);
        metrics = new Metrics(SignalingServer.clientEvents(rooms, signals), sessions);
        TokenVerifier tokens = new TokenVerifier(config.auth());
        bus.start(config.nodeId(), new Dispatcher(sessions, rosters, store, bus, rooms));
        readiness = new Readiness(store, () -> accepting.get() && !closed.get(), timers);
        Recovery recovery =
                new Recovery(store, bus, sessions, rosters, rooms, config.nodeId(), config.recoveryWindow(), timers);
        liveness = new NodeLiveness(
                store, lock, rooms, config.nodeId(), config.nodeTtl(), config.recoveryWindow(), timers);
        loopLag = new LoopLag(System::nanoTime);
        Admission admission = new Admission(
                loopLag::sustainedLagMillis,
                config.limits().overloadLagMillis(),
                metrics::heapUsedAfterGc,
                System::nanoTime);
        metrics.overload(loopLag, admission);
        server = new SignalingServer(
                config, sessions, rooms, recovery, signals, tokens, metrics, accepting::get, loopLag, admission);
        warmup = new Warmup(config, rooms.admin());
        management = new ManagementServer(config.managementHost(), config.managementPort(), this::ready, metrics);
    }

    /** Builds and starts a node; the ports are bound when this returns. */
    public static SignalingNode start(NodeConfig config) {
        SignalingNode node = backend(config);
        try {
            node.readiness.start();
            node.liveness.start();
            node.publicAddress = bind(config.port(), config.host(), node.server::start);
            node.managementAddress = bind(config.managementPort(), config.managementHost(), node.management::start);
        } catch (RuntimeException e) {
            node.close();
            throw e;
        }
        node.accepting.set(true);
        node.warmup.start(node.publicAddress);
        log.info("Node {} serving on {} (management {})", config.nodeId(), node.publicAddress, node.managementAddress);
        return node;
    }

    /** A port that cannot be bound (in use, not permitted); the message names it. */
    public static final class BindFailure extends RuntimeException {
        BindFailure(int port, String host, Throwable cause) {
            super("cannot bind port " + port + " on " + host + ": " + cause.getMessage(), cause);
        }
    }

    private static InetSocketAddress bind(int port, String host, java.util.function.Supplier<InetSocketAddress> start) {
        try {
            return start.get();
        } catch (Exception e) { // Netty reports bind errors as undeclared IOExceptions
            throw new BindFailure(port, host, e);
        }
    }

    private static SignalingNode backend(NodeConfig config) {
        if (config.redisUrl().isEmpty()) {
            log.info("Using the in-memory store: this node runs alone (set REDIS_URL to run a cluster)");
            InMemoryClusterBus bus = new InMemoryClusterBus(Clock.systemUTC(), logRetention(config), logCap(config));
            return new SignalingNode(
                    config, new InMemoryClusterStore(Clock.systemUTC(), bus::head), bus, new InMemoryClusterLock());
        }
        RedisConfig redis = new RedisConfig(
                        config.redisUrl().get(), config.redisPrefix(), RedisConfig.DEFAULT_COMMAND_TIMEOUT)
                .withLog(logRetention(config), logCap(config))
                .withBusFormat(config.busFormat());
        RedisCluster cluster = connectWithRetry(redis);
        RedissonClusterLock lock;
        try {
            lock = RedissonClusterLock.connect(redis);
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        log.info(
                "Using {} ({}) with key prefix '{}', bus format {}",
                RedisTopology.describe(redis.uri()),
                RedisConfig.redacted(redis.uri()),
                config.redisPrefix(),
                config.busFormat());
        return new SignalingNode(config, cluster.store(), cluster.bus(), lock);
    }

    /**
     * How long a room's log keeps a message: twice the recovery window, so that an event still in flight when a
     * client's transport dropped is there for as long as the client may come back.
     */
    static Duration logRetention(NodeConfig config) {
        return config.recoveryWindow().isZero()
                ? Duration.ofSeconds(1)
                : config.recoveryWindow().multipliedBy(2);
    }

    /** The rooms' logs exist for recovery only: with recovery off, rooms' events are published as they are. */
    static int logCap(NodeConfig config) {
        return config.recoveryWindow().isZero() ? 0 : ClusterBus.DEFAULT_LOG_CAP;
    }

    private static RedisCluster connectWithRetry(RedisConfig redis) {
        long deadline = System.nanoTime() + REDIS_STARTUP_WAIT.toNanos();
        while (true) {
            try {
                return RedisCluster.connect(redis);
            } catch (StoreUnavailableException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                log.warn(
                        "Redis at {} not reachable yet ({}); retrying",
                        RedisConfig.redacted(redis.uri()),
                        e.getMessage());
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** Ready for traffic: accepting, the shared state answers, and the warm-up is over ({@link Warmup}). */
    public boolean ready() {
        return warmup.done() && readiness.getAsBoolean();
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

    /**
     * Graceful shutdown (SIGTERM): not ready and no new handshakes at once, then every client's transport is
     * closed, spread over {@code DRAIN_SECONDS}, so that the clients reconnect by themselves to other nodes
     * without all arriving at once; then the node stops.
     */
    public void drainAndClose() {
        if (closed.get() || !accepting.compareAndSet(true, false)) {
            close();
            return;
        }
        List<Session> clients = new ArrayList<>(sessions.all());
        log.info("Node {} draining {} sockets over {}", config.nodeId(), clients.size(), config.drain());
        long spreadNanos = config.drain().toNanos() * 3 / 4;
        long start = System.nanoTime();
        for (int i = 0; i < clients.size(); i++) {
            long due = start + spreadNanos * i / Math.max(1, clients.size());
            sleepUntil(due);
            clients.get(i).link().closeTransport();
        }
        long deadline = start + config.drain().toNanos();
        while (sessions.size() > 0 && System.nanoTime() < deadline) {
            sleepUntil(System.nanoTime() + 50_000_000L);
        }
        log.info("Node {} drained ({} sockets left)", config.nodeId(), sessions.size());
        close();
    }

    private static void sleepUntil(long nanoTime) {
        long wait = nanoTime - System.nanoTime();
        if (wait > 0) {
            try {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        accepting.set(false);
        log.info("Node {} stopping", config.nodeId());
        server.close();
        loopLag.close();
        metrics.close();
        readiness.close();
        liveness.close();
        management.close();
        timers.shutdownNow();
        bus.close();
        lock.close();
        store.close();
    }
}
