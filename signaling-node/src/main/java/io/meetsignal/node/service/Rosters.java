package io.meetsignal.node.service;

import io.meetsignal.cluster.ClusterMessage.RosterChange;
import io.meetsignal.cluster.Participant;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who sits in each room that has a session on this node, and on which node, so that a relay finds its
 * target without asking the store (one write per relayed signal, never a read first).
 */
public final class Rosters {

    private final Map<String, Map<String, Participant>> rooms = new ConcurrentHashMap<>();

    /** Replaces what is known of {@code roomId} with a fresh list from the store. */
    public void seed(String roomId, Collection<Participant> participants) {
        Map<String, Participant> roster = new ConcurrentHashMap<>();
        for (Participant p : participants) {
            roster.put(p.socketId(), p);
        }
        rooms.put(roomId, roster);
    }

    public void apply(String roomId, RosterChange change) {
        Map<String, Participant> roster = rooms.get(roomId);
        if (roster == null) {
            return;
        }
        if (change.leftSocketId() != null) {
            roster.remove(change.leftSocketId());
        }
        if (change.joined() != null) {
            roster.put(change.joined().socketId(), change.joined());
        }
    }

    public Optional<Participant> find(String roomId, String socketId) {
        Map<String, Participant> roster = rooms.get(roomId);
        return roster == null ? Optional.empty() : Optional.ofNullable(roster.get(socketId));
    }

    public void drop(String roomId) {
        rooms.remove(roomId);
    }
}
