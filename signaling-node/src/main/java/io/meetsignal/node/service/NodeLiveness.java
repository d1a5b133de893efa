package io.meetsignal.node.service;

import io.meetsignal.cluster.ClusterLock;
import io.meetsignal.cluster.ClusterStore;
import io.meetsignal.node.protocol.LeaveReason;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this node's heartbeat alive, and releases the seats of nodes whose heartbeat lapsed (crash, kill -9,
 * network loss). Every node looks for lost nodes; a cluster lock per lost node makes exactly one of them do
 * the release, and the others in those rooms receive {@code user-left} with {@code reason: "node-lost"}.
 */
public final class NodeLiveness implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NodeLiveness.class);
    private static final Duration RELEASE_LEASE = Duration.ofSeconds(30);

    private final ClusterStore store;
    private final ClusterLock lock;
    private final RoomService rooms;
    private final String nodeId;
    private final Duration ttl;
    private final ScheduledExecutorService timers;
    private ScheduledFuture<?> heartbeats;
    private volatile boolean beating;
    /** Whether the last heartbeat failed (heartbeats do not overlap: one every third of the TTL). */
    private volatile boolean heartbeatFailed;

    private volatile long lastStoreFailureNanos;
    private final Duration quietAfterFailure;
    private ScheduledFuture<?> sweeps;
    /**
     * How long the seats of a lost node are kept after this node first saw it lost: until the recovery window has
     * passed since its last heartbeat, its clients may still come back on other nodes and take their seats.
     */
    private final Duration graceAfterLoss;
    /** Lost node → when this node first saw it lost (nanoTime). */
    private final Map<String, Long> firstSeenLost = new ConcurrentHashMap<>();

    public NodeLiveness(
            ClusterStore store,
            ClusterLock lock,
            RoomService rooms,
            String nodeId,
            Duration ttl,
            Duration recoveryWindow,
            ScheduledExecutorService timers) {
        this.store = store;
        this.lock = lock;
        this.rooms = rooms;
        this.nodeId = nodeId;
        this.ttl = ttl;
        this.timers = timers;
        this.graceAfterLoss = recoveryWindow.compareTo(ttl) > 0 ? recoveryWindow.minus(ttl) : Duration.ZERO;
        this.quietAfterFailure = ttl.plus(ttl.dividedBy(3));
        this.lastStoreFailureNanos = System.nanoTime() - quietAfterFailure.toNanos();
    }

    public void start() {
        long ttlMillis = ttl.toMillis();
        heartbeat();
        heartbeats = timers.scheduleAtFixedRate(
                this::heartbeat, ttlMillis / 3, Math.max(100, ttlMillis / 3), TimeUnit.MILLISECONDS);
        long sweepMillis = Math.max(200, ttlMillis / 4);
        sweeps = timers.scheduleWithFixedDelay(this::sweep, sweepMillis, sweepMillis, TimeUnit.MILLISECONDS);
    }

    private void heartbeat() {
        store.heartbeat(nodeId, ttl).whenComplete((continued, failure) -> {
            if (failure != null) {
                storeFailed();
                heartbeatFailed = true;
                log.debug("Heartbeat of node {} failed: {}", nodeId, failure.toString());
                return;
            }
            boolean afterOutage = heartbeatFailed;
            heartbeatFailed = false;
            if ((!continued || afterOutage) && beating) {
                // gone: Redis restarted empty; after an outage: a promoted replica (Sentinel failover) may lack the
                // last writes of the old master. Either way this node puts back what it knows (the restore is
                // idempotent: what is there stays as it is)
                log.warn(
                        !continued
                                ? "The heartbeat of node {} was gone (shared state lost or unreachable for {}); "
                                        + "putting back the seats of its sockets"
                                : "The shared state answers node {} again after an outage (node TTL {}); "
                                        + "putting back any seat of its sockets that is missing",
                        nodeId,
                        ttl);
                rooms.repair().restoreLocalSeats().whenComplete((restored, restoreFailure) -> {
                    if (restoreFailure != null) {
                        log.warn("Restoring the seats of node {} failed: {}", nodeId, restoreFailure.toString());
                    } else {
                        log.info("Restored {} seats of node {}", restored, nodeId);
                    }
                });
            }
            beating = true;
        });
    }

    /**
     * Looks for lost nodes and releases their seats. Skipped until the store has answered this node for a
     * whole heartbeat period after any failure: when Redis comes back from an outage every heartbeat may
     * have lapsed, and live nodes must get the chance to renew theirs before anyone is declared lost.
     */
    public CompletionStage<Void> sweep() {
        if (System.nanoTime() - lastStoreFailureNanos < quietAfterFailure.toNanos()) {
            return CompletableFuture.completedFuture(null);
        }
        return store.lostNodes().thenCompose(this::releaseAll).exceptionally(failure -> {
            storeFailed();
            log.debug("Sweep for lost nodes failed: {}", failure.toString());
            return null;
        });
    }

    private void storeFailed() {
        lastStoreFailureNanos = System.nanoTime();
    }

    private CompletionStage<Void> releaseAll(Set<String> lost) {
        CompletionStage<Void> all = CompletableFuture.completedFuture(null);
        long now = System.nanoTime();
        firstSeenLost.keySet().retainAll(lost);
        for (String node : lost) {
            if (node.equals(nodeId)) {
                continue;
            }
            long seen = firstSeenLost.computeIfAbsent(node, n -> now);
            if (now - seen < graceAfterLoss.toNanos()) {
                continue;
            }
            all = all.thenCompose(nothing -> lock.tryRun(
                            "release-node:" + node,
                            RELEASE_LEASE,
                            () -> store.releaseNode(node).thenCompose(seats -> {
                                if (!seats.isEmpty()) {
                                    log.warn(
                                            "Node {} is lost; released its {} seats and waiting places",
                                            node,
                                            seats.size());
                                }
                                return rooms.repair().announceReleased(seats, LeaveReason.NODE_LOST);
                            }))
                    .thenApply(ran -> null));
        }
        return all;
    }

    /** Stops the timers and removes this node's heartbeat (a node that leaves in good order). */
    @Override
    public void close() {
        if (heartbeats != null) {
            heartbeats.cancel(false);
        }
        if (sweeps != null) {
            sweeps.cancel(false);
        }
        try {
            store.removeNode(nodeId).toCompletableFuture().get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.debug("Could not remove the heartbeat of node {}: {}", nodeId, e.toString());
        }
    }
}
