package io.meetsignal.node.service;

import io.meetsignal.cluster.ClusterMessage.RosterChange;
import io.meetsignal.cluster.Participant;
import io.meetsignal.cluster.Room;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who sits in each room that has a session on this node, and on which node, so that a relay finds its
 * target without asking the store (one write per relayed signal, never a read first).
 *
 * <p>A roster is prepared before the node subscribes to the room and is then kept by the room's events. A
 * snapshot read from the store (at a join) may be older than events already applied, so it is merged: it
 * adds only participants that no event has reported gone.
 */
public final class Rosters {

    private static final int MAX_TOMBSTONES = 1024;

    private static final class Roster {
        final Map<String, Participant> seats = new ConcurrentHashMap<>();
        final Set<String> left = ConcurrentHashMap.newKeySet();
        volatile Room room;
    }

    private final Map<String, Roster> rooms = new ConcurrentHashMap<>();

    /** Starts keeping the roster of {@code roomId} (before subscribing to its events). */
    public void prepare(String roomId) {
        rooms.computeIfAbsent(roomId, id -> new Roster());
    }

    /** Merges a snapshot from the store into the roster. */
    public void seed(String roomId, Collection<Participant> participants) {
        Roster roster = rooms.computeIfAbsent(roomId, id -> new Roster());
        for (Participant p : participants) {
            if (!roster.left.contains(p.socketId())) {
                roster.seats.putIfAbsent(p.socketId(), p);
            }
        }
    }

    public void apply(String roomId, RosterChange change) {
        Roster roster = rooms.get(roomId);
        if (roster == null) {
            return;
        }
        if (change.leftSocketId() != null) {
            roster.seats.remove(change.leftSocketId());
            if (roster.left.size() >= MAX_TOMBSTONES) {
                roster.left.clear();
            }
            roster.left.add(change.leftSocketId());
        }
        if (change.joined() != null) {
            roster.left.remove(change.joined().socketId());
            roster.seats.put(change.joined().socketId(), change.joined());
        }
    }

    /** Remembers the room record last seen at a join, to store it again if the shared state loses it. */
    public void remember(Room room) {
        Roster roster = rooms.get(room.id());
        if (roster != null) {
            roster.room = room;
        }
    }

    public Optional<Room> room(String roomId) {
        Roster roster = rooms.get(roomId);
        return roster == null ? Optional.empty() : Optional.ofNullable(roster.room);
    }

    public Optional<Participant> find(String roomId, String socketId) {
        Roster roster = rooms.get(roomId);
        return roster == null ? Optional.empty() : Optional.ofNullable(roster.seats.get(socketId));
    }

    /** Every participant known in a room (for re-registration after Redis lost its data). */
    public Collection<Participant> participants(String roomId) {
        Roster roster = rooms.get(roomId);
        return roster == null ? java.util.List.of() : java.util.List.copyOf(roster.seats.values());
    }

    public void drop(String roomId) {
        rooms.remove(roomId);
    }
}
