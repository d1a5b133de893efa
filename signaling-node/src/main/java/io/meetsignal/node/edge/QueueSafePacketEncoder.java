package io.meetsignal.node.edge;

import com.corundumstudio.socketio.Configuration;
import com.corundumstudio.socketio.protocol.JsonSupport;
import com.corundumstudio.socketio.protocol.Packet;
import com.corundumstudio.socketio.protocol.PacketEncoder;
import com.corundumstudio.socketio.protocol.PacketType;
import com.fasterxml.jackson.databind.util.RawValue;
import io.meetsignal.node.protocol.Json;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Queue;

/**
 * netty-socketio's packet encoder with one fix: a polling response carries at most {@code limit} packets,
 * and the library took the packet after the last one off the queue before noticing the limit, so every
 * 51st packet queued for a polling client was lost. Here a packet leaves the queue only to be written.
 * And one more: the library cannot write an acknowledgement id of 2^31 or more (its number formatting
 * overflows), while socket.io-client's ids are plain integers; those acknowledgements are written here.
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

    @Override
    public void encodePacket(Packet packet, ByteBuf buffer, ByteBufAllocator allocator, boolean binary)
            throws IOException {
        if (packet instanceof QueuedPacket queued) {
            queued.written();
        }
        Long ackId = packet.getAckId();
        if (ackId == null
                || ackId <= Integer.MAX_VALUE
                || packet.getType() != PacketType.MESSAGE
                || packet.getSubType() != PacketType.ACK
                || !(packet.getData() instanceof List<?> args)) {
            super.encodePacket(packet, buffer, allocator, binary);
            return;
        }
        // '4' (Engine.IO message) '3' (Socket.IO ACK), the namespace when not '/', the id, the arguments
        buffer.writeByte('4').writeByte('3');
        String nsp = packet.getNsp();
        if (nsp != null && !nsp.isEmpty() && !"/".equals(nsp)) {
            buffer.writeCharSequence(nsp, StandardCharsets.UTF_8);
            buffer.writeByte(',');
        }
        buffer.writeCharSequence(Long.toString(ackId), StandardCharsets.US_ASCII);
        buffer.writeByte('[');
        for (int i = 0; i < args.size(); i++) {
            if (i > 0) {
                buffer.writeByte(',');
            }
            Object arg = args.get(i);
            String json = arg instanceof RawValue raw ? raw.rawValue().toString() : Json.write(arg);
            buffer.writeCharSequence(json, StandardCharsets.UTF_8);
        }
        buffer.writeByte(']');
    }
}
