package io.meetsignal.cluster;

import static java.util.Objects.requireNonNull;

/**
 * A message between nodes. {@code payload} is the event's JSON text, serialized once by the sender and
 * written to the client as it is.
 */
public sealed interface ClusterMessage {

    String roomId();

    /**
     * An event for every socket seated in {@code roomId} except {@code exceptSocketId} (may be null).
     * {@code roster}, when set, tells every node how the room's membership changed before the event
     * is delivered.
     */
    record RoomEvent(String roomId, String exceptSocketId, String event, String payload, RosterChange roster)
            implements ClusterMessage {

        public RoomEvent {
            requireNonNull(roomId, "roomId");
            requireNonNull(event, "event");
            requireNonNull(payload, "payload");
        }
    }

    /**
     * An event for one socket on node {@code nodeId}, followed by {@code action} on that socket.
     * {@code event} may be null when only the action is wanted.
     */
    record SocketEvent(String nodeId, String socketId, String roomId, String event, String payload, SocketAction action)
            implements ClusterMessage {

        public SocketEvent {
            requireNonNull(nodeId, "nodeId");
            requireNonNull(socketId, "socketId");
            requireNonNull(roomId, "roomId");
            requireNonNull(action, "action");
        }
    }

    /** A change of a room's membership that nodes apply to their roster of that room. */
    record RosterChange(Participant joined, String leftSocketId) {
    }

    /** What the node of a socket does after delivering a {@link SocketEvent}. */
    enum SocketAction {
        /** Nothing. */
        NONE,
        /** The socket's seat (or waiting place) in the room is gone; forget it. */
        UNSEAT,
        /** Forget the seat, then disconnect the socket for good (no recovery). */
        UNSEAT_AND_DISCONNECT,
        /** The socket now holds a seat in the room (admitted from the waiting queue). */
        SEAT
    }
}
