package io.meetsignal.cluster;

/**
 * A media flag of a seat. The boolean that goes with it means "enabled" for audio and video (so
 * {@code AUDIO false} mutes) and "on" for screen share and the raised hand.
 */
public enum MediaChange {
    AUDIO,
    VIDEO,
    SCREEN_SHARE,
    HAND
}
