package io.meetsignal.cluster;

import static java.util.Objects.requireNonNull;

/**
 * A request to seat {@code candidate} in the room whose normalized code is {@code normalizedCode}.
 * When {@code autoCreate} is set, an unknown code creates {@code roomTemplate} under that code.
 */
public record JoinRequest(String normalizedCode, Participant candidate, Room roomTemplate) {

    public JoinRequest {
        requireNonNull(normalizedCode, "normalizedCode");
        requireNonNull(candidate, "candidate");
    }

    public boolean autoCreate() {
        return roomTemplate != null;
    }
}
