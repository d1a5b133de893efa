package io.meetsignal.node.protocol;

/** Event names of the protocol (PROTOCOL.md §5). */
public final class Events {

    private Events() {}

    // client -> server
    public static final String JOIN_ROOM = "join-room";
    public static final String LEAVE_ROOM = "leave-room";
    public static final String OFFER = "offer";
    public static final String ANSWER = "answer";
    public static final String ICE_CANDIDATE = "ice-candidate";
    public static final String TOGGLE_AUDIO = "toggle-audio";
    public static final String TOGGLE_VIDEO = "toggle-video";
    public static final String START_SCREEN_SHARE = "start-screen-share";
    public static final String STOP_SCREEN_SHARE = "stop-screen-share";
    public static final String TOGGLE_HAND_RAISE = "toggle-hand-raise";
    public static final String CHAT_MESSAGE = "chat-message";
    public static final String TYPING_START = "typing-start";
    public static final String TYPING_STOP = "typing-stop";
    public static final String MUTE_PARTICIPANT = "mute-participant";
    public static final String REMOVE_PARTICIPANT = "remove-participant";
    public static final String LOCK_ROOM = "lock-room";
    public static final String END_ROOM = "end-room";
    public static final String ADMIT_PARTICIPANT = "admit-participant";
    public static final String DENY_PARTICIPANT = "deny-participant";

    // server -> client
    public static final String ROOM_JOINED = "room-joined";
    public static final String JOIN_ERROR = "join-error";
    public static final String USER_JOINED = "user-joined";
    public static final String USER_LEFT = "user-left";
    public static final String USER_TOGGLE_AUDIO = "user-toggle-audio";
    public static final String USER_TOGGLE_VIDEO = "user-toggle-video";
    public static final String SCREEN_SHARE_STARTED = "screen-share-started";
    public static final String SCREEN_SHARE_STOPPED = "screen-share-stopped";
    public static final String USER_HAND_RAISED = "user-hand-raised";
    public static final String USER_HAND_LOWERED = "user-hand-lowered";
    public static final String USER_TYPING = "user-typing";
    public static final String WAITING_FOR_HOST = "waiting-for-host";
    public static final String PARTICIPANT_WAITING = "participant-waiting";
    public static final String PARTICIPANT_WAITING_CANCELLED = "participant-waiting-cancelled";
    public static final String ROOM_LOCKED = "room-locked";
    public static final String ROOM_SETTINGS_UPDATED = "room-settings-updated";
    public static final String FORCE_MUTE = "force-mute";
    public static final String FORCE_DISCONNECT = "force-disconnect";
    public static final String ERROR = "error";
}
