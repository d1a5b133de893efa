package io.meetsignal.node.edge;

import io.meetsignal.node.ops.Admission;
import io.meetsignal.node.ops.Metrics;
import io.meetsignal.node.protocol.ErrorCode;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Refuses new Engine.IO handshakes with {@code UNAVAILABLE} (HTTP 503, or 429 when overloaded) while the
 * node is draining, overloaded or short of memory ({@link Admission}), before any upgrade, token check or session is paid for. {@code socket.io-client} treats
 * that as a transport error and retries with its reconnection backoff, which the load balancer may send
 * to another node. Requests of existing sessions (with {@code sid}) always pass.
 */
@Sharable
final class HandshakeGate extends ChannelInboundHandlerAdapter {

    private final BooleanSupplier accepting;
    private final Supplier<Admission.Refusal> admit;
    private final Metrics metrics;
    private final String path;

    /**
     * {@code admit} is asked once per new handshake while accepting, and may count it; it answers null
     * or why the handshake is refused.
     */
    HandshakeGate(BooleanSupplier accepting, Supplier<Admission.Refusal> admit, Metrics metrics, String path) {
        this.accepting = accepting;
        this.admit = admit;
        this.metrics = metrics;
        this.path = path;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof FullHttpRequest request && request.uri().startsWith(path)) {
            QueryStringDecoder query = new QueryStringDecoder(request.uri());
            if (query.path().startsWith(path) && !query.parameters().containsKey("sid")) {
                String refusal = refusal();
                if (refusal != null) {
                    boolean keepAlive = HttpUtil.isKeepAlive(request);
                    request.release();
                    metrics.handshakeRefused(refusal);
                    HttpResponses.write(ctx, refusalResponse(refusal), keepAlive);
                    return;
                }
            }
        }
        ctx.fireChannelRead(msg);
    }

    /**
     * Draining and a full heap are this node's own state, so another node should be asked: 503, which
     * load balancers retry elsewhere. Overload is 429 with {@code Retry-After}: the client backs off and a
     * load balancer does not multiply the refused requests when every node is busy (measured: with 503
     * retried three times, a join storm seated half as many clients).
     */
    private static FullHttpResponse refusalResponse(String refusal) {
        if (refusal.equals("overloaded")) {
            FullHttpResponse response = HttpResponses.error(HttpResponseStatus.TOO_MANY_REQUESTS,
                    ErrorCode.UNAVAILABLE, "This server is overloaded, try again shortly");
            response.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
            return response;
        }
        return HttpResponses.error(HttpResponseStatus.SERVICE_UNAVAILABLE, ErrorCode.UNAVAILABLE,
                refusal.equals("draining") ? "This server is draining, connect to another one"
                        : "This server is full, connect to another one");
    }

    private String refusal() {
        if (!accepting.getAsBoolean()) {
            return "draining";
        }
        Admission.Refusal refused = admit.get();
        return refused == null ? null : refused.tag();
    }
}
