package io.meetsignal.node.service;

import io.meetsignal.cluster.ClusterMessage;
import io.meetsignal.cluster.Room;
import io.meetsignal.cluster.RoomSettings;
import io.meetsignal.cluster.memory.InMemoryClusterBus;
import io.meetsignal.cluster.memory.InMemoryClusterStore;
import io.meetsignal.node.auth.Identity;
import io.meetsignal.node.protocol.Requests.JoinRoom;
import io.meetsignal.node.session.ClientLink;
import io.meetsignal.node.session.FloodDetector;
import io.meetsignal.node.session.RecordingLink;
import io.meetsignal.node.session.Session;
import io.meetsignal.node.session.SessionRegistry;
import io.meetsignal.node.session.TokenBucket;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.MDC;

/**
 * One node on the in-memory store, with sockets that record what they receive. {@link #otherNode} adds a node
 * that shares the store and the bus, as the nodes of a cluster share Redis.
 */
final class MeetingFixture implements AutoCloseable {

    final InMemoryClusterBus bus;
    final InMemoryClusterStore store;
    final SessionRegistry sessions = new SessionRegistry();
    final Rosters rosters = new Rosters();
    final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    final RoomService rooms;
    final SignalService signals;
    /** Connection state recovery on this node, with the window the fixture was made with (zero: recovery off). */
    final Recovery recovery;

    final String nodeId;
    private final boolean autoCreate;
    private final Duration recoveryWindow;
    private final Nodes nodes;
    private final Dispatcher dispatcher;

    /**
     * The bus of the fixture in use: {@link #await} waits for its deliveries too, since the in-memory bus, like the
     * Redis one, hands messages to the node's sockets on a thread of its own after the publishing call returned.
     */
    private static volatile InMemoryClusterBus current;

    /**
     * The nodes on one bus: room and seat events reach each of them, a socket event only the node it names, as on
     * Redis (the in-memory bus has one listener: it is made for a node that runs alone). Deliveries can be held back
     * for a while, to see what a node does while a message is published but not yet delivered.
     */
    private static final class Nodes implements Consumer<ClusterMessage> {
        final Map<String, Consumer<ClusterMessage>> byId = new ConcurrentHashMap<>();
        private volatile CountDownLatch held;

        @Override
        public void accept(ClusterMessage message) {
            CountDownLatch gate = held;
            if (gate != null) {
                try {
                    gate.await(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (message instanceof ClusterMessage.SocketEvent event) {
                Consumer<ClusterMessage> node = byId.get(event.nodeId());
                if (node != null) {
                    deliver(event.nodeId(), node, message);
                }
                return;
            }
            byId.forEach((id, node) -> deliver(id, node, message));
        }

        /** Hands the message to one node, with that node's id in the log lines. */
        private static void deliver(String id, Consumer<ClusterMessage> node, ClusterMessage message) {
            String bus = MDC.get("node");
            MDC.put("node", id);
            try {
                node.accept(message);
            } finally {
                if (bus == null) {
                    MDC.remove("node");
                } else {
                    MDC.put("node", bus);
                }
            }
        }
    }

    MeetingFixture(boolean autoCreate) {
        this(autoCreate, "node-1", Duration.ZERO, new InMemoryClusterBus(), null, null);
    }

    MeetingFixture() {
        this(false);
    }

    /**
     * A node with connection state recovery on for {@code recoveryWindow} ({@link #recovery}); its store knows the
     * head of each room's log, as in production, so that a join's {@code room-joined} carries the log's offset.
     */
    MeetingFixture(Duration recoveryWindow) {
        this(false, "node-1", recoveryWindow, new InMemoryClusterBus(), null, null);
    }

    private MeetingFixture(
            boolean autoCreate,
            String nodeId,
            Duration recoveryWindow,
            InMemoryClusterBus bus,
            InMemoryClusterStore store,
            Nodes nodes) {
        this.autoCreate = autoCreate;
        this.nodeId = nodeId;
        this.recoveryWindow = recoveryWindow;
        this.bus = bus;
        if (store != null) {
            this.store = store;
        } else if (recoveryWindow.isZero()) {
            this.store = new InMemoryClusterStore();
        } else {
            this.store = new InMemoryClusterStore(Clock.systemUTC(), bus::head);
        }
        current = bus;
        Clock clock = Clock.systemUTC();
        rooms = new RoomService(this.store, bus, sessions, rosters, nodeId, autoCreate, clock);
        signals = new SignalService(this.store, new Delivery(bus), rosters, timers, clock);
        recovery = new Recovery(this.store, bus, sessions, rosters, rooms, nodeId, recoveryWindow, timers);
        dispatcher = new Dispatcher(sessions, rosters, this.store, bus, rooms);
        if (nodes == null) {
            this.nodes = new Nodes();
            this.nodes.byId.put(nodeId, dispatcher);
            bus.start(nodeId, this.nodes);
        } else {
            this.nodes = nodes;
            nodes.byId.put(nodeId, dispatcher);
        }
    }

    /**
     * Another node of the same cluster: the same store and bus, sessions and rosters of its own, the same recovery
     * window. {@link #close} on it makes it a node that died: it gets nothing from the bus any more.
     */
    MeetingFixture otherNode(String otherNodeId) {
        return new MeetingFixture(autoCreate, otherNodeId, recoveryWindow, bus, store, nodes);
    }

    /** Holds back every delivery of the bus (to every node) until {@link #releaseDeliveries}, 5 s at most. */
    void holdDeliveries() {
        nodes.held = new CountDownLatch(1);
    }

    void releaseDeliveries() {
        CountDownLatch gate = nodes.held;
        nodes.held = null;
        if (gate != null) {
            gate.countDown();
        }
    }

    /** A connected socket of {@code userId} (null for a guest). */
    Client connect(String userId, String name) {
        RecordingLink link = new RecordingLink();
        Session session = new Session(
                newSocketId(),
                new Identity(userId, name),
                link,
                new TokenBucket(50, 100),
                new TokenBucket(5, 10),
                new FloodDetector(500, 10));
        sessions.add(session);
        return new Client(session, link);
    }

    /** A connected socket of {@code userId} (null for a guest) that can be recovered: it has a recovery key. */
    Client connectRecoverable(String userId, String name) {
        return connectRecoverable(userId, name, UUID.randomUUID().toString());
    }

    Client connectRecoverable(String userId, String name, String recoveryKey) {
        RecordingLink link = new RecordingLink();
        Session session = session(newSocketId(), recoveryKey, new Identity(userId, name), link);
        sessions.add(session);
        return new Client(session, link);
    }

    /** A session as the edge makes one, not registered; its loop is the calling thread, whichever it is. */
    static Session session(String socketId, String recoveryKey, Identity identity, ClientLink link) {
        return new Session(
                socketId,
                recoveryKey,
                identity,
                link,
                new TokenBucket(50, 100),
                new TokenBucket(5, 10),
                new FloodDetector(500, 10),
                ImmediateEventExecutor.INSTANCE);
    }

    private static String newSocketId() {
        return UUID.randomUUID().toString().substring(0, 20);
    }

    Room createRoom(String hostId, RoomSettings settings) {
        return await(store.createRoom(
                rooms.admin().newRoom(io.meetsignal.cluster.RoomCodes.generate(), "Test", hostId, settings)));
    }

    Room createRoom(String hostId) {
        return createRoom(hostId, RoomSettings.DEFAULTS);
    }

    Outcome join(Client client, Room room) {
        return await(rooms.joining().join(client.session(), new JoinRoom(room.code(), null)));
    }

    /**
     * The stage's result once every message it published has reached the sockets (a delivery may publish again,
     * e.g. a seat released for a socket that is gone, so the bus is drained a few rounds).
     */
    static <T> T await(CompletionStage<T> stage) {
        try {
            T result = stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
            settle();
            return result;
        } catch (java.util.concurrent.ExecutionException e) {
            // a refusal publishes too (join-error, waiting-cancelled): wait for those as for a result
            settle();
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new AssertionError(e.getCause());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Waits until what was published so far, and what its deliveries published in turn, has been delivered. */
    static void settle() {
        InMemoryClusterBus bus = current;
        if (bus == null) {
            return;
        }
        try {
            for (int round = 0; round < 3; round++) {
                bus.delivered().toCompletableFuture().get(5, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Stops the node: its timers, and its deliveries from the bus (the bus stays up for the other nodes). */
    @Override
    public void close() {
        nodes.byId.remove(nodeId, dispatcher);
        timers.shutdownNow();
    }

    record Client(Session session, RecordingLink link) {
        String id() {
            return session.socketId();
        }
    }
}
