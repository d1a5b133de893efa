package io.meetsignal.node.edge;

import com.corundumstudio.socketio.protocol.EngineIOVersion;
import com.corundumstudio.socketio.protocol.Packet;
import com.corundumstudio.socketio.protocol.PacketType;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A packet that counts its size against its connection's send queue ({@link SocketIoLink}) from the moment it is
 * queued until the encoder writes it ({@link QueueSafePacketEncoder#encodePacket}), whichever transport takes it.
 */
final class QueuedPacket extends Packet {

    private final AtomicLong queued;
    private final long bytes;
    private boolean counted;

    QueuedPacket(PacketType subType, AtomicLong queued, long bytes) {
        super(PacketType.MESSAGE, EngineIOVersion.V4);
        setSubType(subType);
        setNsp("");
        this.queued = queued;
        this.bytes = bytes;
    }

    /** Counts the packet as queued; returns what its connection has queued now. */
    long queue() {
        counted = true;
        return queued.addAndGet(bytes);
    }

    /** The packet left the queue to be written. */
    void written() {
        if (counted) {
            counted = false;
            queued.addAndGet(-bytes);
        }
    }
}
