package io.meetsignal.node.edge;

import static java.util.Objects.requireNonNull;

import io.meetsignal.node.edge.EventRouter.Handler;
import io.meetsignal.node.edge.EventRouter.Inbound;
import io.meetsignal.node.ops.Metrics;
import io.meetsignal.node.protocol.Events;
import io.meetsignal.node.protocol.ProtocolException;
import io.meetsignal.node.protocol.Refusals;
import io.meetsignal.node.service.Outcome;
import io.meetsignal.node.session.Session;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

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

    private HandlerDecorators() {}

    /** The decorations every route gets, {@code event}'s limits included. */
    static Handler standard(Metrics metrics, String event, boolean orderedOnReturn, Handler handler) {
        Handler inner = new Timed(metrics::handler, new InOrder(metrics, orderedOnReturn, handler));
        if (Events.CHAT_MESSAGE.equals(event)) {
            inner = new ChatLimited(inner);
        }
        return new Counted(metrics, inner);
    }

    /** A decorator: a handler that runs around {@code next}. */
    private abstract static class Around implements Handler {
        final Handler next;

        Around(Handler next) {
            this.next = requireNonNull(next, "next");
        }
    }

    /** Counts the event as received (by name; names not in the protocol count as {@code unknown}). */
    static final class Counted extends Around {
        private final Metrics metrics;

        Counted(Metrics metrics, Handler next) {
            super(next);
            this.metrics = requireNonNull(metrics, "metrics");
        }

        @Override
        public CompletionStage<Outcome> handle(Session session, Inbound event) {
            metrics.received(event.name());
            return next.handle(session, event);
        }
    }

    /** Takes a token from the socket's chat bucket (PROTOCOL.md §7); refuses with {@code RATE_LIMITED} without. */
    static final class ChatLimited extends Around {
        ChatLimited(Handler next) {
            super(next);
        }

        @Override
        public CompletionStage<Outcome> handle(Session session, Inbound event) {
            if (!session.takeChatToken(System.nanoTime())) {
                return CompletableFuture.failedFuture(Refusals.chatTooFast());
            }
            return next.handle(session, event);
        }
    }

    /** Records how long the event took to its answer in the event's handler timer. */
    static final class Timed extends Around {
        private final Function<String, Timer> timers;

        /** {@code timers}: the timer of each event name. */
        Timed(Function<String, Timer> timers, Handler next) {
            super(next);
            this.timers = requireNonNull(timers, "timers");
        }

        @Override
        public CompletionStage<Outcome> handle(Session session, Inbound event) {
            Timer timer = timers.apply(event.name());
            Timer.Sample sample = Timer.start();
            return next.handle(session, event).whenComplete((result, failure) -> sample.stop(timer));
        }
    }

    /**
     * Runs the event in the socket's lane: after the socket's earlier events, before its later ones. An event that
     * does not fit (too many events or bytes in progress) is refused with {@code RATE_LIMITED} and counted.
     */
    static final class InOrder extends Around {
        private final Metrics metrics;
        private final boolean orderedOnReturn;

        InOrder(Metrics metrics, boolean orderedOnReturn, Handler next) {
            super(next);
            this.metrics = requireNonNull(metrics, "metrics");
            this.orderedOnReturn = orderedOnReturn;
        }

        @Override
        public CompletionStage<Outcome> handle(Session session, Inbound event) {
            CompletionStage<Outcome> handled =
                    session.inOrder(event.bytes(), orderedOnReturn, () -> next.handle(session, event));
            if (handled == null) {
                metrics.eventQueueFull();
                return CompletableFuture.failedFuture(Refusals.tooManyInProgress());
            }
            return handled;
        }
    }
}
