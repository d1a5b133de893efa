package io.meetsignal.cluster;

/**
 * The host-controlled settings of a room. Booleans default to {@code true} except {@code waitingRoom}.
 */
public record RoomSettings(
        boolean allowScreenShare,
        boolean allowChat,
        boolean allowParticipantAudio,
        boolean allowParticipantVideo,
        boolean waitingRoom,
        int maxParticipants) {

    public static final int DEFAULT_MAX_PARTICIPANTS = 50;
    public static final int MIN_PARTICIPANTS = 2;
    public static final int MAX_PARTICIPANTS = 500;

    public static final RoomSettings DEFAULTS =
            new RoomSettings(true, true, true, true, false, DEFAULT_MAX_PARTICIPANTS);

    public RoomSettings {
        if (maxParticipants < MIN_PARTICIPANTS || maxParticipants > MAX_PARTICIPANTS) {
            throw new IllegalArgumentException("maxParticipants: " + maxParticipants + " (expected: " + MIN_PARTICIPANTS
                    + "-" + MAX_PARTICIPANTS + ")");
        }
    }

    /** Applies the fields of {@code patch} that are set. */
    public RoomSettings with(SettingsPatch patch) {
        return new RoomSettings(
                patch.allowScreenShare() != null ? patch.allowScreenShare() : allowScreenShare,
                patch.allowChat() != null ? patch.allowChat() : allowChat,
                patch.allowParticipantAudio() != null ? patch.allowParticipantAudio() : allowParticipantAudio,
                patch.allowParticipantVideo() != null ? patch.allowParticipantVideo() : allowParticipantVideo,
                patch.waitingRoom() != null ? patch.waitingRoom() : waitingRoom,
                patch.maxParticipants() != null ? patch.maxParticipants() : maxParticipants);
    }
}
