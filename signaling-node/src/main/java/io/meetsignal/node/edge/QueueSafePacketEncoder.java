package io.meetsignal.node.edge;

import com.corundumstudio.socketio.Configuration;
import com.corundumstudio.socketio.protocol.JsonSupport;
import com.corundumstudio.socketio.protocol.Packet;
import com.corundumstudio.socketio.protocol.PacketEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.util.Queue;

/**
 * netty-socketio's packet encoder with one fix: a polling response carries at most {@code limit} packets,
 * and the library took the packet after the last one off the queue before noticing the limit, so every
 * 51st packet queued for a polling client was lost. Here a packet leaves the queue only to be written.
 * The server never sends binary attachments, so none are written.
 */
final class QueueSafePacketEncoder extends PacketEncoder {

    private static final byte RECORD_SEPARATOR = 0x1e;

    QueueSafePacketEncoder(Configuration configuration, JsonSupport jsonSupport) {
        super(configuration, jsonSupport);
    }

    @Override
    public void encodePackets(Queue<Packet> packets, ByteBuf buffer, ByteBufAllocator allocator, int limit)
            throws IOException {
        for (int written = 0; written < limit; written++) {
            Packet packet = packets.poll();
            if (packet == null) {
                return;
            }
            if (written > 0) {
                buffer.writeByte(RECORD_SEPARATOR);
            }
            encodePacket(packet, buffer, allocator, false);
        }
    }
}
