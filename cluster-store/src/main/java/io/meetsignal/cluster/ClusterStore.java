package io.meetsignal.cluster;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * The state that all nodes share: rooms, seats with their media state, waiting queues, chat history,
 * removal bans and node liveness.
 *
 * <p>Every method is non-blocking. A stage fails with {@link StoreUnavailableException} when the shared
 * state cannot be reached; any other failure is a bug. Operations that check and change (joins,
 * admissions) are atomic across all nodes: no interleaving seats more than
 * {@link RoomSettings#maxParticipants()} participants besides the host.
 */
public interface ClusterStore extends AutoCloseable {

    /** Stores a new room; fails with {@link RoomCodeTakenException} when its code is in use. */
    CompletionStage<Room> createRoom(Room room);

    /** The room whose code normalizes to {@code normalizedCode}, ended rooms included. */
    CompletionStage<Optional<Room>> roomByCode(String normalizedCode);

    CompletionStage<Optional<Room>> roomById(String roomId);

    /** Applies {@code patch} to an active room's settings; empty when there is no such active room. */
    CompletionStage<Optional<Room>> updateSettings(String roomId, SettingsPatch patch);

    /** Locks or unlocks an active room; empty when there is no such active room. */
    CompletionStage<Optional<Room>> setLocked(String roomId, boolean locked);

    /**
     * Ends a room: it stays readable with {@code active == false}, refuses joins from now on, and loses its
     * seats and waiting queue, which are returned (seated first, then waiting). Empty when unknown or
     * already ended.
     */
    CompletionStage<Optional<List<Seat>>> endRoom(String roomId);

    /**
     * Atomically checks and seats (or queues) a candidate: ended, banned, locked (not for the host),
     * waiting room (not for the host), capacity (not for the host), one seat per user (an older seat of
     * the same user in this room is released and reported as {@code replaced}).
     */
    CompletionStage<JoinOutcome> join(JoinRequest request);

    /** Moves a waiting participant to a seat, checking capacity now; {@code Refused(FULL)} when full. */
    CompletionStage<JoinOutcome> admit(String roomId, String socketId);

    /** Removes a participant from the waiting queue; empty when it was not waiting there. */
    CompletionStage<Optional<Participant>> removeWaiting(String roomId, String socketId);

    /** Releases a seat; empty when the socket held no seat in that room. */
    CompletionStage<Optional<Participant>> leave(String roomId, String socketId);

    /**
     * Releases a seat only while node {@code nodeId} holds it: a node whose socket went away releases nothing
     * once the socket has been recovered on another node meanwhile.
     */
    CompletionStage<Optional<Participant>> leaveIfHeldBy(String roomId, String socketId, String nodeId);

    /**
     * Moves the seat of socket {@code socketId} to node {@code nodeId} (connection state recovery), when
     * {@code recoveryKey} is the key its join gave and the seat is still there; empty otherwise.
     */
    CompletionStage<Optional<TakenOver>> takeOver(String socketId, String recoveryKey, String nodeId);

    /** A seat moved by {@link #takeOver}: the room, the seat as it is now, and the node that held it before. */
    record TakenOver(Room room, Participant seat, String previousNodeId) {}

    /**
     * Remembers for {@code ttl} that socket {@code socketId}, in no room, lost its transport on node {@code nodeId}
     * and may come back with {@code recoveryKey} (as user {@code userId}, null for a guest) on any node
     * (PROTOCOL.md §9: a client that got no event recovers "from the session's start", on any node).
     */
    CompletionStage<Void> keepUnseated(String socketId, String recoveryKey, String userId, String nodeId, Duration ttl);

    /**
     * Claims what {@link #keepUnseated} remembered, once: when {@code recoveryKey} and {@code userId} are those it
     * was kept with, forgets it and answers the node that kept it; empty otherwise (and nothing changes).
     */
    CompletionStage<Optional<String>> takeOverUnseated(String socketId, String recoveryKey, String userId);

    /** Releases a seat and bans its holder (by {@link Participant#banKey()}) from the room. */
    CompletionStage<Optional<Participant>> removeAndBan(String roomId, String socketId);

    /** The seated participants, in joining order. */
    CompletionStage<List<Participant>> participants(String roomId);

    /** Changes one media flag of a seat; empty when the socket holds no seat in that room. */
    CompletionStage<Optional<Participant>> updateMedia(
            String roomId, String socketId, MediaChange change, boolean value);

    /** Appends to the room's chat history, keeping the last {@link ChatMessage#HISTORY_SIZE}. */
    CompletionStage<Void> appendChat(ChatMessage message);

    /** The last {@link ChatMessage#HISTORY_SIZE} messages, oldest first. */
    CompletionStage<List<ChatMessage>> chatHistory(String roomId);

    /**
     * Marks {@code nodeId} alive for {@code ttl}; completes with whether its previous heartbeat was still
     * there (false on the first beat, after a lapse, or when the shared state lost its data).
     */
    CompletionStage<Boolean> heartbeat(String nodeId, Duration ttl);

    /**
     * Puts back a room and seats that the shared state lost (Redis restarted empty): the room is stored again
     * if it is missing, and each missing seat is restored unless the room has ended or the same user sits
     * there from another socket. Completes with the number of seats restored.
     */
    CompletionStage<Integer> restore(Room room, List<Participant> seats);

    /** Removes the heartbeat of a node that leaves in good order. */
    CompletionStage<Void> removeNode(String nodeId);

    /** Nodes that hold seats or waiting places but whose heartbeat has lapsed. */
    CompletionStage<Set<String>> lostNodes();

    /** Releases every seat and waiting place held by sockets of {@code nodeId}, and returns them. */
    CompletionStage<List<Seat>> releaseNode(String nodeId);

    /** Completes when the shared state answers; fails with {@link StoreUnavailableException} when it does not. */
    default CompletionStage<Void> ping() {
        return java.util.concurrent.CompletableFuture.completedFuture(null);
    }

    /** Active rooms (for metrics). */
    CompletionStage<Long> activeRoomCount();

    @Override
    void close();
}
