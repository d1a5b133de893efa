package io.meetsignal.cluster;

/** A participant together with the room it sits (or waits) in. */
public record Seat(String roomId, Participant participant, boolean waiting) {}
