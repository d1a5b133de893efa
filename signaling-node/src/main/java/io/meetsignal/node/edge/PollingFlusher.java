package io.meetsignal.node.edge;

import com.corundumstudio.socketio.Transport;
import com.corundumstudio.socketio.handler.ClientHead;
import com.corundumstudio.socketio.handler.EncoderHandler;
import com.corundumstudio.socketio.messages.OutPacketMessage;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Makes sure that a packet queued for a polling client is written to its pending poll.
 *
 * <p>netty-socketio queues a packet and writes it only if, at that moment, the sending thread sees a
 * pending poll; the poll's own thread checks the queue once when the GET arrives. When both happen
 * at once, each can miss the other and the packet waits for the next ping (25 s). This is what stalls
 * the polling→websocket upgrade: the NOOP that should end the last poll is stranded, so the client never
 * pauses polling and never sends UPGRADE. We remember each client's latest poll channel and, after
 * every send, re-check the queue on that channel's own event loop, where the bind happened.
 */
@Sharable
final class PollingFlusher extends ChannelInboundHandlerAdapter {

    private static final long PROBE_NUDGE_MILLIS = 50;
    private static final int PROBE_NUDGES = 100;
    private static final long[] UPGRADE_CHECKS_MILLIS = {10, 50, 250, 1000};
    private static final long DELIVERY_CHECK_MILLIS = 20;
    private static final int DELIVERY_CHECKS = 250;
    /** The Engine.IO close packet, the answer to a poll whose session has ended. */
    private static final String ENGINE_CLOSE_PACKET = "1";

    /** The latest poll channel of each live engine session (only sessions this node issued, see {@link #sessions}). */
    private final Map<UUID, Channel> polls = new ConcurrentHashMap<>();

    private final EngineSessionCheck sessions;

    PollingFlusher(EngineSessionCheck sessions) {
        this.sessions = sessions;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof FullHttpRequest request && HttpMethod.GET.equals(request.method())) {
            QueryStringDecoder query = new QueryStringDecoder(request.uri());
            List<String> transport = query.parameters().get("transport");
            List<String> sid = query.parameters().get("sid");
            if (transport != null && "polling".equals(transport.get(0)) && sid != null) {
                UUID id = UUID.fromString(sid.get(0)); // checked by EngineSessionCheck, which sits in front
                if (sessions.isLive(id)) {
                    polls.put(id, ctx.channel());
                    if (!sessions.isLive(id)) {
                        // the session ended meanwhile: its forget() may have run before the put
                        forget(id);
                    }
                }
            }
        }
        ctx.fireChannelRead(msg);
    }

    int tracked() {
        return polls.size();
    }

    /** Re-checks the client's polling queue after a send, on its poll's event loop. */
    void afterSend(ClientHead head) {
        if (head.getCurrentTransport() != Transport.POLLING) {
            return;
        }
        Channel poll = polls.get(head.getSessionId());
        if (poll != null && poll.isActive()) {
            poll.eventLoop().execute(() -> flush(head, poll));
        }
    }

    private static void flush(ClientHead head, Channel poll) {
        if (head.isTransportChannel(poll, Transport.POLLING)
                && !head.getPacketsQueue(Transport.POLLING).isEmpty()) {
            poll.writeAndFlush(new OutPacketMessage(head, Transport.POLLING));
        }
    }

    /**
     * After an upgrade probe, keeps checking until the client has switched to websocket, so that the
     * NOOP answering the probe always reaches the pending poll.
     */
    void afterProbe(ClientHead head, Channel websocket) {
        nudge(head, websocket, PROBE_NUDGES);
    }

    private void nudge(ClientHead head, Channel websocket, int remaining) {
        if (remaining <= 0 || !head.isConnected() || head.getCurrentTransport() != Transport.POLLING) {
            return;
        }
        afterSend(head);
        websocket
                .eventLoop()
                .schedule(() -> nudge(head, websocket, remaining - 1), PROBE_NUDGE_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * After the client's UPGRADE: netty-socketio hands the polling queue to the websocket, flushes it, and only
     * then switches the client's current transport, so a packet sent from another thread in between lands in
     * the shared queue and waits for the next websocket write (a ping, 25 s later). A few checks of that queue
     * on the websocket's event loop right after the upgrade flush such a packet.
     */
    void afterUpgrade(ClientHead head, Channel websocket) {
        for (long delay : UPGRADE_CHECKS_MILLIS) {
            websocket
                    .eventLoop()
                    .schedule(
                            () -> {
                                if (websocket.isActive()
                                        && !head.getPacketsQueue(Transport.WEBSOCKET)
                                                .isEmpty()) {
                                    websocket.writeAndFlush(new OutPacketMessage(head, Transport.WEBSOCKET));
                                }
                            },
                            delay,
                            TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Ends the engine session once what is queued for it (the {@code connect_error} of a refused CONNECT) has been
     * handed to its transport, or after {@link #DELIVERY_CHECKS} checks at the latest (a polling client that stopped
     * polling). A websocket gets a close frame after that packet and is closed once both are written.
     */
    void closeWhenDelivered(ClientHead head, Channel websocket) {
        closeWhenDelivered(head, websocket, DELIVERY_CHECKS);
    }

    private void closeWhenDelivered(ClientHead head, Channel websocket, int remaining) {
        if (!head.isConnected()) {
            return;
        }
        Transport transport = head.getCurrentTransport();
        if (remaining > 0 && !head.getPacketsQueue(transport).isEmpty()) {
            EventExecutor executor = websocket != null ? websocket.eventLoop() : GlobalEventExecutor.INSTANCE;
            executor.schedule(
                    () -> closeWhenDelivered(head, websocket, remaining - 1),
                    DELIVERY_CHECK_MILLIS,
                    TimeUnit.MILLISECONDS);
            return;
        }
        if (transport == Transport.WEBSOCKET && websocket != null && websocket.isActive()) {
            websocket
                    .writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE))
                    .addListener(written -> {
                        head.onChannelDisconnect();
                        websocket.close();
                    });
        } else {
            head.onChannelDisconnect();
        }
    }

    /**
     * The engine session is gone (the client's Engine.IO close, a refused CONNECT, a server-side disconnect, a
     * timeout): a long-poll GET still pending on it is answered at once with the Engine.IO close packet, and its
     * connection is closed, so that nothing is held for a session that no longer exists (PROTOCOL.md §8).
     */
    void forget(UUID engineSessionId) {
        sessions.forget(engineSessionId);
        Channel poll = polls.remove(engineSessionId);
        if (poll != null && poll.isActive()) {
            poll.eventLoop().execute(() -> answerClosed(poll));
        }
    }

    private static void answerClosed(Channel poll) {
        // the library writes one response per poll channel and marks it so; a channel not yet marked is still pending
        if (!poll.isActive() || !poll.attr(EncoderHandler.WRITE_ONCE).compareAndSet(null, true)) {
            return;
        }
        FullHttpResponse response = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1,
                HttpResponseStatus.OK,
                Unpooled.copiedBuffer(ENGINE_CLOSE_PACKET, StandardCharsets.US_ASCII));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=UTF-8");
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        HttpUtil.setContentLength(response, response.content().readableBytes());
        OriginPolicy.corsHeaders(
                response.headers(), poll.attr(EncoderHandler.ORIGIN).get());
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        poll.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
}
