package io.meetsignal.node.edge;

import com.corundumstudio.socketio.Configuration;
import com.corundumstudio.socketio.SocketIOChannelInitializer;
import com.corundumstudio.socketio.handler.ClientHead;
import com.corundumstudio.socketio.handler.EncoderHandler;
import io.meetsignal.node.ops.LoopLag;
import io.meetsignal.node.ops.Metrics;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandler;
import io.netty.channel.ChannelPipeline;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * netty-socketio's pipeline with our handlers (and its encoder with a queue-safe packet encoder): the origin policy, the handshake gate and the REST API right after the HTTP
 * codec, the polling flusher in front of the polling transport, and our packet handler in place of the
 * library's (which it keeps for Engine.IO control packets).
 */
final class MeetingChannelInitializer extends SocketIOChannelInitializer {

    static final String ORIGIN_POLICY = "originPolicy";
    static final String REST_API = "restApi";
    static final String POLLING_FLUSHER = "pollingFlusher";
    static final String HANDSHAKE_GATE = "handshakeGate";
    static final String DEMO_PAGE = "demoPage";
    static final String SLOW_CONSUMER_GUARD = "slowConsumerGuard";
    static final String ENGINE_SESSION_CHECK = "engineSessionCheck";
    static final String HTTP_FRAMING = "httpFraming";
    static final String HTTP_ORDER = "httpOrder";

    private final OriginPolicy originPolicy;
    private final RestApi restApi;
    private final PollingFlusher flusher;
    private final MeetingPacketHandler packets;
    private final HandshakeGate handshakeGate;
    private final LoopLag loopLag;
    private final Metrics metrics;
    private final DemoPage demoPage = new DemoPage();

    private final EncoderHandler encoder;
    private final EngineSessionCheck sessionCheck;

    MeetingChannelInitializer(
            OriginPolicy originPolicy,
            RestApi restApi,
            PollingFlusher flusher,
            MeetingPacketHandler packets,
            HandshakeGate handshakeGate,
            EngineSessionCheck sessionCheck,
            LoopLag loopLag,
            Metrics metrics,
            Configuration configuration) {
        this.metrics = metrics;
        this.sessionCheck = sessionCheck;
        try {
            this.encoder = new EncoderHandler(
                    configuration, new QueueSafePacketEncoder(configuration, configuration.getJsonSupport()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.handshakeGate = handshakeGate;
        this.loopLag = loopLag;
        this.originPolicy = originPolicy;
        this.restApi = restApi;
        this.flusher = flusher;
        this.packets = packets;
    }

    @Override
    protected void initChannel(Channel ch) throws Exception {
        loopLag.watch(ch.eventLoop());
        super.initChannel(ch);
        SlowConsumerGuard.bound(ch);
        ch.pipeline().addFirst(SLOW_CONSUMER_GUARD, new SlowConsumerGuard(metrics));
    }

    /** Every engine session that closes, whatever closed it (also those that never sent CONNECT). */
    @Override
    public void onDisconnect(ClientHead client) {
        super.onDisconnect(client);
        handshakeGate.closed(client.getSessionId());
    }

    @Override
    protected void addSocketioHandlers(ChannelPipeline pipeline) {
        super.addSocketioHandlers(pipeline);
        pipeline.addAfter(HTTP_REQUEST_DECODER, HTTP_FRAMING, new HttpFraming(RestApi.PREFIX, RestApi.MAX_BODY_BYTES));
        pipeline.addAfter(HTTP_ENCODER, HTTP_ORDER, new HttpOrder(metrics));
        pipeline.addAfter(HTTP_ORDER, ORIGIN_POLICY, originPolicy);
        pipeline.addAfter(ORIGIN_POLICY, HANDSHAKE_GATE, handshakeGate);
        pipeline.addAfter(HANDSHAKE_GATE, ENGINE_SESSION_CHECK, sessionCheck);
        pipeline.addAfter(ENGINE_SESSION_CHECK, REST_API, restApi);
        pipeline.addAfter(REST_API, DEMO_PAGE, demoPage);
        pipeline.addBefore(XHR_POLLING_TRANSPORT, POLLING_FLUSHER, flusher);
        pipeline.replace(SOCKETIO_ENCODER, SOCKETIO_ENCODER, encoder);
        packets.engine((ChannelInboundHandler) pipeline.get(PACKET_HANDLER));
        pipeline.replace(PACKET_HANDLER, PACKET_HANDLER, packets);
    }
}
