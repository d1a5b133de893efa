package io.meetsignal.node.edge;

import io.meetsignal.node.protocol.ErrorCode;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;

/**
 * The origin allow-list ({@code CORS_ORIGINS}) for everything on the public port. A request without an
 * {@code Origin} header (not a browser) passes; any other origin must be listed, or {@code *} must be set
 * explicitly. The request's {@code Host} is never trusted: a page on a domain rebound to this node's address
 * would otherwise pass as "same origin". Without {@code CORS_ORIGINS}, the allowed origins are the loopback
 * origins of the port the request came in on ({@code http://localhost:<port>}, {@code http://127.0.0.1:<port>},
 * {@code http://[::1]:<port>}), so a developer can open {@code /demo} on the node itself. Refused requests get 403
 * before netty-socketio sees them, so its reflection of the request origin only ever reflects an allowed one.
 * Answers CORS preflights.
 */
@Sharable
final class OriginPolicy extends ChannelInboundHandlerAdapter {

    private static final String ALLOWED_METHODS = "GET, POST, PATCH, DELETE, OPTIONS";
    private static final String ALLOWED_HEADERS = "Authorization, Content-Type";

    private final boolean any;
    private final Set<String> allowed;

    private static final List<String> LOOPBACK_HOSTS = List.of("localhost", "127.0.0.1", "[::1]");

    /** {@code origins}: {@code CORS_ORIGINS}; empty when it is not set (then the loopback default applies). */
    OriginPolicy(List<String> origins) {
        this.any = origins.contains("*");
        this.allowed = Set.copyOf(origins);
    }

    /** Whether a request with this {@code Origin} header (null: none), received on {@code localPort}, may pass. */
    boolean allows(String origin, int localPort) {
        if (origin == null || any) {
            return true;
        }
        if (!allowed.isEmpty()) {
            return allowed.contains(origin);
        }
        for (String host : LOOPBACK_HOSTS) {
            if (origin.equals("http://" + host + ":" + localPort)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (!(msg instanceof FullHttpRequest request)) {
            ctx.fireChannelRead(msg);
            return;
        }
        String origin = request.headers().get(HttpHeaderNames.ORIGIN);
        int localPort = ctx.channel().localAddress() instanceof InetSocketAddress local ? local.getPort() : -1;
        if (!allows(origin, localPort)) {
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            request.release();
            HttpResponses.write(
                    ctx,
                    HttpResponses.error(HttpResponseStatus.FORBIDDEN, ErrorCode.FORBIDDEN, "Origin not allowed"),
                    keepAlive);
            return;
        }
        if (origin != null
                && HttpMethod.OPTIONS.equals(request.method())
                && request.headers().contains(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD)) {
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            request.release();
            FullHttpResponse response = HttpResponses.json(HttpResponseStatus.NO_CONTENT, null);
            corsHeaders(response.headers(), origin);
            response.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, ALLOWED_METHODS);
            response.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, ALLOWED_HEADERS);
            response.headers().set(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, "600");
            HttpResponses.write(ctx, response, keepAlive);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    static void corsHeaders(HttpHeaders headers, String origin) {
        if (origin != null) {
            headers.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            headers.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
            headers.add(HttpHeaderNames.VARY, HttpHeaderNames.ORIGIN);
        }
    }
}
