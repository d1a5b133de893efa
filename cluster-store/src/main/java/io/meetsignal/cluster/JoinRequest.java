package io.meetsignal.cluster;

import static java.util.Objects.requireNonNull;

/**
 * A request to seat {@code candidate} in the room whose normalized code is {@code normalizedCode}.
 * When {@code autoCreate} is set, an unknown code creates {@code roomTemplate} under that code.
 * {@code recoveryKey}, when set, is the secret with which the socket may later take its seat (or waiting place)
 * over from another node ({@link ClusterStore#takeOver}).
 */
public record JoinRequest(String normalizedCode, Participant candidate, Room roomTemplate, String recoveryKey) {

    public JoinRequest(String normalizedCode, Participant candidate, Room roomTemplate) {
        this(normalizedCode, candidate, roomTemplate, null);
    }

    public JoinRequest {
        requireNonNull(normalizedCode, "normalizedCode");
        requireNonNull(candidate, "candidate");
    }

    public boolean autoCreate() {
        return roomTemplate != null;
    }
}
