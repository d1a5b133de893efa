package io.meetsignal.node.edge;

import com.fasterxml.jackson.databind.JsonNode;
import io.meetsignal.cluster.ClusterStore;
import io.meetsignal.cluster.Room;
import io.meetsignal.cluster.RoomCodeTakenException;
import io.meetsignal.cluster.RoomCodes;
import io.meetsignal.cluster.RoomSettings;
import io.meetsignal.cluster.SettingsPatch;
import io.meetsignal.node.auth.TokenVerifier;
import io.meetsignal.node.protocol.ErrorCode;
import io.meetsignal.node.protocol.Json;
import io.meetsignal.node.protocol.ProtocolException;
import io.meetsignal.node.protocol.Views.ParticipantInfo;
import io.meetsignal.node.protocol.Views.PublicRoomView;
import io.meetsignal.node.protocol.Views.PublicSettings;
import io.meetsignal.node.protocol.Views.RoomView;
import io.meetsignal.node.service.RoomService;
import io.meetsignal.node.session.TokenBucket;
import io.netty.buffer.ByteBufUtil;
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
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The REST control plane (PROTOCOL.md §4) under {@code /api/}, on the Socket.IO port. */
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
    record Reply(HttpResponseStatus status, Object body) {
    }

    private final ClusterStore store;
    private final RoomService rooms;
    private final TokenVerifier tokens;
    private final Map<String, TokenBucket> limiters = new ConcurrentHashMap<>();

    RestApi(ClusterStore store, RoomService rooms, TokenVerifier tokens) {
        this.store = store;
        this.rooms = rooms;
        this.tokens = tokens;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (!(msg instanceof FullHttpRequest request) || !new QueryStringDecoder(request.uri()).path().startsWith(PREFIX)) {
            ctx.fireChannelRead(msg);
            return;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        String origin = request.headers().get(HttpHeaderNames.ORIGIN);
        CompletionStage<Reply> reply;
        try {
            reply = route(request, ctx.channel().remoteAddress());
        } catch (RuntimeException e) {
            reply = CompletableFuture.failedFuture(e);
        } finally {
            request.release();
        }
        reply.whenComplete((ok, failure) -> {
            FullHttpResponse response = failure == null ? HttpResponses.json(ok.status(), ok.body()) : failed(failure);
            OriginPolicy.corsHeaders(response.headers(), origin);
            HttpResponses.write(ctx, response, keepAlive);
        });
    }

    private CompletionStage<Reply> route(FullHttpRequest request, SocketAddress remote) {
        if (!limiter(remote).tryTake(System.nanoTime())) {
            throw new RestException(HttpResponseStatus.TOO_MANY_REQUESTS, ErrorCode.RATE_LIMITED, "Too many requests");
        }
        if (request.content().readableBytes() > MAX_BODY_BYTES) {
            throw new RestException(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, ErrorCode.INVALID_PAYLOAD,
                    "Body larger than " + MAX_BODY_BYTES + " bytes");
        }
        // split the raw path, then decode each segment: an encoded "/" stays inside its segment
        String[] parts = new QueryStringDecoder(request.uri()).rawPath().substring(PREFIX.length()).split("/", -1);
        for (int i = 0; i < parts.length; i++) {
            try {
                parts[i] = QueryStringDecoder.decodeComponent(parts[i]);
            } catch (IllegalArgumentException e) {
                throw invalid("Malformed path");
            }
        }
        HttpMethod method = request.method();
        if (parts.length >= 1 && parts[0].equals("rooms")) {
            if (parts.length == 1 && method.equals(HttpMethod.POST)) {
                return create(request);
            }
            if (parts.length == 3 && parts[1].equals("code") && method.equals(HttpMethod.GET)) {
                return byCode(parts[2]);
            }
            if (parts.length == 2 && method.equals(HttpMethod.GET)) {
                return asHost(request, parts[1]).thenCompose(this::withParticipants);
            }
            if (parts.length == 2 && method.equals(HttpMethod.DELETE)) {
                return asHost(request, parts[1]).thenCompose(room -> rooms.admin().endRoom(room.id()))
                        .thenApply(ended -> new Reply(HttpResponseStatus.NO_CONTENT, null));
            }
            if (parts.length == 3 && parts[2].equals("settings") && method.equals(HttpMethod.PATCH)) {
                SettingsPatch patch = settingsPatch(body(request));
                return asHost(request, parts[1]).thenCompose(room -> {
                    validate(room.settings(), patch);
                    return rooms.admin().updateSettings(room.id(), patch);
                }).thenApply(updated -> new Reply(HttpResponseStatus.OK, RoomView.of(updated.orElseThrow(
                        () -> new RestException(HttpResponseStatus.NOT_FOUND, ErrorCode.ROOM_NOT_FOUND,
                                "Room is no longer active")))));
            }
        }
        throw new RestException(HttpResponseStatus.NOT_FOUND, ErrorCode.INVALID_PAYLOAD, "No such endpoint");
    }

    // ---- endpoints --------------------------------------------------------------------------------

    private CompletionStage<Reply> create(FullHttpRequest request) {
        TokenVerifier.Verified user = authenticated(request);
        JsonNode body = body(request);
        String name = null;
        JsonNode nameNode = body.get("name");
        if (nameNode != null && !nameNode.isNull()) {
            if (!nameNode.isTextual() || nameNode.textValue().isBlank() || nameNode.textValue().strip().length() > 100) {
                throw invalid("name: expected 1-100 characters");
            }
            name = nameNode.textValue().strip();
        }
        SettingsPatch patch = settingsPatch(body);
        RoomSettings settings = RoomSettings.DEFAULTS.with(patch);
        String roomName = name;
        return createWithFreshCode(user.subject(), roomName, settings, CODE_ATTEMPTS).thenApply(room -> {
            log.info("Room {} ({}) created by user {}", room.id(), room.code(), user.subject());
            return new Reply(HttpResponseStatus.CREATED, RoomView.of(room));
        });
    }

    private CompletionStage<Room> createWithFreshCode(String hostId, String name, RoomSettings settings, int attempts) {
        String code = RoomCodes.generate();
        Room room = rooms.admin().newRoom(code, name, hostId, settings);
        return store.createRoom(room).handle((created, failure) -> {
            if (failure == null) {
                return CompletableFuture.completedStage(created);
            }
            if (Replies.unwrap(failure) instanceof RoomCodeTakenException && attempts > 1) {
                return createWithFreshCode(hostId, name, settings, attempts - 1);
            }
            return CompletableFuture.<Room>failedStage(failure);
        }).thenCompose(stage -> stage);
    }

    private CompletionStage<Reply> byCode(String rawCode) {
        String key = RoomCodes.normalize(rawCode)
                .orElseThrow(() -> invalid("Invalid room code"));
        return store.roomByCode(key).thenCompose(found -> {
            Room room = found.orElseThrow(RestApi::notFound);
            return store.participants(room.id()).thenApply(participants -> new Reply(HttpResponseStatus.OK,
                    new PublicRoomView(room.id(), room.code(), room.name(), room.active(), room.locked(),
                            participants.size(), new PublicSettings(room.settings().waitingRoom()))));
        });
    }

    private CompletionStage<Reply> withParticipants(Room room) {
        return store.participants(room.id()).thenApply(participants -> new Reply(HttpResponseStatus.OK,
                RoomView.of(room, ParticipantInfo.of(participants, room))));
    }

    /** The room {@code id}, when the caller's token proves its host. */
    private CompletionStage<Room> asHost(FullHttpRequest request, String id) {
        TokenVerifier.Verified user = authenticated(request);
        if (!isUuid(id)) {
            throw notFound();
        }
        return store.roomById(id).thenApply(found -> {
            Room room = found.orElseThrow(RestApi::notFound);
            if (!room.isHost(user.subject())) {
                throw new RestException(HttpResponseStatus.FORBIDDEN, ErrorCode.FORBIDDEN, "Only the host can do this");
            }
            return room;
        });
    }

    // ---- parsing ----------------------------------------------------------------------------------

    private TokenVerifier.Verified authenticated(FullHttpRequest request) {
        try {
            return tokens.bearer(request.headers().get(HttpHeaderNames.AUTHORIZATION)).orElseThrow(
                    () -> new RestException(HttpResponseStatus.UNAUTHORIZED, ErrorCode.AUTH_FAILED,
                            "A bearer token is required"));
        } catch (ProtocolException e) {
            throw new RestException(HttpResponseStatus.UNAUTHORIZED, ErrorCode.AUTH_FAILED, e.getMessage());
        }
    }

    private static JsonNode body(FullHttpRequest request) {
        if (request.content().readableBytes() == 0) {
            return Json.MAPPER.createObjectNode();
        }
        JsonNode body;
        try {
            body = Json.MAPPER.readTree(ByteBufUtil.getBytes(request.content()));
        } catch (Exception e) {
            throw invalid("Body is not valid JSON");
        }
        if (body == null || !body.isObject()) {
            throw invalid("Body must be a JSON object");
        }
        return body;
    }

    private static SettingsPatch settingsPatch(JsonNode body) {
        Integer max = null;
        JsonNode maxNode = body.get("maxParticipants");
        if (maxNode != null && !maxNode.isNull()) {
            // canConvertToInt first: asLong() of 2^64+10 is 10 (PROTOCOL.md §7: out of range in any encoding is 400)
            if (!maxNode.isIntegralNumber() || !maxNode.canConvertToInt()
                    || maxNode.intValue() < RoomSettings.MIN_PARTICIPANTS
                    || maxNode.intValue() > RoomSettings.MAX_PARTICIPANTS) {
                throw invalid("maxParticipants: expected an integer " + RoomSettings.MIN_PARTICIPANTS + "-"
                        + RoomSettings.MAX_PARTICIPANTS);
            }
            max = maxNode.intValue();
        }
        return new SettingsPatch(flag(body, "allowScreenShare"), flag(body, "allowChat"),
                flag(body, "allowParticipantAudio"), flag(body, "allowParticipantVideo"), flag(body, "waitingRoom"), max);
    }

    private static Boolean flag(JsonNode body, String name) {
        JsonNode value = body.get(name);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isBoolean()) {
            throw invalid(name + ": expected a boolean");
        }
        return value.booleanValue();
    }

    private static void validate(RoomSettings current, SettingsPatch patch) {
        try {
            current.with(patch);
        } catch (IllegalArgumentException e) {
            throw invalid(e.getMessage());
        }
    }

    private static boolean isUuid(String text) {
        try {
            UUID.fromString(text);
            return text.length() == 36;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private TokenBucket limiter(SocketAddress remote) {
        String key = remote instanceof InetSocketAddress inet ? inet.getAddress().getHostAddress() : String.valueOf(remote);
        if (limiters.size() > MAX_TRACKED_CLIENTS) {
            limiters.clear();
        }
        return limiters.computeIfAbsent(key, k -> new TokenBucket(REQUESTS_PER_SECOND, REQUEST_BURST));
    }

    // ---- errors -----------------------------------------------------------------------------------

    /** An expected REST failure: status, code and message. */
    static final class RestException extends RuntimeException {
        final HttpResponseStatus status;
        final ErrorCode code;

        RestException(HttpResponseStatus status, ErrorCode code, String message) {
            super(message, null, false, false);
            this.status = status;
            this.code = code;
        }
    }

    private static RestException invalid(String message) {
        return new RestException(HttpResponseStatus.BAD_REQUEST, ErrorCode.INVALID_PAYLOAD, message);
    }

    private static RestException notFound() {
        return new RestException(HttpResponseStatus.NOT_FOUND, ErrorCode.ROOM_NOT_FOUND, "Room not found");
    }

    private static FullHttpResponse failed(Throwable failure) {
        Throwable cause = Replies.unwrap(failure);
        if (cause instanceof RestException rest) {
            return HttpResponses.error(rest.status, rest.code, rest.getMessage());
        }
        Replies.Refusal refusal = Replies.refusal(cause, "REST", "request");
        HttpResponseStatus status = refusal.code() == ErrorCode.UNAVAILABLE
                ? HttpResponseStatus.SERVICE_UNAVAILABLE : HttpResponseStatus.INTERNAL_SERVER_ERROR;
        return HttpResponses.error(status, refusal.code(), refusal.message());
    }

}
