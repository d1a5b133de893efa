package io.meetsignal.cluster;

import static java.util.Objects.requireNonNull;

/**
 * A message between nodes. {@code payload} is the event's JSON text, serialized once by the sender and
 * written to the client as it is.
 *
 * <p>{@link RoomEvent}s and {@link SeatEvent}s are <em>logged</em>: the bus keeps them in the room's log for a
 * while and delivers them with their {@code offset} there (the Socket.IO offset a client echoes back when it
 * recovers; compare with {@link Offsets}). Publishers leave the offset null. {@link SocketEvent}s are not logged.
 */
public sealed interface ClusterMessage {

    String roomId();

    /** The position of the message in its room's log, set by the bus on delivery; null when not logged. */
    String offset();

    /**
     * An event for every socket seated in {@code roomId} except {@code exceptSocketId} (may be null).
     * {@code roster}, when set, tells every node how the room's membership changed before the event
     * is delivered.
     */
    record RoomEvent(
            String roomId, String exceptSocketId, String event, String payload, RosterChange roster, String offset)
            implements ClusterMessage {

        public RoomEvent {
            requireNonNull(roomId, "roomId");
            requireNonNull(event, "event");
            requireNonNull(payload, "payload");
        }

        public RoomEvent(String roomId, String exceptSocketId, String event, String payload, RosterChange roster) {
            this(roomId, exceptSocketId, event, payload, roster, null);
        }

        public RoomEvent withOffset(String newOffset) {
            return new RoomEvent(roomId, exceptSocketId, event, payload, roster, newOffset);
        }
    }

    /**
     * An event for the one socket {@code socketId} seated in {@code roomId}, wherever it sits now, followed by
     * {@code action} on that socket. It travels with the room's events, in their order, and is logged with
     * them, so that a socket that moves to another node (recovery) misses nothing.
     */
    record SeatEvent(String roomId, String socketId, String event, String payload, SocketAction action, String offset)
            implements ClusterMessage {

        public SeatEvent {
            requireNonNull(roomId, "roomId");
            requireNonNull(socketId, "socketId");
            requireNonNull(event, "event");
            requireNonNull(payload, "payload");
            requireNonNull(action, "action");
        }

        public SeatEvent(String roomId, String socketId, String event, String payload, SocketAction action) {
            this(roomId, socketId, event, payload, action, null);
        }

        public SeatEvent withOffset(String newOffset) {
            return new SeatEvent(roomId, socketId, event, payload, action, newOffset);
        }
    }

    /**
     * An event for one socket on node {@code nodeId}, followed by {@code action} on that socket.
     * {@code event} may be null when only the action is wanted.
     */
    record SocketEvent(String nodeId, String socketId, String roomId, String event, String payload, SocketAction action)
            implements ClusterMessage {

        @Override
        public String offset() {
            return null;
        }

        public SocketEvent {
            requireNonNull(nodeId, "nodeId");
            requireNonNull(socketId, "socketId");
            requireNonNull(roomId, "roomId");
            requireNonNull(action, "action");
        }
    }

    /** A change of a room's membership that nodes apply to their roster of that room. */
    record RosterChange(Participant joined, String leftSocketId) {}

    /** What the node of a socket does after delivering a {@link SocketEvent}. */
    enum SocketAction {
        /** Nothing. */
        NONE,
        /** The socket's seat (or waiting place) in the room is gone; forget it. */
        UNSEAT,
        /** Forget the seat, then disconnect the socket for good (no recovery). */
        UNSEAT_AND_DISCONNECT,
        /** The socket now holds a seat in the room (admitted from the waiting queue). */
        SEAT,
        /** The socket was recovered on another node, which holds its seat now: forget it here without a word. */
        HANDED_OVER
    }
}
