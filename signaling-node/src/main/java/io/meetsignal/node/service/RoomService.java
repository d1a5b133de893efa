package io.meetsignal.node.service;

import io.meetsignal.cluster.ClusterBus;
import io.meetsignal.cluster.ClusterStore;
import io.meetsignal.node.session.Session;
import io.meetsignal.node.session.SessionRegistry;
import java.time.Clock;
import java.util.concurrent.CompletionStage;

/**
 * The room services of one node, built together because they share the node's rosters and notices: open the one
 * for the job at hand. {@link Joining} seats and queues, {@link WaitingRoom} admits and denies, {@link Departures}
 * releases, {@link HostControls} mutes, removes, locks and ends from a socket, {@link RoomAdmin} is the REST side,
 * {@link SeatRepair} puts seats back after a loss of the shared state.
 */
public final class RoomService {

    private final Joining joining;
    private final WaitingRoom waitingRoom;
    private final Departures departures;
    private final HostControls host;
    private final RoomAdmin admin;
    private final SeatRepair repair;
    private final Subscriptions subscriptions;

    public RoomService(
            ClusterStore store,
            ClusterBus bus,
            SessionRegistry sessions,
            Rosters rosters,
            String nodeId,
            boolean autoCreate,
            Clock clock) {
        RoomNotices notices = new RoomNotices(store, new Delivery(bus));
        this.subscriptions = new Subscriptions(bus, sessions, rosters);
        this.departures = new Departures(store, sessions, subscriptions, notices, nodeId);
        this.admin = new RoomAdmin(store, notices, clock);
        this.joining = new Joining(
                store, sessions, rosters, subscriptions, notices, departures, admin, nodeId, autoCreate, clock);
        this.host = new HostControls(store, rosters, notices);
        this.waitingRoom = new WaitingRoom(store, host, notices);
        this.repair = new SeatRepair(store, sessions, rosters, notices);
    }

    public Joining joining() {
        return joining;
    }

    public WaitingRoom waitingRoom() {
        return waitingRoom;
    }

    public Departures departures() {
        return departures;
    }

    public HostControls host() {
        return host;
    }

    public RoomAdmin admin() {
        return admin;
    }

    public SeatRepair repair() {
        return repair;
    }

    /** Which rooms the node listens to (for the paths that seat a socket outside a join: recovery, admission). */
    Subscriptions subscriptions() {
        return subscriptions;
    }

    /** A socket's transport is gone for good: release what it held (see {@link Departures#disconnected}). */
    public CompletionStage<Void> disconnected(Session session) {
        return departures.disconnected(session);
    }
}
