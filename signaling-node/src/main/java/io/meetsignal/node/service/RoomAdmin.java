package io.meetsignal.node.service;

import static java.util.concurrent.CompletableFuture.completedFuture;

import io.meetsignal.cluster.ClusterStore;
import io.meetsignal.cluster.Participant;
import io.meetsignal.cluster.Room;
import io.meetsignal.cluster.RoomCodeTakenException;
import io.meetsignal.cluster.RoomCodes;
import io.meetsignal.cluster.RoomSettings;
import io.meetsignal.cluster.SettingsPatch;
import io.meetsignal.node.protocol.ServerEvent.RoomSettingsUpdated;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rooms as the REST control plane sees them: create, look up, change settings, end. The REST edge goes through this
 * class and never to the store; the host check is {@link HostCheck}, as for the sockets.
 */
public final class RoomAdmin {

    private static final Logger log = LoggerFactory.getLogger(RoomAdmin.class);

    private final ClusterStore store;
    private final RoomNotices notices;
    private final Clock clock;

    RoomAdmin(ClusterStore store, RoomNotices notices, Clock clock) {
        this.store = store;
        this.notices = notices;
        this.clock = clock;
    }

    /** A new room record; the code is kept as given (auto-create) or generated. */
    public Room newRoom(String code, String name, String hostId, RoomSettings settings) {
        return new Room(
                UUID.randomUUID().toString(),
                code,
                name == null ? code : name,
                hostId,
                true,
                false,
                clock.instant(),
                settings);
    }

    /** Creates a room under a freshly generated code, trying another code up to {@code attempts} times. */
    public CompletionStage<Room> create(String hostId, String name, RoomSettings settings, int attempts) {
        Room room = newRoom(RoomCodes.generate(), name, hostId, settings);
        return store.createRoom(room)
                .handle((created, failure) -> {
                    if (failure == null) {
                        return CompletableFuture.completedStage(created);
                    }
                    if (Stages.unwrap(failure) instanceof RoomCodeTakenException && attempts > 1) {
                        return create(hostId, name, settings, attempts - 1);
                    }
                    return CompletableFuture.<Room>failedStage(failure);
                })
                .thenCompose(stage -> stage);
    }

    /** The room under a normalized code. */
    public CompletionStage<Optional<Room>> byCode(String codeKey) {
        return store.roomByCode(codeKey);
    }

    /** The room {@code id} when {@code userId} is its host; empty when there is no such room. */
    public CompletionStage<Optional<Room>> asHost(String id, String userId) {
        return store.roomById(id).thenApply(found -> found.map(room -> HostCheck.requireHost(room, userId)));
    }

    public CompletionStage<List<Participant>> participants(String roomId) {
        return store.participants(roomId);
    }

    /** Ends a room for everyone (REST); completes when every node was told. */
    public CompletionStage<Boolean> endRoom(String roomId) {
        return store.endRoom(roomId).thenCompose(released -> {
            if (released.isEmpty()) {
                return completedFuture(false);
            }
            log.info(
                    "Room {} ended; {} sockets released", roomId, released.get().size());
            return notices.roomEnded(roomId, released.get()).thenApply(nothing -> true);
        });
    }

    /** Applies a settings patch (REST) and tells the room. */
    public CompletionStage<Optional<Room>> updateSettings(String roomId, SettingsPatch patch) {
        return store.updateSettings(roomId, patch).thenCompose(updated -> {
            if (updated.isEmpty()) {
                return completedFuture(updated);
            }
            return notices.delivery()
                    .toRoom(roomId, null, new RoomSettingsUpdated(updated.get().settings()))
                    .thenApply(nothing -> updated);
        });
    }
}
