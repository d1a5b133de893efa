package io.meetsignal.node.edge;

import com.corundumstudio.socketio.handler.ClientHead;
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
 * later, at the Socket.IO CONNECT ({@link Handshake}), where the client sees the protocol's
 * {@code connect_error} {@code UNAVAILABLE} (§2, §7).
 *
 * <p>It also holds every client address to {@code MAX_CONNECTIONS_PER_IP} open engine sessions (§7): a handshake
 * beyond that is answered 429 {@code RATE_LIMITED} (the client retries with its reconnection back-off), before
 * the engine creates anything for it. Refusing here rather than at CONNECT keeps a flood of handshakes from one
 * address from costing even an engine session each. The session the engine then opens is counted against its
 * address until it closes ({@link #closed}).
 */
@Sharable
final class HandshakeGate extends ChannelInboundHandlerAdapter {

    private final BooleanSupplier accepting;
    private final Metrics metrics;
    private final String path;
    private final AddressLimit perAddress;

    HandshakeGate(BooleanSupplier accepting, Metrics metrics, String path, AddressLimit perAddress) {
        this.accepting = accepting;
        this.metrics = metrics;
        this.path = path;
        this.perAddress = perAddress;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (!(msg instanceof FullHttpRequest request)) {
            ctx.fireChannelRead(msg);
            return;
        }
        boolean accept = accepting.getAsBoolean();
        if (accept && !perAddress.enabled()) {
            ctx.fireChannelRead(msg);
            return;
        }
        QueryStringDecoder query = new QueryStringDecoder(request.uri());
        if (!query.path().startsWith(path) || query.parameters().containsKey("sid")) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (!accept) {
            refuse(
                    ctx,
                    request,
                    "draining",
                    HttpResponseStatus.SERVICE_UNAVAILABLE,
                    ErrorCode.UNAVAILABLE,
                    "This server is draining, connect to another one");
            return;
        }
        String address = perAddress.address(ctx.channel().remoteAddress(), request.headers());
        if (!perAddress.mayOpen(address)) {
            refuse(
                    ctx,
                    request,
                    "per-ip",
                    HttpResponseStatus.TOO_MANY_REQUESTS,
                    ErrorCode.RATE_LIMITED,
                    "Too many connections from your address");
            return;
        }
        ClientHead before = ctx.channel().attr(ClientHead.CLIENT).get();
        // the engine's handshake runs within this call and leaves its new session on the channel
        ctx.fireChannelRead(msg);
        ClientHead after = ctx.channel().attr(ClientHead.CLIENT).get();
        if (after != null && after != before) {
            perAddress.opened(after.getSessionId(), address);
        }
    }

    /** Engine session {@code engineId} closed: its address may open another. */
    void closed(java.util.UUID engineId) {
        perAddress.closed(engineId);
    }

    private void refuse(
            ChannelHandlerContext ctx,
            FullHttpRequest request,
            String reason,
            HttpResponseStatus status,
            ErrorCode code,
            String message) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        request.release();
        metrics.handshakeRefused(reason);
        HttpResponses.write(ctx, HttpResponses.error(status, code, message), keepAlive);
    }
}
