package io.meetsignal.node.edge;

import com.corundumstudio.socketio.Transport;
import com.corundumstudio.socketio.handler.ClientHead;
import com.corundumstudio.socketio.protocol.EngineIOVersion;
import com.corundumstudio.socketio.protocol.Packet;
import com.corundumstudio.socketio.protocol.PacketType;
import com.fasterxml.jackson.databind.util.RawValue;
import io.meetsignal.node.ops.Metrics;
import io.meetsignal.node.session.ClientLink;
import io.netty.channel.Channel;
import java.util.List;
import java.util.function.Supplier;

/** Writes Socket.IO packets to one engine connection of netty-socketio. */
final class SocketIoLink implements ClientLink {

    /** How long a polling client gets to read the CLOSE before its engine session is dropped here. */
    private static final long CLOSE_GRACE_MILLIS = 1000;

    private final ClientHead head;
    private final PollingFlusher flusher;
    private final Metrics metrics;
    private final Supplier<Channel> websocket;

    SocketIoLink(ClientHead head, PollingFlusher flusher, Metrics metrics, Supplier<Channel> websocket) {
        this.head = head;
        this.flusher = flusher;
        this.metrics = metrics;
        this.websocket = websocket;
    }

    static Packet message(PacketType subType) {
        Packet packet = new Packet(PacketType.MESSAGE, EngineIOVersion.V4);
        packet.setSubType(subType);
        packet.setNsp("");
        return packet;
    }

    @Override
    public void sendEvent(String event, String payloadJson, String offset) {
        Packet packet = message(PacketType.EVENT);
        packet.setName(event);
        packet.setData(offset == null ? List.of(new RawValue(payloadJson)) : List.of(new RawValue(payloadJson), offset));
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

    @Override
    public void closeTransport() {
        Channel channel = websocket.get();
        if (head.getCurrentTransport() == Transport.WEBSOCKET && channel != null) {
            channel.close();
            return;
        }
        // polling: an Engine.IO CLOSE ends the client's transport; it then opens a new one by itself
        head.send(new Packet(PacketType.CLOSE, EngineIOVersion.V4), Transport.POLLING);
        flusher.afterSend(head);
        channelLater(() -> head.onChannelDisconnect());
    }

    private void channelLater(Runnable action) {
        Channel channel = websocket.get();
        io.netty.util.concurrent.EventExecutor executor = channel != null ? channel.eventLoop()
                : io.netty.util.concurrent.GlobalEventExecutor.INSTANCE;
        executor.schedule(action, CLOSE_GRACE_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
    }
}
