package io.meetsignal.node.protocol;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.meetsignal.cluster.Participant;
import io.meetsignal.cluster.Room;
import io.meetsignal.cluster.RoomSettings;
import java.time.Instant;
import java.util.List;

/** The shapes that the server sends (PROTOCOL.md §3–§5). */
public final class Views {

    private Views() {}

    public record ParticipantInfo(
            String socketId,
            String userId,
            String displayName,
            @JsonProperty("isHost") boolean isHost,
            @JsonProperty("isMuted") boolean isMuted,
            @JsonProperty("isVideoOff") boolean isVideoOff,
            @JsonProperty("isScreenSharing") boolean isScreenSharing,
            @JsonProperty("isHandRaised") boolean isHandRaised,
            Instant joinedAt) {

        public static ParticipantInfo of(Participant p, Room room) {
            return new ParticipantInfo(
                    p.socketId(),
                    p.userId(),
                    p.displayName(),
                    room.isHost(p.userId()),
                    p.muted(),
                    p.videoOff(),
                    p.screenSharing(),
                    p.handRaised(),
                    p.joinedAt());
        }

        public static List<ParticipantInfo> of(List<Participant> participants, Room room) {
            return participants.stream().map(p -> of(p, room)).toList();
        }
    }

    public record RoomView(
            String id,
            String code,
            String name,
            String hostId,
            @JsonProperty("isActive") boolean isActive,
            @JsonProperty("isLocked") boolean isLocked,
            Instant createdAt,
            RoomSettings settings,
            List<ParticipantInfo> participants) {

        public static RoomView of(Room room) {
            return of(room, null);
        }

        public static RoomView of(Room room, List<ParticipantInfo> participants) {
            return new RoomView(
                    room.id(),
                    room.code(),
                    room.name(),
                    room.hostId(),
                    room.active(),
                    room.locked(),
                    room.createdAt(),
                    room.settings(),
                    participants);
        }
    }

    /** What anyone may read by code. */
    public record PublicRoomView(
            String id,
            String code,
            String name,
            @JsonProperty("isActive") boolean isActive,
            @JsonProperty("isLocked") boolean isLocked,
            int participantCount,
            PublicSettings settings) {}

    public record PublicSettings(boolean waitingRoom) {}
}
