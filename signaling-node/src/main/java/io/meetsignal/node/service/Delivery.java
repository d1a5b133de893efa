package io.meetsignal.node.service;

import io.meetsignal.cluster.ClusterBus;
import io.meetsignal.cluster.ClusterMessage;
import io.meetsignal.cluster.ClusterMessage.RosterChange;
import io.meetsignal.cluster.ClusterMessage.SocketAction;
import io.meetsignal.node.protocol.Json;
import java.util.concurrent.CompletionStage;

/** Publishes events for sockets on any node; payloads are serialized here, once. */
public final class Delivery {

    private final ClusterBus bus;

    public Delivery(ClusterBus bus) {
        this.bus = bus;
    }

    public CompletionStage<Void> toRoom(String roomId, String exceptSocketId, String event, Object payload) {
        return toRoom(roomId, exceptSocketId, event, payload, null);
    }

    public CompletionStage<Void> toRoom(String roomId, String exceptSocketId, String event, Object payload,
                                        RosterChange roster) {
        return bus.publish(new ClusterMessage.RoomEvent(roomId, exceptSocketId, event, Json.write(payload), roster));
    }

    /**
     * An event for a socket seated in {@code roomId}, wherever it sits (it travels with the room's events and is
     * logged with them), then {@code action} on it.
     */
    public CompletionStage<Void> toSeat(String roomId, String socketId, String event, Object payload,
                                        SocketAction action) {
        return bus.publish(new ClusterMessage.SeatEvent(roomId, socketId, event, Json.write(payload), action));
    }

    /** An event (or only an action, when {@code event} is null) for a socket on node {@code nodeId}, not logged. */
    public CompletionStage<Void> toSocket(String nodeId, String socketId, String roomId, String event, Object payload,
                                          SocketAction action) {
        String json = event == null ? null : Json.write(payload);
        return bus.publish(new ClusterMessage.SocketEvent(nodeId, socketId, roomId, event, json, action));
    }
}
