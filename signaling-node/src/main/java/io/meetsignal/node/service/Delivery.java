package io.meetsignal.node.service;

import io.meetsignal.cluster.ClusterBus;
import io.meetsignal.cluster.ClusterMessage;
import io.meetsignal.cluster.ClusterMessage.RosterChange;
import io.meetsignal.cluster.ClusterMessage.SocketAction;
import io.meetsignal.node.protocol.Json;
import io.meetsignal.node.protocol.ServerEvent;
import java.util.concurrent.CompletionStage;

/** Publishes events for sockets on any node; each event is serialized here, once. */
public final class Delivery {

    private final ClusterBus bus;

    public Delivery(ClusterBus bus) {
        this.bus = bus;
    }

    public CompletionStage<Void> toRoom(String roomId, String exceptSocketId, ServerEvent event) {
        return toRoom(roomId, exceptSocketId, event, null);
    }

    public CompletionStage<Void> toRoom(String roomId, String exceptSocketId, ServerEvent event, RosterChange roster) {
        return bus.publish(
                new ClusterMessage.RoomEvent(roomId, exceptSocketId, event.event(), Json.write(event), roster));
    }

    /**
     * An event for a socket seated in {@code roomId}, wherever it sits (it travels with the room's events and is
     * logged with them), then {@code action} on it.
     */
    public CompletionStage<Void> toSeat(String roomId, String socketId, ServerEvent event, SocketAction action) {
        return bus.publish(new ClusterMessage.SeatEvent(roomId, socketId, event.event(), Json.write(event), action));
    }

    /** An event for a socket on node {@code nodeId}, then {@code action} on it; not logged. */
    public CompletionStage<Void> toSocket(
            String nodeId, String socketId, String roomId, ServerEvent event, SocketAction action) {
        return bus.publish(
                new ClusterMessage.SocketEvent(nodeId, socketId, roomId, event.event(), Json.write(event), action));
    }

    /** Only {@code action} on a socket of node {@code nodeId}, no event. */
    public CompletionStage<Void> toSocket(String nodeId, String socketId, String roomId, SocketAction action) {
        return bus.publish(new ClusterMessage.SocketEvent(nodeId, socketId, roomId, null, null, action));
    }
}
