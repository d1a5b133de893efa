package io.meetsignal.node.edge;

import com.corundumstudio.socketio.Transport;
import com.corundumstudio.socketio.handler.ClientHead;
import com.corundumstudio.socketio.messages.PacketsMessage;
import io.meetsignal.node.config.NodeConfig;
import io.meetsignal.node.ops.Metrics;
import io.meetsignal.node.protocol.DisconnectReason;
import io.meetsignal.node.protocol.ErrorCode;
import io.meetsignal.node.protocol.ServerEvent.ForceDisconnect;
import io.meetsignal.node.session.Session;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandler;
import io.netty.channel.SimpleChannelInboundHandler;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes the place of netty-socketio's packet handler. Engine.IO control packets (ping, pong, upgrade,
 * close, noop) are passed to the library's own handler; every Socket.IO packet is ours, read by
 * {@link SocketIoPacketParser}:
 * <ul>
 *   <li>CONNECT and DISCONNECT go to the {@link Handshake}, which authenticates the CONNECT before anything else
 *       can happen and answers with a socket id of our own. A socket whose CONNECT was refused, or that never sent
 *       one, is served nothing;</li>
 *   <li>EVENT takes a rate-limit token, is checked for size, parsed, and routed; every failure is
 *       answered as the protocol says and changes nothing.</li>
 * </ul>
 */
@Sharable
final class MeetingPacketHandler extends SimpleChannelInboundHandler<PacketsMessage> {

    private static final Logger log = LoggerFactory.getLogger(MeetingPacketHandler.class);
    private static final byte RECORD_SEPARATOR = 0x1e;
    /** The most packets one polling POST may carry; the rest of its payload is dropped. */
    static final int MAX_PACKETS_PER_POST = 1_000;
    /** How long a flooding socket's force-disconnect has to leave before its session is closed. */
    private static final long FLOOD_CLOSE_DELAY_MILLIS = 200;

    private final NodeConfig config;
    private final Handshake handshake;
    private final EventRouter router;
    private final Replies replies;
    private final Metrics metrics;
    private final PollingFlusher flusher;
    private volatile ChannelInboundHandler engine;

    MeetingPacketHandler(
            NodeConfig config, Handshake handshake, EventRouter router, Metrics metrics, PollingFlusher flusher) {
        this.config = config;
        this.handshake = handshake;
        this.router = router;
        this.replies = new Replies(metrics);
        this.metrics = metrics;
        this.flusher = flusher;
    }

    /** The library's packet handler, to which Engine.IO control packets go. */
    void engine(ChannelInboundHandler libraryHandler) {
        if (engine == null) {
            engine = libraryHandler;
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, PacketsMessage message) throws Exception {
        if (message.getTransport() == Transport.WEBSOCKET) {
            handshake.websocket(message.getClient().getSessionId(), ctx.channel());
        }
        ByteBuf content = message.getContent();
        int end = content.writerIndex();
        int start = content.readerIndex();
        if (message.getTransport() == Transport.WEBSOCKET) {
            // over websocket one frame is one Engine.IO packet (PROTOCOL.md §7): never split on the separator
            if (end > start) {
                onPacket(ctx, message.getClient(), message.getTransport(), content, start, end - start);
            }
            content.readerIndex(end);
            return;
        }
        int packets = 0;
        while (start < end
                && packets < MAX_PACKETS_PER_POST
                && message.getClient().isConnected()) {
            int separator = content.indexOf(start, end, RECORD_SEPARATOR);
            int stop = separator < 0 ? end : separator;
            if (stop > start) {
                onPacket(ctx, message.getClient(), message.getTransport(), content, start, stop - start);
                packets++;
            }
            start = stop + 1;
        }
        content.readerIndex(end);
    }

    private void onPacket(
            ChannelHandlerContext ctx, ClientHead head, Transport transport, ByteBuf content, int offset, int length)
            throws Exception {
        byte type = content.getByte(offset);
        EngineLimits engineLimits = handshake.limits(head);
        if (engineLimits == null) {
            return;
        }
        long now = System.nanoTime();
        if (engineLimits.flooded) {
            return;
        }
        if (engineLimits.flood.record(now)) {
            engineLimits.flooded = true;
            onFlooding(ctx, head);
            return;
        }
        boolean event = type == '4' && SocketIoPacketParser.isEvent(content, offset + 1, length - 1);
        boolean token = engineLimits.bucket.tryTake(now);
        if (!token && !event) {
            // over the rate: Engine.IO packets and Socket.IO packets other than events are dropped unanswered
            metrics.error(ErrorCode.RATE_LIMITED);
            return;
        }
        switch (type) {
            case '4' -> onSocketIoPacket(ctx, head, content, offset + 1, length - 1, token);
            case '1', '2', '3', '5', '6' -> {
                ByteBuf copy = Unpooled.copiedBuffer(content.slice(offset, length));
                engine.channelRead(ctx, new PacketsMessage(head, copy, transport));
                if (type == '2'
                        && length == 6
                        && "probe".equals(content.toString(offset + 1, 5, StandardCharsets.US_ASCII))) {
                    flusher.afterProbe(head, ctx.channel());
                } else if (type == '5') {
                    flusher.afterUpgrade(head, ctx.channel());
                }
            }
            default -> log.debug("Ignored engine packet of type {} from {}", (char) type, head.getSessionId());
        }
    }

    /** A Socket.IO packet, read by {@link SocketIoPacketParser}; {@code token}: it took a rate-limit token. */
    private void onSocketIoPacket(
            ChannelHandlerContext ctx, ClientHead head, ByteBuf content, int offset, int length, boolean token) {
        if (SocketIoPacketParser.isEvent(content, offset, length)) {
            onEvent(head, content, offset, length, token);
            return;
        }
        SocketIoPacketParser.Packet packet = SocketIoPacketParser.parse(
                content, offset, length, config.limits().maxPacketBytes());
        if (packet instanceof SocketIoPacketParser.Connect connect) {
            // the session is confined to the loop its CONNECT arrived on
            handshake.connect(
                    head, connect.namespace(), connect.auth(), ctx.channel().eventLoop());
        } else if (packet instanceof SocketIoPacketParser.Disconnect) {
            handshake.disconnect(head);
        } else if (packet instanceof SocketIoPacketParser.Binary binary) {
            Session session = handshake.session(head.getSessionId());
            if (session != null) {
                replies.refuse(
                        session,
                        "binary",
                        binary.ackId(),
                        new Replies.Refusal(ErrorCode.INVALID_PAYLOAD, "Binary payloads are not supported"));
            }
        }
        // anything else is ignored: acknowledgements from the client (the server never asks for one), other types
    }

    // ---- EVENT ------------------------------------------------------------------------------------

    /**
     * An event: the step before routing (its session, the engine session's shared bucket, the size limit, the
     * parse), each refusal answered in that order; then the router's decorated handler
     * ({@link HandlerDecorators}), whose outcome {@link Replies} answers.
     */
    private void onEvent(ClientHead head, ByteBuf content, int offset, int length, boolean token) {
        Session session = handshake.session(head.getSessionId());
        if (session == null || session.closed()) {
            log.debug("Event from unauthenticated engine session {} dropped", head.getSessionId());
            return;
        }
        if (!token) {
            replies.refuse(
                    session,
                    "event",
                    SocketIoPacketParser.ackId(content, offset, length),
                    new Replies.Refusal(ErrorCode.RATE_LIMITED, "Too many events, slow down"));
            return;
        }
        SocketIoPacketParser.Packet packet = SocketIoPacketParser.parse(
                content, offset, length, config.limits().maxPacketBytes());
        if (packet instanceof SocketIoPacketParser.TooLarge tooLarge) {
            replies.refuse(
                    session,
                    "event",
                    tooLarge.ackId(),
                    new Replies.Refusal(ErrorCode.INVALID_PAYLOAD, "Event larger than " + tooLarge.limit() + " bytes"));
            return;
        }
        if (!(packet instanceof SocketIoPacketParser.Event parsed)) {
            Long ackId = packet instanceof SocketIoPacketParser.Malformed malformed ? malformed.ackId() : null;
            replies.refuse(
                    session, "event", ackId, new Replies.Refusal(ErrorCode.INVALID_PAYLOAD, "Malformed event packet"));
            return;
        }
        if (!"/".equals(parsed.namespace())) {
            // the socket is connected to / only; like the reference server, an event for another namespace is ignored
            log.debug("Event for namespace {} from socket {} ignored", parsed.namespace(), session.socketId());
            return;
        }
        // one event of a socket at a time, in the order received (PROTOCOL.md §7): see HandlerDecorators; on the
        // session's loop (a polling POST may arrive on another one), where its answer leaves too
        EventRouter.Inbound inbound = new EventRouter.Inbound(parsed.name(), parsed.payload(), length);
        session.onLoop(() -> router.route(session, inbound)
                .whenComplete(
                        (result, failure) -> replies.answer(session, parsed.name(), parsed.ackId(), result, failure)));
    }

    /**
     * The engine session floods (PROTOCOL.md §7): its socket, if any, is told why, and the session is closed a
     * moment later, once that notice has left (its packets are dropped meanwhile).
     */
    private void onFlooding(ChannelHandlerContext ctx, ClientHead head) {
        Session session = handshake.session(head.getSessionId());
        metrics.error(ErrorCode.RATE_LIMITED);
        if (session != null) {
            log.warn("Socket {} disconnected for flooding", session.socketId());
            session.send(new ForceDisconnect(DisconnectReason.FLOODING));
            ctx.executor().schedule(session::disconnect, FLOOD_CLOSE_DELAY_MILLIS, TimeUnit.MILLISECONDS);
        } else {
            log.debug("Engine session {} closed for flooding", head.getSessionId());
            head.disconnect();
        }
    }

    /** The engine connection is gone (closed, timed out, or disconnected by us). */
    void onEngineClosed(UUID engineSessionId) {
        handshake.engineClosed(engineSessionId);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.warn("Packet handling failed on {}: {}", ctx.channel(), cause.toString());
        ctx.close();
    }
}
