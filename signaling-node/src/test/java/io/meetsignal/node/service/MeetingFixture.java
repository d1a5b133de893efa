package io.meetsignal.node.service;

import io.meetsignal.cluster.Room;
import io.meetsignal.cluster.RoomSettings;
import io.meetsignal.cluster.memory.InMemoryClusterBus;
import io.meetsignal.cluster.memory.InMemoryClusterStore;
import io.meetsignal.node.auth.Identity;
import io.meetsignal.node.protocol.Requests.JoinRoom;
import io.meetsignal.node.session.FloodDetector;
import io.meetsignal.node.session.RecordingLink;
import io.meetsignal.node.session.Session;
import io.meetsignal.node.session.SessionRegistry;
import io.meetsignal.node.session.TokenBucket;
import java.time.Clock;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** One node on the in-memory store, with sockets that record what they receive. */
final class MeetingFixture implements AutoCloseable {

    final InMemoryClusterStore store = new InMemoryClusterStore();
    final InMemoryClusterBus bus = new InMemoryClusterBus();
    final SessionRegistry sessions = new SessionRegistry();
    final Rosters rosters = new Rosters();
    final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    final RoomService rooms;
    final SignalService signals;

    /**
     * The bus of the fixture in use: {@link #await} waits for its deliveries too, since the in-memory bus, like the
     * Redis one, hands messages to the node's sockets on a thread of its own after the publishing call returned.
     */
    private static volatile InMemoryClusterBus current;

    MeetingFixture(boolean autoCreate) {
        current = bus;
        Clock clock = Clock.systemUTC();
        rooms = new RoomService(store, bus, sessions, rosters, "node-1", autoCreate, clock);
        signals = new SignalService(store, new Delivery(bus), rosters, timers, clock);
        bus.start("node-1", new Dispatcher(sessions, rosters, store, bus, rooms));
    }

    MeetingFixture() {
        this(false);
    }

    /** A connected socket of {@code userId} (null for a guest). */
    Client connect(String userId, String name) {
        RecordingLink link = new RecordingLink();
        Session session = new Session(
                UUID.randomUUID().toString().substring(0, 20),
                new Identity(userId, name),
                link,
                new TokenBucket(50, 100),
                new TokenBucket(5, 10),
                new FloodDetector(500, 10));
        sessions.add(session);
        return new Client(session, link);
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

    @Override
    public void close() {
        timers.shutdownNow();
    }

    record Client(Session session, RecordingLink link) {
        String id() {
            return session.socketId();
        }
    }
}
