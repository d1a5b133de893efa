package io.meetsignal.node.protocol;

import io.meetsignal.cluster.JoinRefusal;

/**
 * Every refusal the node answers with, built here and nowhere else, so that each is worded the same way wherever it
 * is raised: PROTOCOL.md fixes the codes (§6) and the messages. The edge maps them to an answer ({@code Replies}).
 */
public final class Refusals {

    private Refusals() {}

    // ---- payloads ---------------------------------------------------------------------------------

    /** A missing, ill-typed or too large field; {@code detail} names it ({@code "roomId: required"}). */
    public static ProtocolException invalid(String detail) {
        return ProtocolException.invalid(detail);
    }

    public static ProtocolException unknownEvent(String event) {
        return invalid("Unknown event: " + event);
    }

    public static ProtocolException displayNameRequired() {
        return ProtocolException.of(ErrorCode.DISPLAY_NAME_REQUIRED, "displayName: required");
    }

    // ---- handshake --------------------------------------------------------------------------------

    /** The node is draining or not started: new handshakes go elsewhere. */
    public static ProtocolException notAccepting() {
        return ProtocolException.of(ErrorCode.UNAVAILABLE, "This server is not accepting connections");
    }

    /** {@code MAX_CONNECTIONS} reached, or the heap is nearly full. */
    public static ProtocolException serverFull() {
        return ProtocolException.of(ErrorCode.UNAVAILABLE, "This server is full, try again");
    }

    /** The node sheds newcomers while its event loops lag (docs/architecture.md, "Overload"). */
    public static ProtocolException overloaded() {
        return ProtocolException.of(ErrorCode.UNAVAILABLE, "This server is overloaded, try again shortly");
    }

    /** The CONNECT packet's data is not JSON. */
    public static ProtocolException authNotJson() {
        return invalid("auth: not valid JSON");
    }

    // ---- limits -----------------------------------------------------------------------------------

    public static ProtocolException chatTooFast() {
        return ProtocolException.of(ErrorCode.RATE_LIMITED, "Too many chat messages, slow down");
    }

    /** The socket's lane is full (events waiting or in progress). */
    public static ProtocolException tooManyInProgress() {
        return ProtocolException.of(ErrorCode.RATE_LIMITED, "Too many events in progress, slow down");
    }

    /** A REST client address over its request rate. */
    public static ProtocolException tooManyRequests() {
        return ProtocolException.of(ErrorCode.RATE_LIMITED, "Too many requests");
    }

    /** A REST request that needs a token and has none. */
    public static ProtocolException bearerTokenRequired() {
        return ProtocolException.of(ErrorCode.AUTH_FAILED, "A bearer token is required");
    }

    /** A token (or a claim beside it) that is not accepted; {@code detail} says which check failed. */
    public static ProtocolException authFailed(String detail) {
        return ProtocolException.of(ErrorCode.AUTH_FAILED, detail);
    }

    public static ProtocolException guestsNotAllowed() {
        return ProtocolException.of(ErrorCode.GUESTS_NOT_ALLOWED, "Guests are not allowed on this server");
    }

    // ---- rooms ------------------------------------------------------------------------------------

    /** A refused join; the edge answers it with {@code join-error}. */
    public static ProtocolException joinFailed(JoinRefusal reason) {
        return ProtocolException.of(ErrorCode.JOIN_FAILED, reason.message());
    }

    public static ProtocolException notInRoom() {
        return ProtocolException.of(ErrorCode.NOT_IN_ROOM, "You are not in this room");
    }

    public static ProtocolException targetNotFound() {
        return ProtocolException.of(ErrorCode.TARGET_NOT_FOUND, "No such participant in this room");
    }

    /** The caller is not the room's host (Socket.IO host controls). */
    public static ProtocolException notHost() {
        return ProtocolException.of(ErrorCode.FORBIDDEN, "Only the host can do this");
    }

    /** No room by that id or code (REST). */
    public static ProtocolException roomNotFound() {
        return ProtocolException.of(ErrorCode.ROOM_NOT_FOUND, "Room not found");
    }

    /** The room ended while the request was served (REST). */
    public static ProtocolException roomEnded() {
        return ProtocolException.of(ErrorCode.ROOM_NOT_FOUND, "Room is no longer active");
    }

    /** The host admitted a joiner into a room that filled up while it waited. */
    public static ProtocolException admittedIntoFullRoom() {
        return ProtocolException.of(ErrorCode.NOT_ALLOWED, JoinRefusal.FULL.message());
    }

    /** Turning on audio, video or a screen share that the room's settings do not allow (never for the host). */
    public static ProtocolException mediaNotAllowed() {
        return ProtocolException.of(ErrorCode.NOT_ALLOWED, "The room's settings do not allow this");
    }

    /** A chat message in a room whose settings turned chat off (never for the host). */
    public static ProtocolException chatOff() {
        return ProtocolException.of(ErrorCode.NOT_ALLOWED, "Chat is turned off in this room");
    }
}
