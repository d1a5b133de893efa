package io.meetsignal.node.edge;

import com.corundumstudio.socketio.handler.ClientHead;
import com.corundumstudio.socketio.protocol.Packet;
import com.corundumstudio.socketio.protocol.PacketType;
import com.fasterxml.jackson.databind.JsonNode;
import io.meetsignal.node.auth.HandshakeAuthenticator;
import io.meetsignal.node.auth.Identity;
import io.meetsignal.node.config.NodeConfig;
import io.meetsignal.node.ops.Admission;
import io.meetsignal.node.ops.Metrics;
import io.meetsignal.node.protocol.ErrorCode;
import io.meetsignal.node.protocol.Json;
import io.meetsignal.node.protocol.ProtocolException;
import io.meetsignal.node.protocol.Refusals;
import io.meetsignal.node.service.Recovery;
import io.meetsignal.node.service.RoomService;
import io.meetsignal.node.session.Session;
import io.meetsignal.node.session.SessionRegistry;
import io.meetsignal.node.session.TokenBucket;
import io.netty.channel.Channel;
import io.netty.util.concurrent.EventExecutor;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Socket.IO handshake and what it leaves behind: which {@link Session} each engine session serves.
 * <ul>
 *   <li>CONNECT: the namespace, one CONNECT per engine session, admission (draining, full, overloaded), the auth
 *       object and its token, then either connection state recovery or a new socket with an id of our own;
 *       a refusal is a {@code connect_error} after which the engine session closes (PROTOCOL.md §2, §7, §8);</li>
 *   <li>the engine-session maps: the session served on each engine session, the engine session each socket is
 *       served on now (a recovered socket moves), each session's websocket channel, and its {@link EngineLimits};</li>
 *   <li>the end: a DISCONNECT ends the session; a lost transport keeps a seated one for recovery.</li>
 * </ul>
 * Nothing here reads events; {@link MeetingPacketHandler} asks {@link #session} which session an event is for.
 */
final class Handshake {

    private static final Logger log = LoggerFactory.getLogger(Handshake.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final NodeConfig config;
    private final HandshakeAuthenticator authenticator;
    private final SessionRegistry sessions;
    private final RoomService rooms;
    private final Recovery recovery;
    private final Metrics metrics;
    private final PollingFlusher flusher;
    private final BooleanSupplier accepting;
    /** Asked once per Socket.IO CONNECT: null, or why the node takes nobody new now (PROTOCOL.md §7). */
    private final Supplier<Admission.Refusal> admission;

    private final Map<UUID, Session> byEngineSession = new ConcurrentHashMap<>();
    /** Socket id → the engine session it is served on now (a recovered socket moves to a new one). */
    private final Map<String, UUID> engineBySocket = new ConcurrentHashMap<>();

    private final Map<UUID, Channel> websockets = new ConcurrentHashMap<>();
    /** Per engine session, from its first packet: the rate-limit bucket and flood window every packet counts in. */
    private final Map<UUID, EngineLimits> limits = new ConcurrentHashMap<>();

    Handshake(
            NodeConfig config,
            HandshakeAuthenticator authenticator,
            SessionRegistry sessions,
            RoomService rooms,
            Recovery recovery,
            Metrics metrics,
            PollingFlusher flusher,
            BooleanSupplier accepting,
            Supplier<Admission.Refusal> admission) {
        this.config = config;
        this.authenticator = authenticator;
        this.sessions = sessions;
        this.rooms = rooms;
        this.recovery = recovery;
        this.metrics = metrics;
        this.flusher = flusher;
        this.accepting = accepting;
        this.admission = admission;
    }

    /** The limits of {@code head}'s engine session, made at its first packet; null once it is no longer connected. */
    EngineLimits limits(ClientHead head) {
        EngineLimits engineLimits = limits.get(head.getSessionId());
        if (engineLimits == null && head.isConnected()) {
            engineLimits = limits.computeIfAbsent(head.getSessionId(), id -> new EngineLimits(config.limits()));
        }
        return engineLimits;
    }

    /** The session served on engine session {@code engineId}, or null (no CONNECT accepted, or ended). */
    Session session(UUID engineId) {
        return byEngineSession.get(engineId);
    }

    /** A websocket frame of {@code engineId} arrived on {@code channel}: later sends and closes use it. */
    void websocket(UUID engineId, Channel channel) {
        if (websockets.get(engineId) != channel) {
            websockets.put(engineId, channel);
        }
    }

    /**
     * A Socket.IO CONNECT to {@code namespace} with the raw JSON of its auth object (null for none), read on
     * {@code loop}: the loop the session it makes is confined to.
     */
    void connect(ClientHead head, String namespace, byte[] authJson, EventExecutor loop) {
        if (!"/".equals(namespace)) {
            head.send(SocketIoLink.namespaceError(namespace));
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
                throw Refusals.notAccepting();
            }
            if (sessions.size() >= config.limits().maxConnections()) {
                throw Refusals.serverFull();
            }
            Admission.Refusal refused = admission.get();
            if (refused != null) {
                metrics.handshakeRefused(refused.tag());
                throw refused == Admission.Refusal.MEMORY ? Refusals.serverFull() : Refusals.overloaded();
            }
            if (authJson != null) {
                try {
                    auth = Json.MAPPER.readTree(authJson);
                } catch (Exception e) {
                    throw Refusals.authNotJson();
                }
            }
            identity = authenticator.authenticate(auth);
        } catch (ProtocolException refused) {
            metrics.error(refused.code());
            log.debug("Handshake refused for engine session {}: {}", head.getSessionId(), refused.code());
            head.send(SocketIoLink.connectError(refused));
            flusher.afterSend(head);
            // a refused CONNECT ends the engine session once its connect_error has left (PROTOCOL.md §8)
            flusher.closeWhenDelivered(head, websockets.get(head.getSessionId()));
            return;
        }
        String pid =
                auth != null && auth.path("pid").isTextual() ? auth.get("pid").textValue() : null;
        if (pid == null || !recovery.enabled()) {
            connectNew(head, identity, loop);
            return;
        }
        String lastOffset = auth.path("offset").isTextual() ? auth.get("offset").textValue() : null;
        Identity who = identity;
        recovery.recover(
                        pid,
                        lastOffset,
                        identity,
                        link(head),
                        (socketId, key) -> newSession(head, who, socketId, key, loop))
                .whenComplete((recovered, failure) -> {
                    if (failure != null || recovered.isEmpty()) {
                        if (failure != null) {
                            log.warn(
                                    "Recovery for engine session {} failed: {}",
                                    head.getSessionId(),
                                    failure.toString());
                        }
                        loop.execute(() -> connectNew(head, who, loop));
                        return;
                    }
                    Session session = recovered.get().session();
                    // the CONNECT answer, then what it missed, from the session's loop (a session recovered on this
                    // node keeps the loop it had)
                    session.onLoop(() -> recovered(head, recovered.get()));
                });
    }

    private void recovered(ClientHead head, Recovery.Recovered recovered) {
        Session session = recovered.session();
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
        recovered.finish().run();
    }

    /** A new session for an authenticated CONNECT. */
    private void connectNew(ClientHead head, Identity identity, EventExecutor loop) {
        Session session = newSession(head, identity, newSocketId(), recovery.enabled() ? newSocketId() : null, loop);
        sessions.add(session);
        byEngineSession.put(head.getSessionId(), session);
        engineBySocket.put(session.socketId(), head.getSessionId());
        if (!head.isConnected()) {
            // the transport closed while we were authenticating
            closeSession(head.getSessionId(), false);
            return;
        }
        log.info(
                "Socket {} connected ({}, engine session {})",
                session.socketId(),
                identity.guest() ? "guest" : "user " + identity.userId(),
                head.getSessionId());
        sendConnected(head, session);
    }

    private SocketIoLink link(ClientHead head) {
        return new SocketIoLink(head, flusher, metrics, () -> websockets.get(head.getSessionId()));
    }

    private Session newSession(
            ClientHead head, Identity identity, String socketId, String recoveryKey, EventExecutor loop) {
        NodeConfig.Limits configured = config.limits();
        EngineLimits engineLimits = limits.computeIfAbsent(head.getSessionId(), id -> new EngineLimits(configured));
        return new Session(
                socketId,
                recoveryKey,
                identity,
                link(head),
                engineLimits.bucket,
                new TokenBucket(configured.chatPerSecond(), configured.chatBurst()),
                engineLimits.flood,
                loop);
    }

    private void sendConnected(ClientHead head, Session session) {
        Packet connected = SocketIoLink.message(PacketType.CONNECT);
        String pid = session.privateId();
        connected.setData(
                pid == null ? Map.of("sid", session.socketId()) : Map.of("sid", session.socketId(), "pid", pid));
        head.send(connected);
        flusher.afterSend(head);
    }

    private static String newSocketId() {
        byte[] bytes = new byte[15];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** A Socket.IO DISCONNECT: the client leaves, its session ends (not kept for recovery). */
    void disconnect(ClientHead head) {
        closeSession(head.getSessionId(), false);
    }

    /** The engine connection is gone (closed, timed out, or disconnected by us). */
    void engineClosed(UUID engineSessionId) {
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
        session.onLoop(() -> ended(session, transportLost));
    }

    /** On the session's loop: keeps it for recovery, or ends it after its events in flight. */
    private void ended(Session session, boolean transportLost) {
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
}
