package io.meetsignal.node.edge;

import com.corundumstudio.socketio.handler.ClientHead;
import com.corundumstudio.socketio.protocol.EngineIOVersion;
import com.corundumstudio.socketio.protocol.Packet;
import com.corundumstudio.socketio.protocol.PacketType;
import com.fasterxml.jackson.databind.util.RawValue;
import io.meetsignal.node.ops.Metrics;
import io.meetsignal.node.session.ClientLink;
import java.util.List;

/** Writes Socket.IO packets to one engine connection of netty-socketio. */
final class SocketIoLink implements ClientLink {

    private final ClientHead head;
    private final PollingFlusher flusher;
    private final Metrics metrics;

    SocketIoLink(ClientHead head, PollingFlusher flusher, Metrics metrics) {
        this.head = head;
        this.flusher = flusher;
        this.metrics = metrics;
    }

    static Packet message(PacketType subType) {
        Packet packet = new Packet(PacketType.MESSAGE, EngineIOVersion.V4);
        packet.setSubType(subType);
        packet.setNsp("");
        return packet;
    }

    @Override
    public void sendEvent(String event, String payloadJson) {
        Packet packet = message(PacketType.EVENT);
        packet.setName(event);
        packet.setData(List.of(new RawValue(payloadJson)));
        head.send(packet);
        flusher.afterSend(head);
        metrics.sent(event);
    }

    @Override
    public void sendAck(long ackId, String payloadJson) {
        Packet packet = message(PacketType.ACK);
        packet.setAckId(ackId);
        packet.setData(List.of(new RawValue(payloadJson)));
        head.send(packet);
        flusher.afterSend(head);
    }

    @Override
    public void disconnect() {
        head.disconnect();
    }
}
