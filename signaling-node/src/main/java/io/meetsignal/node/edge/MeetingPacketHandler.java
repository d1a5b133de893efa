package io.meetsignal.node.edge;

import com.corundumstudio.socketio.Transport;
import com.corundumstudio.socketio.handler.ClientHead;
import com.corundumstudio.socketio.messages.PacketsMessage;
import com.corundumstudio.socketio.protocol.Packet;
import com.corundumstudio.socketio.protocol.PacketType;
import com.fasterxml.jackson.databind.JsonNode;
import io.meetsignal.node.auth.HandshakeAuthenticator;
import io.meetsignal.node.auth.Identity;
import io.meetsignal.node.config.NodeConfig;
import io.meetsignal.node.ops.Admission;
import io.meetsignal.node.ops.Metrics;
import io.meetsignal.node.protocol.DisconnectReason;
import io.meetsignal.node.protocol.ErrorCode;
import io.meetsignal.node.protocol.Events;
import io.meetsignal.node.protocol.Json;
import io.meetsignal.node.protocol.ProtocolException;
import io.meetsignal.node.protocol.ServerEvent.ForceDisconnect;
import io.meetsignal.node.service.Outcome;
import io.meetsignal.node.service.Recovery;
import io.meetsignal.node.service.RoomService;
import io.meetsignal.node.session.FloodDetector;
import io.meetsignal.node.session.Session;
import io.meetsignal.node.session.SessionRegistry;
import io.meetsignal.node.session.TokenBucket;
import io.micrometer.core.instrument.Timer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandler;
import io.netty.channel.SimpleChannelInboundHandler;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes the place of netty-socketio's packet handler. Engine.IO control packets (ping, pong, upgrade,
 * close, noop) are passed to the library's own handler; every Socket.IO packet is ours:
 * <ul>
 *   <li>CONNECT is authenticated here, before anything else can happen, and answered with a socket id
 *       of our own. A socket whose CONNECT was refused, or that never sent one, is served nothing;</li>
 *   <li>EVENT takes a rate-limit token, is checked for size, parsed, and routed; every failure is
 *       answered as the protocol says and changes nothing;</li>
 *   <li>DISCONNECT ends the session.</li>
 * </ul>
 */
@Sharable
final class MeetingPacketHandler extends SimpleChannelInboundHandler<PacketsMessage> {

    private static final Logger log = LoggerFactory.getLogger(MeetingPacketHandler.class);
    private static final byte RECORD_SEPARATOR = 0x1e;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int FLOOD_FACTOR = 10;
    private static final int FLOOD_SECONDS = 10;
    /** The most packets one polling POST may carry; the rest of its payload is dropped. */
    static final int MAX_PACKETS_PER_POST = 1_000;
    /** How long a flooding socket's force-disconnect has to leave before its session is closed. */
    private static final long FLOOD_CLOSE_DELAY_MILLIS = 200;

    private final NodeConfig config;
    private final HandshakeAuthenticator authenticator;
    private final SessionRegistry sessions;
    private final RoomService rooms;
    private final EventRouter router;
    private final Replies replies;
    private final Metrics metrics;
    private final PollingFlusher flusher;
    private final BooleanSupplier accepting;
    /** Asked once per Socket.IO CONNECT: null, or why the node takes nobody new now (PROTOCOL.md §7). */
    private final Supplier<Admission.Refusal> admission;
    private final Recovery recovery;
    private final Map<UUID, Session> byEngineSession = new ConcurrentHashMap<>();
    /** Socket id → the engine session it is served on now (a recovered socket moves to a new one). */
    private final Map<String, UUID> engineBySocket = new ConcurrentHashMap<>();
    private final Map<UUID, Channel> websockets = new ConcurrentHashMap<>();
    /** Per engine session, from its first packet: the rate-limit bucket and flood window every packet counts in. */
    private final Map<UUID, EngineLimits> limits = new ConcurrentHashMap<>();
    private volatile ChannelInboundHandler engine;

    MeetingPacketHandler(NodeConfig config, HandshakeAuthenticator authenticator, SessionRegistry sessions,
                         RoomService rooms, Recovery recovery, EventRouter router, Metrics metrics,
                         PollingFlusher flusher, BooleanSupplier accepting, Supplier<Admission.Refusal> admission) {
        this.config = config;
        this.authenticator = authenticator;
        this.sessions = sessions;
        this.rooms = rooms;
        this.router = router;
        this.replies = new Replies(metrics);
        this.metrics = metrics;
        this.flusher = flusher;
        this.accepting = accepting;
        this.admission = admission;
        this.recovery = recovery;
    }

    /**
     * What one engine session may send (PROTOCOL.md §7): every packet, Engine.IO or Socket.IO, CONNECT or event,
     * takes a token from one bucket and counts in one flood window; the Socket.IO session made on it uses the same.
     * {@code connected}: a CONNECT was received on it (a second one closes the engine session).
     */
    static final class EngineLimits {
        final TokenBucket bucket;
        final FloodDetector flood;
        volatile boolean connected;
        /** The flood rule tripped: every further packet is dropped until the session is gone. */
        volatile boolean flooded;

        EngineLimits(NodeConfig.Limits limits) {
            this.bucket = new TokenBucket(limits.eventsPerSecond(), limits.eventBurst());
            this.flood = new FloodDetector((int) Math.ceil(limits.eventsPerSecond() * FLOOD_FACTOR), FLOOD_SECONDS);
        }
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
            UUID id = message.getClient().getSessionId();
            if (websockets.get(id) != ctx.channel()) {
                websockets.put(id, ctx.channel());
            }
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
        while (start < end && packets < MAX_PACKETS_PER_POST && message.getClient().isConnected()) {
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

    private void onPacket(ChannelHandlerContext ctx, ClientHead head, Transport transport, ByteBuf content, int offset,
                          int length) throws Exception {
        byte type = content.getByte(offset);
        UUID engineId = head.getSessionId();
        EngineLimits engineLimits = limits.get(engineId);
        if (engineLimits == null) {
            if (!head.isConnected()) {
                return;
            }
            engineLimits = limits.computeIfAbsent(engineId, id -> new EngineLimits(config.limits()));
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
        boolean event = type == '4' && length > 1 && content.getByte(offset + 1) == '2';
        boolean token = engineLimits.bucket.tryTake(now);
        if (!token && !event) {
            // over the rate: Engine.IO packets and Socket.IO packets other than events are dropped unanswered
            metrics.error(ErrorCode.RATE_LIMITED);
            return;
        }
        switch (type) {
            case '4' -> onSocketIoPacket(head, content, offset + 1, length - 1, token);
            case '1', '2', '3', '5', '6' -> {
                ByteBuf copy = Unpooled.copiedBuffer(content.slice(offset, length));
                engine.channelRead(ctx, new PacketsMessage(head, copy, transport));
                if (type == '2' && length == 6 && "probe".equals(content.toString(offset + 1, 5, StandardCharsets.US_ASCII))) {
                    flusher.afterProbe(head, ctx.channel());
                } else if (type == '5') {
                    flusher.afterUpgrade(head, ctx.channel());
                }
            }
            default -> log.debug("Ignored engine packet of type {} from {}", (char) type, head.getSessionId());
        }
    }

    /** A Socket.IO packet: {@code <type>[<attachments>-][/<nsp>,][<ack id>][<json>]}. */
    private void onSocketIoPacket(ClientHead head, ByteBuf content, int offset, int length, boolean token) {
        if (length <= 0) {
            return;
        }
        int end = offset + length;
        byte type = content.getByte(offset);
        int i = offset + 1;
        String namespace = "/";
        if (i < end && content.getByte(i) == '/') {
            int comma = content.indexOf(i, end, (byte) ',');
            int nspEnd = comma < 0 ? end : comma;
            namespace = content.toString(i, nspEnd - i, StandardCharsets.UTF_8);
            i = comma < 0 ? end : comma + 1;
        }
        Long ackId = null;
        int digitsStart = i;
        while (i < end && i - digitsStart < 18 && Character.isDigit(content.getByte(i))) {
            i++;
        }
        if (i > digitsStart) {
            ackId = Long.parseLong(content.toString(digitsStart, i - digitsStart, StandardCharsets.US_ASCII));
        }
        switch (type) {
            case '0' -> onConnect(head, namespace, content, i, end - i);
            case '1' -> onDisconnectPacket(head);
            case '2' -> onEvent(head, ackId, content, i, end - i, length, token);
            case '5', '6' -> {
                Session session = byEngineSession.get(head.getSessionId());
                if (session != null) {
                    replies.refuse(session, "binary", ackId, new Replies.Refusal(ErrorCode.INVALID_PAYLOAD,
                            "Binary payloads are not supported"));
                }
            }
            default -> {
                // acknowledgements from the client: the server never asks for one
            }
        }
    }

    // ---- CONNECT ----------------------------------------------------------------------------------

    private void onConnect(ClientHead head, String namespace, ByteBuf content, int offset, int length) {
        if (!"/".equals(namespace)) {
            Packet error = SocketIoLink.message(PacketType.ERROR);
            error.setNsp(namespace);
            error.setData(Map.of("message", "Invalid namespace"));
            head.send(error);
            flusher.afterSend(head);
            return;
        }
        EngineLimits engineLimits = limits.get(head.getSessionId());
        if (engineLimits == null || engineLimits.connected) {
            // a second CONNECT on an engine session whose first is pending or accepted (PROTOCOL.md §7)
            log.debug("Second CONNECT on engine session {}: closing it", head.getSessionId());
            metrics.error(ErrorCode.INVALID_PAYLOAD);
            head.disconnect();
            return;
        }
        engineLimits.connected = true;
        Identity identity;
        JsonNode auth = null;
        try {
            if (!accepting.getAsBoolean()) {
                throw ProtocolException.of(ErrorCode.UNAVAILABLE, "This server is not accepting connections");
            }
            if (sessions.size() >= config.limits().maxConnections()) {
                throw ProtocolException.of(ErrorCode.UNAVAILABLE, "This server is full, try again");
            }
            Admission.Refusal refused = admission.get();
            if (refused != null) {
                metrics.handshakeRefused(refused.tag());
                throw ProtocolException.of(ErrorCode.UNAVAILABLE, refused == Admission.Refusal.MEMORY
                        ? "This server is full, try again" : "This server is overloaded, try again shortly");
            }
            if (length > 0) {
                try {
                    auth = Json.MAPPER.readTree(ByteBufUtil.getBytes(content, offset, length));
                } catch (Exception e) {
                    throw ProtocolException.invalid("auth: not valid JSON");
                }
            }
            identity = authenticator.authenticate(auth);
        } catch (ProtocolException refused) {
            metrics.error(refused.code());
            log.debug("Handshake refused for engine session {}: {}", head.getSessionId(), refused.code());
            Packet error = SocketIoLink.message(PacketType.ERROR);
            error.setData(Map.of("message", refused.code().name(),
                    "data", Map.of("code", refused.code().name(), "message", refused.getMessage())));
            head.send(error);
            flusher.afterSend(head);
            // a refused CONNECT ends the engine session once its connect_error has left (PROTOCOL.md §8)
            flusher.closeWhenDelivered(head, websockets.get(head.getSessionId()));
            return;
        }
        String pid = auth != null && auth.path("pid").isTextual() ? auth.get("pid").textValue() : null;
        if (pid == null || !recovery.enabled()) {
            connectNew(head, identity);
            return;
        }
        String lastOffset = auth.path("offset").isTextual() ? auth.get("offset").textValue() : null;
        Identity who = identity;
        recovery.recover(pid, lastOffset, identity, link(head), (socketId, key) -> newSession(head, who, socketId, key))
                .whenComplete((recovered, failure) -> {
                    if (failure != null || recovered.isEmpty()) {
                        if (failure != null) {
                            log.warn("Recovery for engine session {} failed: {}", head.getSessionId(), failure.toString());
                        }
                        connectNew(head, who);
                        return;
                    }
                    Session session = recovered.get().session();
                    UUID engine = head.getSessionId();
                    byEngineSession.put(engine, session);
                    UUID previous = engineBySocket.put(session.socketId(), engine);
                    if (previous != null && !previous.equals(engine) && byEngineSession.remove(previous, session)) {
                        log.debug("Socket {} came back before its old transport was seen to close", session.socketId());
                    }
                    if (!head.isConnected()) {
                        closeSession(engine, true);
                        return;
                    }
                    log.info("Socket {} recovered (engine session {})", session.socketId(), engine);
                    sendConnected(head, session);
                    recovered.get().finish().run();
                });
    }

    /** A new session for an authenticated CONNECT. */
    private void connectNew(ClientHead head, Identity identity) {
        Session session = newSession(head, identity, newSocketId(), recovery.enabled() ? newSocketId() : null);
        sessions.add(session);
        byEngineSession.put(head.getSessionId(), session);
        engineBySocket.put(session.socketId(), head.getSessionId());
        if (!head.isConnected()) {
            // the transport closed while we were authenticating
            closeSession(head.getSessionId(), false);
            return;
        }
        log.info("Socket {} connected ({}, engine session {})", session.socketId(),
                identity.guest() ? "guest" : "user " + identity.userId(), head.getSessionId());
        sendConnected(head, session);
    }

    private SocketIoLink link(ClientHead head) {
        return new SocketIoLink(head, flusher, metrics, () -> websockets.get(head.getSessionId()));
    }

    private Session newSession(ClientHead head, Identity identity, String socketId, String recoveryKey) {
        NodeConfig.Limits configured = config.limits();
        EngineLimits engineLimits = limits.computeIfAbsent(head.getSessionId(), id -> new EngineLimits(configured));
        return new Session(socketId, recoveryKey, identity, link(head), engineLimits.bucket,
                new TokenBucket(configured.chatPerSecond(), configured.chatBurst()), engineLimits.flood);
    }

    private void sendConnected(ClientHead head, Session session) {
        Packet connected = SocketIoLink.message(PacketType.CONNECT);
        String pid = session.privateId();
        connected.setData(pid == null ? Map.of("sid", session.socketId()) : Map.of("sid", session.socketId(), "pid", pid));
        head.send(connected);
        flusher.afterSend(head);
    }

    private static String newSocketId() {
        byte[] bytes = new byte[15];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    // ---- EVENT ------------------------------------------------------------------------------------

    private void onEvent(ClientHead head, Long ackId, ByteBuf content, int offset, int length, int packetLength,
                         boolean token) {
        Session session = byEngineSession.get(head.getSessionId());
        if (session == null || session.closed()) {
            log.debug("Event from unauthenticated engine session {} dropped", head.getSessionId());
            return;
        }
        long now = System.nanoTime();
        if (!token) {
            replies.refuse(session, "event", ackId, new Replies.Refusal(ErrorCode.RATE_LIMITED,
                    "Too many events, slow down"));
            return;
        }
        if (packetLength > config.limits().maxPacketBytes()) {
            replies.refuse(session, "event", ackId, new Replies.Refusal(ErrorCode.INVALID_PAYLOAD,
                    "Event larger than " + config.limits().maxPacketBytes() + " bytes"));
            return;
        }
        JsonNode array;
        try {
            array = Json.MAPPER.readTree(ByteBufUtil.getBytes(content, offset, length));
        } catch (Exception e) {
            array = null;
        }
        if (array == null || !array.isArray() || array.isEmpty() || !array.get(0).isTextual()) {
            replies.refuse(session, "event", ackId, new Replies.Refusal(ErrorCode.INVALID_PAYLOAD,
                    "Malformed event packet"));
            return;
        }
        String event = array.get(0).textValue();
        JsonNode payload = array.size() > 1 ? array.get(1) : null;
        metrics.received(event);
        if (Events.CHAT_MESSAGE.equals(event) && !session.takeChatToken(now)) {
            replies.refuse(session, event, ackId, new Replies.Refusal(ErrorCode.RATE_LIMITED,
                    "Too many chat messages, slow down"));
            return;
        }
        Timer.Sample sample = Timer.start();
        Timer timer = metrics.handler(event);
        // one event of a socket at a time, in the order received (PROTOCOL.md §7)
        CompletionStage<Outcome> handled = session.inOrder(packetLength, router.orderedOnReturn(event),
                () -> router.dispatch(session, event, payload));
        if (handled == null) {
            metrics.eventQueueFull();
            replies.refuse(session, event, ackId, new Replies.Refusal(ErrorCode.RATE_LIMITED,
                    "Too many events in progress, slow down"));
            return;
        }
        handled.whenComplete((result, failure) -> {
            sample.stop(timer);
            replies.answer(session, event, ackId, result, failure);
        });
    }

    /**
     * The engine session floods (PROTOCOL.md §7): its socket, if any, is told why, and the session is closed a
     * moment later, once that notice has left (its packets are dropped meanwhile).
     */
    private void onFlooding(ChannelHandlerContext ctx, ClientHead head) {
        Session session = byEngineSession.get(head.getSessionId());
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

    // ---- DISCONNECT -------------------------------------------------------------------------------

    private void onDisconnectPacket(ClientHead head) {
        closeSession(head.getSessionId(), false);
    }

    /** The engine connection is gone (closed, timed out, or disconnected by us). */
    void onEngineClosed(UUID engineSessionId) {
        limits.remove(engineSessionId);
        flusher.forget(engineSessionId);
        websockets.remove(engineSessionId);
        closeSession(engineSessionId, true);
    }

    /**
     * Ends the session served on an engine session. {@code transportLost}: the transport went away without the
     * client saying goodbye, so a seated session is kept for recovery.
     */
    private void closeSession(UUID engineSessionId, boolean transportLost) {
        Session session = byEngineSession.remove(engineSessionId);
        if (session == null) {
            return;
        }
        engineBySocket.remove(session.socketId(), engineSessionId);
        if (transportLost && recovery.detach(session)) {
            return;
        }
        log.info("Socket {} disconnected", session.socketId());
        // after the socket's events in flight: a join still running must not seat it after its cleanup
        session.afterEvents(() -> rooms.disconnected(session)).whenComplete((nothing, failure) -> {
            if (failure != null) {
                Replies.refusal(failure, session, "disconnect");
            }
        });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.warn("Packet handling failed on {}: {}", ctx.channel(), cause.toString());
        ctx.close();
    }
}
