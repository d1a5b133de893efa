package io.meetsignal.node.edge;

import com.corundumstudio.socketio.Transport;
import com.corundumstudio.socketio.handler.ClientHead;
import com.corundumstudio.socketio.protocol.EngineIOVersion;
import com.corundumstudio.socketio.protocol.Packet;
import com.corundumstudio.socketio.protocol.PacketType;
import com.fasterxml.jackson.databind.util.RawValue;
import io.meetsignal.node.ops.Metrics;
import io.meetsignal.node.protocol.ProtocolException;
import io.meetsignal.node.session.ClientLink;
import io.netty.channel.Channel;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes Socket.IO packets to one engine connection of netty-socketio, and bounds what waits unread in its queue
 * (PROTOCOL.md §7): a polling client that sends but never fetches would otherwise make the engine queue packets
 * without end. Over {@link SlowConsumerGuard#BOUND_BYTES} for {@link SlowConsumerGuard#GRACE_MILLIS}, or over
 * {@link SlowConsumerGuard#HARD_LIMIT_FACTOR} times it at once, the transport is closed (a lost transport, §9).
 * (What the websocket channel holds unwritten is the guard's.)
 */
final class SocketIoLink implements ClientLink {

    private static final Logger log = LoggerFactory.getLogger(SocketIoLink.class);

    /** How long a polling client gets to read the CLOSE before its engine session is dropped here. */
    private static final long CLOSE_GRACE_MILLIS = 1000;

    private final ClientHead head;
    private final PollingFlusher flusher;
    private final Metrics metrics;
    private final Supplier<Channel> websocket;
    private final AtomicLong queued = new AtomicLong();
    /** When the queue went over the bound (System.nanoTime()), or 0 while it is under. */
    private volatile long overSince;

    private volatile boolean closing;

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

    /** The CONNECT_ERROR of a refused handshake (PROTOCOL.md §8): the code as message, code and text as data. */
    static Packet connectError(ProtocolException refused) {
        Packet error = message(PacketType.ERROR);
        error.setData(Map.of(
                "message",
                refused.code().name(),
                "data",
                Map.of("code", refused.code().name(), "message", refused.getMessage())));
        return error;
    }

    /** The CONNECT_ERROR for a CONNECT to a namespace other than {@code /}. */
    static Packet namespaceError(String namespace) {
        Packet error = message(PacketType.ERROR);
        error.setNsp(namespace);
        error.setData(Map.of("message", "Invalid namespace"));
        return error;
    }

    @Override
    public void sendEvent(String event, String payloadJson, String offset) {
        QueuedPacket packet = new QueuedPacket(
                PacketType.EVENT,
                queued,
                event.length() + payloadJson.length() + (offset == null ? 0 : offset.length()) + 8);
        packet.setName(event);
        packet.setData(
                offset == null ? List.of(new RawValue(payloadJson)) : List.of(new RawValue(payloadJson), offset));
        send(packet);
        metrics.sent(event);
    }

    @Override
    public void sendAck(long ackId, String payloadJson) {
        QueuedPacket packet = new QueuedPacket(PacketType.ACK, queued, payloadJson.length() + 24);
        packet.setAckId(ackId);
        packet.setData(List.of(new RawValue(payloadJson)));
        send(packet);
    }

    private void send(QueuedPacket packet) {
        if (closing) {
            return;
        }
        long now = packet.queue();
        head.send(packet);
        flusher.afterSend(head);
        if (now <= SlowConsumerGuard.BOUND_BYTES) {
            overSince = 0;
            return;
        }
        long at = System.nanoTime();
        if (overSince == 0) {
            overSince = at;
        }
        boolean hard = now > (long) SlowConsumerGuard.HARD_LIMIT_FACTOR * SlowConsumerGuard.BOUND_BYTES;
        if (hard || at - overSince > TimeUnit.MILLISECONDS.toNanos(SlowConsumerGuard.GRACE_MILLIS)) {
            closing = true;
            metrics.slowConsumerClosed();
            log.debug("Engine session {} left {} bytes unread: closing its transport", head.getSessionId(), now);
            closeTransport();
        }
    }

    /** Bytes queued for this connection and not written yet. */
    long queuedBytes() {
        return queued.get();
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
        io.netty.util.concurrent.EventExecutor executor =
                channel != null ? channel.eventLoop() : io.netty.util.concurrent.GlobalEventExecutor.INSTANCE;
        executor.schedule(action, CLOSE_GRACE_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
    }
}
