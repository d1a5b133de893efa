package io.meetsignal.node.service;

import io.meetsignal.cluster.Room;
import io.meetsignal.node.protocol.Refusals;

/** The one host check, shared by the Socket.IO host controls and the REST side. */
public final class HostCheck {

    private HostCheck() {}

    /** Returns the room when {@code userId} is its host; refuses with {@code FORBIDDEN} otherwise. */
    public static Room requireHost(Room room, String userId) {
        if (!room.isHost(userId)) {
            throw Refusals.notHost();
        }
        return room;
    }
}
