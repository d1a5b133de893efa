package io.meetsignal.node.edge;

import com.corundumstudio.socketio.Configuration;
import com.corundumstudio.socketio.SocketConfig;
import com.corundumstudio.socketio.SocketIOServer;
import com.corundumstudio.socketio.Transport;
import io.meetsignal.node.auth.HandshakeAuthenticator;
import io.meetsignal.node.auth.TokenVerifier;
import io.meetsignal.node.config.NodeConfig;
import io.meetsignal.node.ops.Admission;
import io.meetsignal.node.ops.LoopLag;
import io.meetsignal.node.ops.Metrics;
import io.meetsignal.node.service.Recovery;
import io.meetsignal.node.service.RoomService;
import io.meetsignal.node.service.SignalService;
import io.meetsignal.node.session.SessionRegistry;
import io.netty.channel.ChannelFuture;
import io.netty.channel.epoll.Epoll;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.function.BooleanSupplier;

/** The public port: Socket.IO (netty-socketio, configured safely) and the REST API. */
public final class SignalingServer implements AutoCloseable {

    public static final int PING_INTERVAL_MILLIS = 25_000;
    public static final int PING_TIMEOUT_MILLIS = 20_000;
    public static final int UPGRADE_TIMEOUT_MILLIS = 10_000;
    public static final int FIRST_DATA_TIMEOUT_MILLIS = 10_000;
    static final String SOCKET_IO_PATH = "/socket.io";

    private final SocketIOServer server;
    private final MeetingPacketHandler packets;
    private InetSocketAddress address;

    public SignalingServer(
            NodeConfig config,
            SessionRegistry sessions,
            RoomService rooms,
            Recovery recovery,
            SignalService signals,
            TokenVerifier tokens,
            Metrics metrics,
            BooleanSupplier accepting,
            LoopLag loopLag,
            Admission admission) {
        Configuration cfg = new Configuration();
        cfg.setHostname(config.host());
        cfg.setPort(config.port());
        cfg.setRandomSession(true);
        cfg.setTransports(Transport.WEBSOCKET, Transport.POLLING);
        cfg.setPingInterval(PING_INTERVAL_MILLIS);
        cfg.setPingTimeout(PING_TIMEOUT_MILLIS);
        cfg.setUpgradeTimeout(UPGRADE_TIMEOUT_MILLIS);
        cfg.setFirstDataTimeout(FIRST_DATA_TIMEOUT_MILLIS);
        cfg.setMaxFramePayloadLength(config.limits().maxFrameBytes());
        cfg.setMaxHttpContentLength(config.limits().maxFrameBytes());
        cfg.setWebsocketCompression(false);
        cfg.setHttpCompression(false);
        cfg.setAllowCustomRequests(false);
        cfg.setEnableCors(true);
        cfg.setUseLinuxNativeEpoll(Epoll.isAvailable());
        cfg.setJsonSupport(new RawJsonSupport());
        SocketConfig socket = new SocketConfig();
        socket.setReuseAddress(true);
        socket.setTcpNoDelay(true);
        cfg.setSocketConfig(socket);

        EventRouter router = new EventRouter(
                rooms,
                signals,
                (event, orderedOnReturn, handler) ->
                        HandlerDecorators.standard(metrics, event, orderedOnReturn, handler));
        EngineSessionCheck sessionCheck = new EngineSessionCheck(SOCKET_IO_PATH);
        PollingFlusher flusher = new PollingFlusher(sessionCheck);
        Handshake handshake = new Handshake(
                config,
                new HandshakeAuthenticator(tokens, config.auth().allowGuests()),
                sessions,
                rooms,
                recovery,
                metrics,
                flusher,
                accepting,
                admission::tryAdmit);
        packets = new MeetingPacketHandler(config, handshake, router, metrics, flusher);
        server = new SocketIOServer(cfg);
        HandshakeGate handshakeGate = new HandshakeGate(
                accepting,
                metrics,
                SOCKET_IO_PATH,
                new AddressLimit(
                        config.limits().maxConnectionsPerIp(), config.limits().trustProxy()));
        server.setPipelineFactory(new MeetingChannelInitializer(
                new OriginPolicy(config.corsOrigins()),
                new RestApi(rooms.admin(), tokens),
                flusher,
                packets,
                handshakeGate,
                sessionCheck,
                loopLag,
                metrics,
                cfg));
        server.addDisconnectListener(client -> packets.onEngineClosed(client.getSessionId()));
    }

    /** The events that clients may send (for metric tags). */
    public static Set<String> clientEvents(RoomService rooms, SignalService signals) {
        return new EventRouter(rooms, signals).events();
    }

    /** Binds the port; throws when it cannot. */
    public InetSocketAddress start() {
        ChannelFuture bound = (ChannelFuture) server.startAsync().syncUninterruptibly();
        address = (InetSocketAddress) bound.channel().localAddress();
        return address;
    }

    @Override
    public void close() {
        server.stop();
    }
}
