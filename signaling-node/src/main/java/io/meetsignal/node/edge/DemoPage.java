package io.meetsignal.node.edge;

import io.meetsignal.node.protocol.ErrorCode;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Serves the demo meeting page ({@code /demo}) from the classpath folder {@code demo/}, on the same port as
 * Socket.IO and the REST API so that a browser needs one origin.
 */
@Sharable
final class DemoPage extends ChannelInboundHandlerAdapter {

    static final String PATH = "/demo";
    private static final String ROOT = "demo/";
    private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*");
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "svg", "image/svg+xml",
            "png", "image/png",
            "map", "application/json");

    /** The files found so far; a name that is not a file is looked up again each time, never remembered. */
    /**
     * Scripts, styles, connections (Socket.IO and REST, websocket included: CSP 3 {@code 'self'} covers ws/wss of
     * the same host) only from the page's own origin; no plugins, no framing, no base or form targets elsewhere.
     * Inline style attributes are allowed (the icon sprite uses one); inline scripts are not.
     */
    static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
            + "style-src-attr 'unsafe-inline'; img-src 'self' data:; media-src 'self' blob:; connect-src 'self'; "
            + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private final Map<String, byte[]> cache = new ConcurrentHashMap<>();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (!(msg instanceof FullHttpRequest request)) {
            ctx.fireChannelRead(msg);
            return;
        }
        String path = new QueryStringDecoder(request.uri()).path();
        if (!path.equals(PATH) && !path.startsWith(PATH + "/")) {
            ctx.fireChannelRead(msg);
            return;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        boolean get = HttpMethod.GET.equals(request.method()) || HttpMethod.HEAD.equals(request.method());
        request.release();
        String name = path.length() <= PATH.length() + 1 ? "index.html" : path.substring(PATH.length() + 1);
        Optional<byte[]> body =
                get && SAFE_NAME.matcher(name).matches() && !name.contains("..") ? file(name) : Optional.empty();
        if (body.isEmpty()) {
            FullHttpResponse missing =
                    HttpResponses.error(HttpResponseStatus.NOT_FOUND, ErrorCode.INVALID_PAYLOAD, "No such file");
            securityHeaders(missing);
            HttpResponses.write(ctx, missing, keepAlive);
            return;
        }
        FullHttpResponse response = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(body.get()));
        String extension = name.substring(name.lastIndexOf('.') + 1);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, TYPES.getOrDefault(extension, "application/octet-stream"));
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
        securityHeaders(response);
        HttpUtil.setContentLength(response, body.get().length);
        HttpResponses.write(ctx, response, keepAlive);
    }

    private static void securityHeaders(FullHttpResponse response) {
        response.headers().set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        response.headers().set("X-Frame-Options", "DENY");
        response.headers().set("Referrer-Policy", "no-referrer");
        response.headers().set("X-Content-Type-Options", "nosniff");
    }

    private Optional<byte[]> file(String name) {
        byte[] cached = cache.get(name);
        if (cached != null) {
            return Optional.of(cached);
        }
        Optional<byte[]> loaded = load(name);
        loaded.ifPresent(bytes -> cache.putIfAbsent(name, bytes));
        return loaded;
    }

    private static Optional<byte[]> load(String name) {
        try (InputStream in = DemoPage.class.getClassLoader().getResourceAsStream(ROOT + name)) {
            return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
