package io.meetsignal.node.edge;

import io.meetsignal.node.ops.Metrics;
import io.meetsignal.node.protocol.ErrorCode;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP request of a connection at a time, so that responses leave in request order even when one is
 * answered later from another thread (REST on Redis, a long poll) (PROTOCOL.md §7). A request is passed on
 * only once the response to the one before has been written to its end; pipelined requests wait here (at most
 * {@link #MAX_QUEUED}; beyond that the connection is not read until they are served). A request that
 * {@link HttpFraming} marked failed is answered 400 (or 413) in its turn, never executed, and its connection
 * closed. After a websocket upgrade everything passes.
 */
final class HttpOrder extends ChannelDuplexHandler {

    static final int MAX_QUEUED = 16;
    /** How long a refused connection is still read (and discarded) after its answer, so that it is not reset. */
    private static final long LINGER_MILLIS = 2_000;

    private final Metrics metrics;
    private final ArrayDeque<FullHttpRequest> queued = new ArrayDeque<>();
    private boolean inFlight;
    private boolean upgraded;
    private boolean closing;

    HttpOrder(Metrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (upgraded || !(msg instanceof FullHttpRequest request)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (closing) {
            request.release();
            return;
        }
        queued.add(request);
        if (queued.size() >= MAX_QUEUED) {
            ctx.channel().config().setAutoRead(false);
        }
        next(ctx);
    }

    private void next(ChannelHandlerContext ctx) {
        while (!inFlight && !closing && !upgraded && !queued.isEmpty()) {
            FullHttpRequest request = queued.poll();
            if (queued.size() < MAX_QUEUED / 2 && !ctx.channel().config().isAutoRead()) {
                ctx.channel().config().setAutoRead(true);
            }
            if (request.decoderResult().isFailure()) {
                refuse(ctx, request);
                return;
            }
            inFlight = true;
            ctx.fireChannelRead(request);
        }
    }

    private void refuse(ChannelHandlerContext ctx, FullHttpRequest request) {
        closing = true;
        Throwable cause = request.decoderResult().cause();
        String origin = request.headers().get(HttpHeaderNames.ORIGIN);
        request.release();
        releaseQueued();
        HttpFraming.Refused refused = cause instanceof HttpFraming.Refused r
                ? r
                : new HttpFraming.Refused("decoder", HttpResponseStatus.BAD_REQUEST, "Malformed HTTP request");
        metrics.httpRequestDropped(refused.reason);
        FullHttpResponse response =
                HttpResponses.error(refused.status, ErrorCode.INVALID_PAYLOAD, refused.getMessage());
        OriginPolicy.corsHeaders(response.headers(), origin);
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        Channel channel = ctx.channel();
        ctx.writeAndFlush(response).addListener(written -> {
            // half-close: the client reads the whole answer instead of a reset while it is still sending
            if (written.isSuccess() && channel instanceof DuplexChannel duplex) {
                duplex.shutdownOutput();
                channel.eventLoop().schedule(() -> channel.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
            } else {
                channel.close();
            }
        });
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        boolean ends = !upgraded && msg instanceof LastHttpContent;
        if (!upgraded
                && msg instanceof HttpResponse response
                && response.status().code() == HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
            upgraded = true;
            releaseQueued();
        }
        ctx.write(msg, promise);
        if (ends && inFlight) {
            inFlight = false;
            ctx.executor().execute(() -> next(ctx));
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        releaseQueued();
        ctx.fireChannelInactive();
    }

    private void releaseQueued() {
        FullHttpRequest request;
        while ((request = queued.poll()) != null) {
            request.release();
        }
    }
}
