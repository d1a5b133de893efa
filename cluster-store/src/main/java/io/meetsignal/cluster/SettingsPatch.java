package io.meetsignal.cluster;

/** A partial update of {@link RoomSettings}; {@code null} fields are left as they are. */
public record SettingsPatch(
        Boolean allowScreenShare,
        Boolean allowChat,
        Boolean allowParticipantAudio,
        Boolean allowParticipantVideo,
        Boolean waitingRoom,
        Integer maxParticipants) {

    public static final SettingsPatch NONE = new SettingsPatch(null, null, null, null, null, null);
}
