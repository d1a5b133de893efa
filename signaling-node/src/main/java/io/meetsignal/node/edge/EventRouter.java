package io.meetsignal.node.edge;

import static io.meetsignal.node.protocol.Events.*;

import com.fasterxml.jackson.databind.JsonNode;
import io.meetsignal.node.protocol.Refusals;
import io.meetsignal.node.protocol.Requests.Chat;
import io.meetsignal.node.protocol.Requests.Flag;
import io.meetsignal.node.protocol.Requests.HostTarget;
import io.meetsignal.node.protocol.Requests.JoinRoom;
import io.meetsignal.node.protocol.Requests.RoomRef;
import io.meetsignal.node.protocol.Requests.Signal;
import io.meetsignal.node.service.Outcome;
import io.meetsignal.node.service.RoomService;
import io.meetsignal.node.service.SignalService;
import io.meetsignal.node.session.Session;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Maps each client event to its handler: the table's thin handlers decode the payload and call a service; each is
 * wrapped by the decorations given at construction ({@link HandlerDecorators#standard}), and so is the refusal of an
 * unknown event.
 */
final class EventRouter {

    /** One event as it arrived: its name, its payload (null when it has none), the size of its packet in bytes. */
    record Inbound(String name, JsonNode payload, int bytes) {}

    /** Handles one event of a socket; what runs around every event wraps one of these in another. */
    @FunctionalInterface
    interface Handler {
        CompletionStage<Outcome> handle(Session session, Inbound event);
    }

    /** How the routes are decorated: the event's name, whether it is ordered on return, its handler. */
    @FunctionalInterface
    interface Decoration {
        Handler around(String event, boolean orderedOnReturn, Handler handler);
    }

    /** A thin handler of the table: decodes the payload and calls a service. */
    @FunctionalInterface
    private interface PayloadHandler {
        CompletionStage<Outcome> handle(Session session, JsonNode payload);
    }

    private final Map<String, Handler> handlers;
    private final Handler unknown;

    /** The routes, undecorated (for their names). */
    EventRouter(RoomService rooms, SignalService signals) {
        this(rooms, signals, (event, orderedOnReturn, handler) -> handler);
    }

    EventRouter(RoomService rooms, SignalService signals, Decoration decoration) {
        Map<String, PayloadHandler> table = Map.ofEntries(
                Map.entry(JOIN_ROOM, (s, p) -> rooms.joining().join(s, JoinRoom.from(p))),
                Map.entry(LEAVE_ROOM, (s, p) -> rooms.departures().leave(s, RoomRef.from(p))),
                Map.entry(OFFER, (s, p) -> signals.relay(s, OFFER, Signal.from(p, "sdp"))),
                Map.entry(ANSWER, (s, p) -> signals.relay(s, ANSWER, Signal.from(p, "sdp"))),
                Map.entry(ICE_CANDIDATE, (s, p) -> signals.relay(s, ICE_CANDIDATE, Signal.from(p, "candidate"))),
                Map.entry(TOGGLE_AUDIO, (s, p) -> signals.toggleAudio(s, Flag.from(p, "enabled"))),
                Map.entry(TOGGLE_VIDEO, (s, p) -> signals.toggleVideo(s, Flag.from(p, "enabled"))),
                Map.entry(START_SCREEN_SHARE, (s, p) -> signals.screenShare(s, RoomRef.from(p), true)),
                Map.entry(STOP_SCREEN_SHARE, (s, p) -> signals.screenShare(s, RoomRef.from(p), false)),
                Map.entry(TOGGLE_HAND_RAISE, (s, p) -> signals.handRaise(s, Flag.from(p, "raised"))),
                Map.entry(CHAT_MESSAGE, (s, p) -> signals.chat(s, Chat.from(p))),
                Map.entry(TYPING_START, (s, p) -> signals.typing(s, RoomRef.from(p), true)),
                Map.entry(TYPING_STOP, (s, p) -> signals.typing(s, RoomRef.from(p), false)),
                Map.entry(MUTE_PARTICIPANT, (s, p) -> rooms.host().mute(s, HostTarget.from(p))),
                Map.entry(REMOVE_PARTICIPANT, (s, p) -> rooms.host().remove(s, HostTarget.from(p))),
                Map.entry(LOCK_ROOM, (s, p) -> rooms.host().lock(s, Flag.from(p, "locked"))),
                Map.entry(END_ROOM, (s, p) -> rooms.host().end(s, RoomRef.from(p))),
                Map.entry(ADMIT_PARTICIPANT, (s, p) -> rooms.waitingRoom().admit(s, HostTarget.from(p))),
                Map.entry(DENY_PARTICIPANT, (s, p) -> rooms.waitingRoom().deny(s, HostTarget.from(p))));
        Map<String, Handler> decorated = new HashMap<>();
        table.forEach((event, handler) ->
                decorated.put(event, decoration.around(event, orderedOnReturn(event), guarded(handler))));
        handlers = Map.copyOf(decorated);
        unknown = decoration.around(
                null,
                false,
                (session, event) -> CompletableFuture.failedFuture(Refusals.unknownEvent(abbreviate(event.name()))));
    }

    /** {@code handler}, with what it throws (a payload that does not decode) turned into a failed stage. */
    private static Handler guarded(PayloadHandler handler) {
        return (session, event) -> {
            try {
                return handler.handle(session, event.payload());
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        };
    }

    Set<String> events() {
        return handlers.keySet();
    }

    /**
     * Events whose every effect is ordered once their handler returned: a relayed signal or a typing indicator is
     * one publish, and the bus sends publishes in call order. The sender's next event may start right away instead
     * of after the publish's reply (PROTOCOL.md §7 order holds; the relay keeps its latency).
     */
    private static final Set<String> ORDERED_ON_RETURN =
            Set.of(OFFER, ANSWER, ICE_CANDIDATE, TYPING_START, TYPING_STOP);

    static boolean orderedOnReturn(String event) {
        return ORDERED_ON_RETURN.contains(event);
    }

    /** Runs the (decorated) handler of {@code event}; an unknown event or a bad payload fails the stage. */
    CompletionStage<Outcome> route(Session session, Inbound event) {
        return handlers.getOrDefault(event.name(), unknown).handle(session, event);
    }

    private static String abbreviate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 40) + "…";
    }
}
