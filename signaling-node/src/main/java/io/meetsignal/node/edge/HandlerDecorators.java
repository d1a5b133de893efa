package io.meetsignal.node.edge;

import static java.util.Objects.requireNonNull;

import io.meetsignal.node.edge.EventRouter.Handler;
import io.meetsignal.node.edge.EventRouter.Inbound;
import io.meetsignal.node.ops.Metrics;
import io.meetsignal.node.protocol.ErrorCode;
import io.meetsignal.node.protocol.Events;
import io.meetsignal.node.protocol.ProtocolException;
import io.meetsignal.node.session.Session;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * What runs around every routed event, each a {@link Handler} wrapping a {@link Handler}, composed by
 * {@link #standard} where the router is built. From the outside in:
 * <ol>
 *   <li>{@link Counted}: the event is counted as received;</li>
 *   <li>{@link ChatLimited} (chat messages only): the socket's chat bucket, {@code RATE_LIMITED} when empty;</li>
 *   <li>{@link Timed}: the handler timer, from here to the answer (the wait in the lane included);</li>
 *   <li>{@link InOrder}: one event of a socket at a time, in the order received (PROTOCOL.md §7);
 *       {@code RATE_LIMITED} when the socket already has the most events in progress;</li>
 *   <li>the event's own handler.</li>
 * </ol>
 * What must run before the event's name is known stays a step before routing, in {@link MeetingPacketHandler}: the
 * flood window and the engine session's shared bucket (every packet counts in them), the size limit and the parse.
 * A refusal here fails the stage with a {@link ProtocolException}; {@link Replies} answers it like any other.
 */
final class HandlerDecorators {

    private HandlerDecorators() {
    }

    /** The decorations every route gets, {@code event}'s limits included. */
    static Handler standard(Metrics metrics, String event, boolean orderedOnReturn, Handler handler) {
        Handler inner = new Timed(metrics, new InOrder(metrics, orderedOnReturn, handler));
        if (Events.CHAT_MESSAGE.equals(event)) {
            inner = new ChatLimited(inner);
        }
        return new Counted(metrics, inner);
    }

    /** Counts the event as received (by name; names not in the protocol count as {@code unknown}). */
    static final class Counted implements Handler {
        private final Metrics metrics;
        private final Handler next;

        Counted(Metrics metrics, Handler next) {
            this.metrics = requireNonNull(metrics, "metrics");
            this.next = requireNonNull(next, "next");
        }

        @Override
        public CompletionStage<Object> handle(Session session, Inbound event) {
            metrics.received(event.name());
            return next.handle(session, event);
        }
    }

    /** Takes a token from the socket's chat bucket (PROTOCOL.md §7); refuses with {@code RATE_LIMITED} without. */
    static final class ChatLimited implements Handler {
        private final Handler next;

        ChatLimited(Handler next) {
            this.next = requireNonNull(next, "next");
        }

        @Override
        public CompletionStage<Object> handle(Session session, Inbound event) {
            if (!session.takeChatToken(System.nanoTime())) {
                return CompletableFuture.failedFuture(ProtocolException.of(ErrorCode.RATE_LIMITED,
                        "Too many chat messages, slow down"));
            }
            return next.handle(session, event);
        }
    }

    /** Records how long the event took to its answer in the event's handler timer. */
    static final class Timed implements Handler {
        private final Metrics metrics;
        private final Handler next;

        Timed(Metrics metrics, Handler next) {
            this.metrics = requireNonNull(metrics, "metrics");
            this.next = requireNonNull(next, "next");
        }

        @Override
        public CompletionStage<Object> handle(Session session, Inbound event) {
            Timer timer = metrics.handler(event.name());
            Timer.Sample sample = Timer.start();
            return next.handle(session, event).whenComplete((result, failure) -> sample.stop(timer));
        }
    }

    /**
     * Runs the event in the socket's lane: after the socket's earlier events, before its later ones. An event that
     * does not fit (too many events or bytes in progress) is refused with {@code RATE_LIMITED} and counted.
     */
    static final class InOrder implements Handler {
        private final Metrics metrics;
        private final boolean orderedOnReturn;
        private final Handler next;

        InOrder(Metrics metrics, boolean orderedOnReturn, Handler next) {
            this.metrics = requireNonNull(metrics, "metrics");
            this.orderedOnReturn = orderedOnReturn;
            this.next = requireNonNull(next, "next");
        }

        @Override
        public CompletionStage<Object> handle(Session session, Inbound event) {
            CompletionStage<Object> handled = session.inOrder(event.bytes(), orderedOnReturn,
                    () -> next.handle(session, event));
            if (handled == null) {
                metrics.eventQueueFull();
                return CompletableFuture.failedFuture(ProtocolException.of(ErrorCode.RATE_LIMITED,
                        "Too many events in progress, slow down"));
            }
            return handled;
        }
    }
}
