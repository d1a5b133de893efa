package io.meetsignal.node.edge;

import io.meetsignal.node.protocol.ErrorCode;
import io.meetsignal.node.protocol.Json;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/** Writing plain HTTP responses from handlers that sit before netty-socketio's own encoder. */
final class HttpResponses {

    private HttpResponses() {}

    static FullHttpResponse json(HttpResponseStatus status, Object body) {
        byte[] bytes = body == null ? new byte[0] : Json.write(body).getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response =
                new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
        if (body != null) {
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        }
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        HttpUtil.setContentLength(response, bytes.length);
        return response;
    }

    static FullHttpResponse error(HttpResponseStatus status, ErrorCode code, String message) {
        return json(status, new ErrorBody(new ErrorDetail(code, message)));
    }

    /** A refused HTTP request: {@code { error: { code, message } }}. */
    private record ErrorBody(ErrorDetail error) {}

    private record ErrorDetail(ErrorCode code, String message) {}

    /** Writes from the tail of the pipeline (through the HTTP encoder) and keeps the connection if asked. */
    static void write(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive) {
        if (keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.channel().writeAndFlush(response);
        } else {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.channel().writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
