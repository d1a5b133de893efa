package io.meetsignal.cluster;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * A meeting room. {@code code} is the display form ({@code abc-def-ghi}); lookups use {@link RoomCodes#normalize}.
 */
public record Room(
        String id,
        String code,
        String name,
        String hostId,
        boolean active,
        boolean locked,
        Instant createdAt,
        RoomSettings settings) {

    public Room {
        requireNonNull(id, "id");
        requireNonNull(code, "code");
        requireNonNull(name, "name");
        requireNonNull(createdAt, "createdAt");
        requireNonNull(settings, "settings");
    }

    /** Whether {@code userId} (possibly {@code null} for a guest) is this room's host. */
    public boolean isHost(String userId) {
        return userId != null && userId.equals(hostId);
    }

    public Room withSettings(RoomSettings newSettings) {
        return new Room(id, code, name, hostId, active, locked, createdAt, newSettings);
    }

    public Room withLocked(boolean newLocked) {
        return new Room(id, code, name, hostId, active, newLocked, createdAt, settings);
    }

    public Room ended() {
        return new Room(id, code, name, hostId, false, locked, createdAt, settings);
    }
}
