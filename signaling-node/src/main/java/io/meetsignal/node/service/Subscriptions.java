package io.meetsignal.node.service;

import io.meetsignal.cluster.ClusterBus;
import io.meetsignal.node.session.SessionRegistry;
import java.util.concurrent.CompletionStage;

/**
 * Which rooms this node listens to: a room while a local session sits in it or is joining it, and no longer.
 *
 * <p>The decision to stop and a request to start are ordered by one lock. Whoever needs a room's events marks its
 * session as joining or seated first and then calls {@link #listen}; {@link #stopIfUnused} checks both marks and
 * asks the bus to leave under the same lock. So a join that begins while another session's refusal decides to stop
 * either is seen by that check, or asks the bus to listen after it was asked to leave, and the bus ends subscribed.
 * Without the lock, the check could miss a join whose subscription request then overtook the unsubscription: the
 * node stopped listening while that join read its roster, and its participant missed who joined next (seen in the
 * three-node 40-joins-for-10-seats conformance test).
 */
final class Subscriptions {

    private final ClusterBus bus;
    private final SessionRegistry sessions;
    private final Rosters rosters;
    private final Object order = new Object();

    Subscriptions(ClusterBus bus, SessionRegistry sessions, Rosters rosters) {
        this.bus = bus;
        this.sessions = sessions;
        this.rosters = rosters;
    }

    /**
     * Starts receiving a room's events (the roster is kept from now on); the stage completes once they are
     * delivered. The caller's session must already be marked joining or seated in the room.
     */
    CompletionStage<Void> listen(String roomId) {
        synchronized (order) {
            rosters.prepare(roomId);
            return bus.joinRoom(roomId);
        }
    }

    /** Stops receiving a room's events, unless a local session sits in it or is joining it. */
    void stopIfUnused(String roomId) {
        synchronized (order) {
            if (!sessions.inRoom(roomId).isEmpty() || !sessions.joining(roomId).isEmpty()) {
                return;
            }
            rosters.drop(roomId);
            bus.leaveRoom(roomId);
        }
    }
}
