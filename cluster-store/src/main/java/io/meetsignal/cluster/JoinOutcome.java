package io.meetsignal.cluster;

import java.util.List;

/** The result of an atomic join or admission. */
public sealed interface JoinOutcome {

    /**
     * The candidate holds a seat. {@code others} excludes it; {@code waiting} is the queue (for a host);
     * {@code replaced} is the seat of the same user that this join released, if any; {@code rejoin} is
     * true when the socket already sat in this room (nothing changed); {@code offset} is the position of the
     * room's log at the moment of the join (see {@link ClusterBus#replay}): the logged messages after it
     * happened after this snapshot.
     */
    record Seated(
            Room room,
            Participant self,
            List<Participant> others,
            List<ChatMessage> history,
            List<Participant> waiting,
            Participant replaced,
            boolean rejoin,
            String offset)
            implements JoinOutcome {

        public Seated {
            offset = offset == null ? Offsets.START : offset;
        }
    }

    /** The candidate waits for the host (waiting room). */
    record Waiting(Room room, Participant self) implements JoinOutcome {}

    /** The join was refused; nothing changed. */
    record Refused(JoinRefusal reason) implements JoinOutcome {}
}
