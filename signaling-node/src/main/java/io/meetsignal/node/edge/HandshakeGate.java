package io.meetsignal.node.edge;

import io.meetsignal.node.ops.Metrics;
import io.meetsignal.node.protocol.ErrorCode;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.function.BooleanSupplier;

/**
 * Refuses new Engine.IO handshakes with 503 {@code UNAVAILABLE} while the node is draining, before any
 * upgrade, token check or session is paid for. {@code socket.io-client} treats that as a transport error
 * and reconnects by itself, and the load balancer retries or sends it to another node (PROTOCOL.md §8).
 * Requests of existing sessions (with {@code sid}) always pass. Overload and a full heap are refused
 * later, at the Socket.IO CONNECT ({@link MeetingPacketHandler}), where the client sees the protocol's
 * {@code connect_error} {@code UNAVAILABLE} (§2, §7).
 */
@Sharable
final class HandshakeGate extends ChannelInboundHandlerAdapter {

    private final BooleanSupplier accepting;
    private final Metrics metrics;
    private final String path;

    HandshakeGate(BooleanSupplier accepting, Metrics metrics, String path) {
        this.accepting = accepting;
        this.metrics = metrics;
        this.path = path;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof FullHttpRequest request && !accepting.getAsBoolean()) {
            QueryStringDecoder query = new QueryStringDecoder(request.uri());
            if (query.path().startsWith(path) && !query.parameters().containsKey("sid")) {
                boolean keepAlive = HttpUtil.isKeepAlive(request);
                request.release();
                metrics.handshakeRefused("draining");
                HttpResponses.write(ctx, HttpResponses.error(HttpResponseStatus.SERVICE_UNAVAILABLE,
                        ErrorCode.UNAVAILABLE, "This server is draining, connect to another one"), keepAlive);
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }
}
