package io.meetsignal.node.edge;

import com.corundumstudio.socketio.handler.ClientHead;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.AttributeKey;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Answers Engine.IO requests that no session can serve before netty-socketio sees them (PROTOCOL.md §8), as the
 * reference server does: an unsupported {@code EIO} version is {@code 400 {"code":5}}, a {@code sid} that names no
 * live engine session (never issued, expired, closed, or not even a session id) is {@code 400 {"code":1}}, for
 * polling and for websocket upgrades alike. The library would otherwise log an error and answer a bare 500, hang
 * (a sid that is not a UUID), or upgrade the websocket first.
 *
 * <p>The live sessions are the ones this node issued: a session id is added when its handshake answer is written
 * (the library has then attached the session to the channel) and removed when the session ends, so the set holds
 * exactly the node's engine sessions and nothing a stranger sends adds to it.
 */
@Sharable
final class EngineSessionCheck extends ChannelDuplexHandler {

    static final String SUPPORTED_EIO = "4";
    private static final AttributeKey<Boolean> SEEN = AttributeKey.valueOf(EngineSessionCheck.class, "seen");

    private final String prefix;
    /**
     * The node's engine sessions. A session counts as live only while the library has not begun to close it
     * ({@link ClientHead#isConnected()} turns false first thing in its close): between that and our {@link #forget}
     * the library already refuses the session's requests with a bare 500.
     */
    private final Map<UUID, ClientHead> live = new ConcurrentHashMap<>();

    EngineSessionCheck(String path) {
        this.prefix = path + "/";
    }

    boolean isLive(UUID engineSessionId) {
        if (engineSessionId == null) {
            return false;
        }
        ClientHead head = live.get(engineSessionId);
        return head != null && head.isConnected();
    }

    void forget(UUID engineSessionId) {
        live.remove(engineSessionId);
    }

    int size() {
        return live.size();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof FullHttpRequest request) {
            QueryStringDecoder query = new QueryStringDecoder(request.uri());
            if (query.path().startsWith(prefix)) {
                Map<String, List<String>> parameters = query.parameters();
                List<String> eio = parameters.get("EIO");
                if (eio == null || eio.size() != 1 || !SUPPORTED_EIO.equals(eio.get(0))) {
                    refuse(ctx, request, 5, "Unsupported protocol version");
                    return;
                }
                List<String> sid = parameters.get("sid");
                if (sid != null && (sid.size() != 1 || !isLive(parse(sid.get(0))))) {
                    refuse(ctx, request, 1, "Session ID unknown");
                    return;
                }
            }
        }
        ctx.fireChannelRead(msg);
    }

    /** The first write on a channel whose handshake the library accepted registers that session. */
    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (!ctx.channel().hasAttr(SEEN)) {
            ClientHead head = ctx.channel().attr(ClientHead.CLIENT).get();
            if (head != null) {
                ctx.channel().attr(SEEN).set(Boolean.TRUE);
                if (head.isConnected()) {
                    live.put(head.getSessionId(), head);
                }
            }
        }
        ctx.write(msg, promise);
    }

    private static UUID parse(String sid) {
        try {
            UUID id = UUID.fromString(sid);
            return sid.length() == 36 ? id : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Engine.IO's own error body: {@code { code, message }} with a numeric code. */
    private record EngineError(int code, String message) {}

    private static void refuse(ChannelHandlerContext ctx, FullHttpRequest request, int code, String message) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        String origin = request.headers().get(HttpHeaderNames.ORIGIN);
        request.release();
        FullHttpResponse response = HttpResponses.json(HttpResponseStatus.BAD_REQUEST, new EngineError(code, message));
        OriginPolicy.corsHeaders(response.headers(), origin);
        HttpResponses.write(ctx, response, keepAlive);
    }
}
