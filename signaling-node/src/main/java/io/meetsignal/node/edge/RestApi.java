package io.meetsignal.node.edge;

import com.fasterxml.jackson.databind.JsonNode;
import io.meetsignal.cluster.Room;
import io.meetsignal.cluster.RoomCodes;
import io.meetsignal.cluster.RoomSettings;
import io.meetsignal.cluster.SettingsPatch;
import io.meetsignal.node.auth.TokenVerifier;
import io.meetsignal.node.protocol.ErrorCode;
import io.meetsignal.node.protocol.ProtocolException;
import io.meetsignal.node.protocol.Refusals;
import io.meetsignal.node.protocol.Views.ParticipantInfo;
import io.meetsignal.node.protocol.Views.PublicRoomView;
import io.meetsignal.node.protocol.Views.PublicSettings;
import io.meetsignal.node.protocol.Views.RoomView;
import io.meetsignal.node.service.RoomAdmin;
import io.meetsignal.node.session.TokenBucket;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST control plane (PROTOCOL.md §4) under {@code /api/}, on the Socket.IO port. A request takes a token from
 * its address's bucket, is checked for size, and is served by the endpoint its method and path find in the
 * {@link RestRouter} table; the endpoints parse and check the request and go through {@link RoomAdmin}.
 * Every refusal is a {@link ProtocolException} answered with its code's {@link ErrorCode#httpStatus()}; only what is
 * about HTTP itself (no such endpoint: 404, a body too large: 413) is answered here directly.
 */
@Sharable
final class RestApi extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(RestApi.class);
    static final String PREFIX = "/api/";
    static final int MAX_BODY_BYTES = 64 * 1024;
    private static final double REQUESTS_PER_SECOND = 100;
    private static final int REQUEST_BURST = 200;
    private static final int MAX_TRACKED_CLIENTS = 100_000;
    private static final int CODE_ATTEMPTS = 5;

    /** A response: status and JSON body (null for none). */
    record Reply(HttpResponseStatus status, Object body) {}

    private final RoomAdmin admin;
    private final TokenVerifier tokens;
    private final Map<String, TokenBucket> limiters = new ConcurrentHashMap<>();
    private final RestRouter routes;

    RestApi(RoomAdmin admin, TokenVerifier tokens) {
        this.admin = admin;
        this.tokens = tokens;
        this.routes = new RestRouter()
                .add(HttpMethod.POST, "rooms", (request, params) -> create(request))
                .add(HttpMethod.GET, "rooms/code/{code}", (request, params) -> byCode(params.get(0)))
                .add(
                        HttpMethod.GET,
                        "rooms/{id}",
                        (request, params) -> asHost(request, params.get(0)).thenCompose(this::withParticipants))
                .add(HttpMethod.DELETE, "rooms/{id}", (request, params) -> end(request, params.get(0)))
                .add(HttpMethod.PATCH, "rooms/{id}/settings", this::updateSettings);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (!(msg instanceof FullHttpRequest request)
                || !new QueryStringDecoder(request.uri()).path().startsWith(PREFIX)) {
            ctx.fireChannelRead(msg);
            return;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        String origin = request.headers().get(HttpHeaderNames.ORIGIN);
        CompletionStage<FullHttpResponse> response;
        try {
            response = serve(request, ctx.channel().remoteAddress());
        } catch (RuntimeException e) {
            response = CompletableFuture.failedFuture(e);
        } finally {
            request.release();
        }
        response.whenComplete((ok, failure) -> {
            FullHttpResponse written = failure == null ? ok : failed(failure);
            OriginPolicy.corsHeaders(written.headers(), origin);
            HttpResponses.write(ctx, written, keepAlive);
        });
    }

    private CompletionStage<FullHttpResponse> serve(FullHttpRequest request, SocketAddress remote) {
        if (!limiter(remote).tryTake(System.nanoTime())) {
            throw Refusals.tooManyRequests();
        }
        if (request.content().readableBytes() > MAX_BODY_BYTES) {
            return CompletableFuture.completedFuture(HttpResponses.error(
                    HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                    ErrorCode.INVALID_PAYLOAD,
                    "Body larger than " + MAX_BODY_BYTES + " bytes"));
        }
        // split the raw path, then decode each segment: an encoded "/" stays inside its segment
        String[] parts = new QueryStringDecoder(request.uri())
                .rawPath()
                .substring(PREFIX.length())
                .split("/", -1);
        for (int i = 0; i < parts.length; i++) {
            try {
                parts[i] = QueryStringDecoder.decodeComponent(parts[i]);
            } catch (IllegalArgumentException e) {
                throw invalid("Malformed path");
            }
        }
        Optional<RestRouter.Match> route = routes.match(request.method(), parts);
        if (route.isEmpty()) {
            return CompletableFuture.completedFuture(
                    HttpResponses.error(HttpResponseStatus.NOT_FOUND, ErrorCode.INVALID_PAYLOAD, "No such endpoint"));
        }
        return route.get()
                .endpoint()
                .serve(request, route.get().params())
                .thenApply(reply -> HttpResponses.json(reply.status(), reply.body()));
    }

    // ---- endpoints --------------------------------------------------------------------------------

    private CompletionStage<Reply> create(FullHttpRequest request) {
        TokenVerifier.Verified user = authenticated(request);
        JsonNode body = RestBodies.object(request);
        String roomName = RestBodies.roomName(body);
        RoomSettings settings = RoomSettings.DEFAULTS.with(RestBodies.settingsPatch(body));
        return admin.create(user.subject(), roomName, settings, CODE_ATTEMPTS).thenApply(room -> {
            log.info("Room {} ({}) created by user {}", room.id(), room.code(), user.subject());
            return new Reply(HttpResponseStatus.CREATED, RoomView.of(room));
        });
    }

    private CompletionStage<Reply> end(FullHttpRequest request, String id) {
        return asHost(request, id)
                .thenCompose(room -> admin.endRoom(room.id()))
                .thenApply(ended -> new Reply(HttpResponseStatus.NO_CONTENT, null));
    }

    private CompletionStage<Reply> updateSettings(FullHttpRequest request, List<String> params) {
        SettingsPatch patch = RestBodies.settingsPatch(RestBodies.object(request));
        return asHost(request, params.get(0))
                .thenCompose(room -> {
                    RestBodies.validate(room.settings(), patch);
                    return admin.updateSettings(room.id(), patch);
                })
                .thenApply(updated ->
                        new Reply(HttpResponseStatus.OK, RoomView.of(updated.orElseThrow(Refusals::roomEnded))));
    }

    private CompletionStage<Reply> byCode(String rawCode) {
        String key = RoomCodes.normalize(rawCode).orElseThrow(() -> invalid("Invalid room code"));
        return admin.byCode(key).thenCompose(found -> {
            Room room = found.orElseThrow(Refusals::roomNotFound);
            return admin.participants(room.id())
                    .thenApply(participants -> new Reply(
                            HttpResponseStatus.OK,
                            new PublicRoomView(
                                    room.id(),
                                    room.code(),
                                    room.name(),
                                    room.active(),
                                    room.locked(),
                                    participants.size(),
                                    new PublicSettings(room.settings().waitingRoom()))));
        });
    }

    private CompletionStage<Reply> withParticipants(Room room) {
        return admin.participants(room.id())
                .thenApply(participants ->
                        new Reply(HttpResponseStatus.OK, RoomView.of(room, ParticipantInfo.of(participants, room))));
    }

    /** The room {@code id}, when the caller's token proves its host (the host check is {@link RoomAdmin}'s). */
    private CompletionStage<Room> asHost(FullHttpRequest request, String id) {
        TokenVerifier.Verified user = authenticated(request);
        if (!RestBodies.isUuid(id)) {
            throw Refusals.roomNotFound();
        }
        return admin.asHost(id, user.subject()).thenApply(found -> found.orElseThrow(Refusals::roomNotFound));
    }

    // ---- parsing ----------------------------------------------------------------------------------

    /** The caller's verified token; a bad one is refused by the verifier ({@code AUTH_FAILED}). */
    private TokenVerifier.Verified authenticated(FullHttpRequest request) {
        return tokens.bearer(request.headers().get(HttpHeaderNames.AUTHORIZATION))
                .orElseThrow(() -> Refusals.bearerTokenRequired());
    }

    private TokenBucket limiter(SocketAddress remote) {
        String key =
                remote instanceof InetSocketAddress inet ? inet.getAddress().getHostAddress() : String.valueOf(remote);
        if (limiters.size() > MAX_TRACKED_CLIENTS) {
            limiters.clear();
        }
        return limiters.computeIfAbsent(key, k -> new TokenBucket(REQUESTS_PER_SECOND, REQUEST_BURST));
    }

    // ---- errors -----------------------------------------------------------------------------------

    private static ProtocolException invalid(String message) {
        return Refusals.invalid(message);
    }

    /** Any failure as its code's status and body; {@link Replies#refusal} logs what is not expected. */
    private static FullHttpResponse failed(Throwable failure) {
        Replies.Refusal refusal = Replies.refusal(failure, "REST", "request");
        return HttpResponses.error(
                HttpResponseStatus.valueOf(refusal.code().httpStatus()), refusal.code(), refusal.message());
    }
}
