package io.meetsignal.node.service;

import io.meetsignal.cluster.ClusterMessage;
import io.meetsignal.node.session.Session;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** What of a room's log one recovering socket missed (PROTOCOL.md §9). */
final class MissedEvents {

    private MissedEvents() {}

    /**
     * The logged messages meant for socket {@code socketId}, in log order: room events not sent by it and seat
     * events addressed to it. Empty when they are more than {@code maxEvents} or {@code maxBytes}: then the socket
     * cannot be given all it missed and joins anew.
     */
    static Optional<List<Session.Held>> of(
            String socketId, List<ClusterMessage> messages, int maxEvents, long maxBytes) {
        List<Session.Held> events = new ArrayList<>();
        long bytes = 0;
        for (ClusterMessage message : messages) {
            Session.Held held = null;
            if (message instanceof ClusterMessage.RoomEvent event && !socketId.equals(event.exceptSocketId())) {
                held = new Session.Held(event.event(), event.payload(), event.offset());
            } else if (message instanceof ClusterMessage.SeatEvent event && socketId.equals(event.socketId())) {
                held = new Session.Held(event.event(), event.payload(), event.offset());
            }
            if (held != null) {
                events.add(held);
                bytes += held.payload().length() + held.event().length();
                if (events.size() > maxEvents || bytes > maxBytes) {
                    return Optional.empty();
                }
            }
        }
        return Optional.of(events);
    }
}
