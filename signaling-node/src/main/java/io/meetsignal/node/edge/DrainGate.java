package io.meetsignal.node.edge;

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
 * Refuses new Engine.IO handshakes with 503 while the node is not accepting (draining), so that a client
 * retries with its normal reconnection and the load balancer sends it elsewhere. Existing sessions pass.
 */
@Sharable
final class DrainGate extends ChannelInboundHandlerAdapter {

    private final BooleanSupplier accepting;
    private final String path;

    DrainGate(BooleanSupplier accepting, String path) {
        this.accepting = accepting;
        this.path = path;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof FullHttpRequest request && !accepting.getAsBoolean()) {
            QueryStringDecoder query = new QueryStringDecoder(request.uri());
            if (query.path().startsWith(path) && !query.parameters().containsKey("sid")) {
                boolean keepAlive = HttpUtil.isKeepAlive(request);
                request.release();
                HttpResponses.write(ctx, HttpResponses.error(HttpResponseStatus.SERVICE_UNAVAILABLE,
                        ErrorCode.UNAVAILABLE, "This server is draining, connect to another one"), keepAlive);
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }
}
