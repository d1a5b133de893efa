package io.meetsignal.node.session;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The sessions of this node by socket id, and the seated ones by room. */
public final class SessionRegistry {

    private final Map<String, Session> bySocketId = new ConcurrentHashMap<>();
    private final Map<String, Set<Session>> byRoom = new ConcurrentHashMap<>();
    private final Map<String, Set<Session>> joining = new ConcurrentHashMap<>();

    /** The node whose log lines name, for its sessions' work (null: none named). */
    private final String nodeId;

    public SessionRegistry() {
        this(null);
    }

    public SessionRegistry(String nodeId) {
        this.nodeId = nodeId;
    }

    public void add(Session session) {
        session.logNode(nodeId);
        bySocketId.put(session.socketId(), session);
    }

    /**
     * Marks the session closed, before its seat is released: it sends nothing from now on, and a join of it that
     * completes later knows that its socket is gone. {@link #remove} still has to follow.
     */
    public void close(Session session) {
        session.markClosed();
    }

    /** Removes the session from the registry and from its room's index; it sends nothing from now on. */
    public void remove(Session session) {
        session.markClosed();
        bySocketId.remove(session.socketId(), session);
        unseat(session);
    }

    public Optional<Session> bySocketId(String socketId) {
        return Optional.ofNullable(bySocketId.get(socketId));
    }

    public int size() {
        return bySocketId.size();
    }

    public Collection<Session> all() {
        return bySocketId.values();
    }

    /** The local sessions seated in {@code roomId}. */
    public Collection<Session> inRoom(String roomId) {
        Set<Session> sessions = byRoom.get(roomId);
        return sessions == null ? Set.of() : sessions;
    }

    /** The local sessions whose join for {@code roomId} is in flight. */
    public Collection<Session> joining(String roomId) {
        Set<Session> sessions = joining.get(roomId);
        return sessions == null ? Set.of() : sessions;
    }

    /** Marks a join for {@code roomId} in flight: the room's events are held for the session until it ends. */
    public void beginJoin(Session session, String roomId) {
        session.beginJoin(roomId);
        joining.computeIfAbsent(roomId, id -> ConcurrentHashMap.newKeySet()).add(session);
    }

    /** The join in flight for {@code roomId} ended (seated or not). */
    public void endJoin(Session session, String roomId) {
        joining.computeIfPresent(roomId, (id, sessions) -> {
            sessions.remove(session);
            return sessions.isEmpty() ? null : sessions;
        });
    }

    /** Sessions whose transport is open; those waiting for their client to recover are not counted. */
    public int connectedCount() {
        int n = 0;
        for (Session session : bySocketId.values()) {
            if (!session.detached()) {
                n++;
            }
        }
        return n;
    }

    /** Sessions whose transport dropped, kept for their client to come back within the recovery window. */
    public int detachedCount() {
        return Math.max(0, size() - connectedCount());
    }

    public int seatedCount() {
        int n = 0;
        for (Set<Session> sessions : byRoom.values()) {
            n += sessions.size();
        }
        return n;
    }

    /** The rooms in which this node has a seated session. */
    public java.util.Set<String> roomIds() {
        return java.util.Set.copyOf(byRoom.keySet());
    }

    public int roomCount() {
        return byRoom.size();
    }

    /**
     * Records that {@code session} now sits in {@code roomId}; returns true when it is the first local
     * session of that room (the node must start receiving the room's events).
     */
    public boolean seat(Session session, String roomId, String codeKey) {
        unseat(session);
        session.waitIn(null);
        session.seat(roomId, codeKey);
        boolean[] first = {false};
        byRoom.compute(roomId, (id, sessions) -> {
            if (sessions == null) {
                sessions = ConcurrentHashMap.newKeySet();
                first[0] = true;
            }
            sessions.add(session);
            return sessions;
        });
        return first[0];
    }

    /** Forgets the session's seat; returns the room it left when that room has no local session any more. */
    public Optional<String> unseat(Session session) {
        String roomId = session.roomId();
        session.seat(null, null);
        if (roomId == null) {
            return Optional.empty();
        }
        boolean[] last = {false};
        byRoom.computeIfPresent(roomId, (id, sessions) -> {
            sessions.remove(session);
            if (sessions.isEmpty()) {
                last[0] = true;
                return null;
            }
            return sessions;
        });
        return last[0] ? Optional.of(roomId) : Optional.empty();
    }

    public void waitIn(Session session, String roomId) {
        session.waitIn(roomId);
    }
}
