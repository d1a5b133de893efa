package io.meetsignal.node.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meetsignal.node.auth.Identity;
import io.meetsignal.node.edge.EventRouter.Handler;
import io.meetsignal.node.edge.EventRouter.Inbound;
import io.meetsignal.node.ops.Metrics;
import io.meetsignal.node.protocol.ErrorCode;
import io.meetsignal.node.protocol.Events;
import io.meetsignal.node.protocol.ProtocolException;
import io.meetsignal.node.service.Outcome;
import io.meetsignal.node.session.FloodDetector;
import io.meetsignal.node.session.RecordingLink;
import io.meetsignal.node.session.Session;
import io.meetsignal.node.session.SessionRegistry;
import io.meetsignal.node.session.TokenBucket;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class HandlerDecoratorsTest {

    private final Metrics metrics = new Metrics(Set.of(Events.CHAT_MESSAGE, Events.OFFER), new SessionRegistry());
    /** A chat bucket of one token that refills once in 1000 s: the second chat message is refused. */
    private final Session session = new Session(
            "s1",
            new Identity(null, "S"),
            new RecordingLink(),
            new TokenBucket(50, 100),
            new TokenBucket(0.001, 1),
            new FloodDetector(500, 10));

    private final AtomicInteger calls = new AtomicInteger();
    private final Handler ok = (s, e) -> {
        calls.incrementAndGet();
        return CompletableFuture.completedFuture(marker("done " + e.name()));
    };

    /** An outcome that names what produced it (records compare by value). */
    private static Outcome marker(String name) {
        return new Outcome.Queued(name);
    }

    private static Inbound inbound(String name) {
        return new Inbound(name, null, 20);
    }

    private double received(String tag) {
        var counter = metrics.registry()
                .find("signaling.events.received")
                .tag("event", tag)
                .counter();
        return counter == null ? 0 : counter.count();
    }

    private long timed(String tag) {
        var timer =
                metrics.registry().find("signaling.handler").tag("event", tag).timer();
        return timer == null ? 0 : timer.count();
    }

    private static ProtocolException refusal(CompletionStage<Outcome> stage) {
        CompletionException failed = org.junit.jupiter.api.Assertions.assertThrows(
                CompletionException.class, () -> stage.toCompletableFuture().join());
        return assertInstanceOf(ProtocolException.class, failed.getCause());
    }

    @Test
    void countedCountsEveryEventByNameAndUnknownNamesTogether() {
        Handler counted = new HandlerDecorators.Counted(metrics, ok);
        counted.handle(session, inbound(Events.OFFER));
        counted.handle(session, inbound(Events.OFFER));
        counted.handle(session, inbound("no-such-event"));
        counted.handle(session, inbound("another-one"));
        assertEquals(2, received(Events.OFFER));
        assertEquals(2, received("unknown"));
        assertEquals(4, calls.get());
    }

    @Test
    void chatLimitedRefusesWithRateLimitedOnceTheChatBucketIsEmptyAndDoesNotCallThrough() {
        Handler limited = new HandlerDecorators.ChatLimited(ok);
        assertEquals(
                marker("done chat-message"),
                limited.handle(session, inbound(Events.CHAT_MESSAGE))
                        .toCompletableFuture()
                        .join());
        ProtocolException refused = refusal(limited.handle(session, inbound(Events.CHAT_MESSAGE)));
        assertEquals(ErrorCode.RATE_LIMITED, refused.code());
        assertEquals("Too many chat messages, slow down", refused.getMessage());
        assertEquals(1, calls.get());
    }

    @Test
    void timedRecordsWhenTheAnswerIsThereNotBefore() {
        CompletableFuture<Outcome> pending = new CompletableFuture<>();
        Handler timed = new HandlerDecorators.Timed(metrics::handler, (s, e) -> pending);
        CompletionStage<Outcome> stage = timed.handle(session, inbound(Events.OFFER));
        assertEquals(0, timed(Events.OFFER));
        pending.complete(marker("answer"));
        assertEquals(marker("answer"), stage.toCompletableFuture().join());
        assertEquals(1, timed(Events.OFFER));
    }

    @Test
    void inOrderRunsTheNextEventOfASocketOnlyAfterTheFirstAnswered() {
        CompletableFuture<Outcome> first = new CompletableFuture<>();
        List<String> started = new CopyOnWriteArrayList<>();
        Handler inOrder = new HandlerDecorators.InOrder(metrics, false, (s, e) -> {
            started.add(e.name());
            return e.name().equals("first") ? first : CompletableFuture.completedFuture(marker(e.name()));
        });
        CompletionStage<Outcome> one = inOrder.handle(session, inbound("first"));
        CompletionStage<Outcome> two = inOrder.handle(session, inbound("second"));
        assertEquals(List.of("first"), started);
        assertFalse(two.toCompletableFuture().isDone());
        first.complete(marker("first"));
        assertEquals(marker("second"), two.toCompletableFuture().join());
        assertEquals(List.of("first", "second"), started);
        assertTrue(one.toCompletableFuture().isDone());
    }

    @Test
    void inOrderRefusesAnEventThatDoesNotFitTheLaneAndCountsIt() {
        Handler inOrder = new HandlerDecorators.InOrder(metrics, false, ok);
        ProtocolException refused = refusal(
                inOrder.handle(session, new Inbound(Events.OFFER, null, (int) Session.DEFAULT_MAX_QUEUED_BYTES + 1)));
        assertEquals(ErrorCode.RATE_LIMITED, refused.code());
        assertEquals("Too many events in progress, slow down", refused.getMessage());
        assertEquals(0, calls.get());
        assertEquals(
                1,
                metrics.registry().find("signaling.events.queue.full").counter().count());
    }

    @Test
    void theStandardOrderCountsARefusedChatMessageButDoesNotTimeIt() {
        Handler chat = HandlerDecorators.standard(metrics, Events.CHAT_MESSAGE, false, ok);
        chat.handle(session, inbound(Events.CHAT_MESSAGE)).toCompletableFuture().join();
        refusal(chat.handle(session, inbound(Events.CHAT_MESSAGE)));
        assertEquals(2, received(Events.CHAT_MESSAGE));
        assertEquals(1, timed(Events.CHAT_MESSAGE));
        assertEquals(1, calls.get());
    }

    @Test
    void onlyChatMessagesTakeFromTheChatBucket() {
        Handler offer = HandlerDecorators.standard(metrics, Events.OFFER, true, ok);
        for (int i = 0; i < 5; i++) {
            offer.handle(session, inbound(Events.OFFER)).toCompletableFuture().join();
        }
        assertEquals(5, calls.get());
        assertTrue(session.takeChatToken(System.nanoTime()), "the chat bucket is untouched");
    }
}
