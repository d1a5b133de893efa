package io.meetsignal.loadtest.sio;

import static io.gatling.javaapi.core.CoreDsl.bodyString;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.http.HttpDsl.ws;

import io.gatling.http.action.ws.WsInboundMessage;
import io.gatling.javaapi.core.ActionBuilder;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.CheckBuilder;
import io.gatling.javaapi.core.Session;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Chain builders for Socket.IO over a Gatling websocket.
 *
 * <p>Gatling hands an inbound frame to the check that is waiting (when its matching conditions accept
 * it), drops frames that a waiting check does not accept, keeps frames that arrive while no check waits
 * in a buffer, and clears that buffer on every send. So that no frame is ever lost:
 * <ul>
 *   <li>every send is preceded, in the same synchronous run of actions, by a {@link #drain()} of the
 *       buffer into the user's {@link Client} (a virtual user's actions and its websocket share one
 *       event loop, so no frame can slip in between);</li>
 *   <li>every check's matching condition feeds each frame it sees into the {@link Client} first and
 *       then decides on the client's state, so frames that do not complete the check are kept too.</li>
 * </ul>
 *
 * <p>Measured steps are ordinary checks (their response time is send → awaited frame). Waits for other
 * virtual users (a peer's offer, a room filling up) are silent checks, armed by an Engine.IO pong,
 * which the server ignores; when one times out, {@link #fail} records a failed request instead.
 */
public final class Sio {

    /** Session attribute holding the user's {@link Client}. */
    public static final String CLIENT = "sio";

    private static final String OK = "ok";
    private static final int MAX_REPORTED = 20;
    private static final AtomicInteger REPORTED = new AtomicInteger();

    private Sio() {}

    /** A condition on what the client has seen, evaluated after each inbound frame. */
    @FunctionalInterface
    public interface Cond {
        boolean test(Client client, Session session);
    }

    /** Null when a completed step went well, else a description of what went wrong. */
    @FunctionalInterface
    public interface Verdict {
        String of(Client client, Session session);
    }

    public static Client client(Session session) {
        return session.get(CLIENT);
    }

    /** Feeds the frames buffered while no check was waiting into the client. */
    public static ActionBuilder drain() {
        return ws.processUnmatchedMessages((messages, session) -> {
            Client client = client(session);
            if (client != null) {
                for (WsInboundMessage message : messages) {
                    if (message instanceof WsInboundMessage.Text text) {
                        client.ingest(text.message());
                    }
                }
            }
            return session;
        });
    }

    /**
     * Opens the websocket ({@code connect}, then {@code engine.io open}) and sends the Socket.IO
     * CONNECT with the given auth (measured as {@code socket.io connected}); the socket id is then in
     * the client.
     */
    public static ChainBuilder connect(
            boolean trackRoster,
            Function<Session, String> url,
            Function<Session, Map<String, Object>> auth,
            Duration timeout) {
        return exec(session -> session.set(CLIENT, new Client(trackRoster)))
                .exec(ws("connect")
                        .connect(url)
                        .await(timeout)
                        .on(ws.checkTextMessage("engine.io open").matching(until((c, s) -> c.opened()))))
                .doIf(s -> !s.isFailed())
                .then(emitAwait(
                        "socket.io connect",
                        s -> Frames.connect(auth.apply(s)),
                        "socket.io connected",
                        (c, s) -> c.connectAnswered(),
                        (c, s) -> c.connectVerdict(),
                        timeout))
                // a refused CONNECT (connect_error) ends the connection, as socket.io-client does; otherwise the
                // refused would hold their sockets (and the load balancer's connection slots) until the run ends
                .doIf(s -> s.isFailed() && client(s).connectError() != null)
                .then(exec(ws("close (connect_error)").close()));
    }

    /** Sends a frame without waiting for anything. */
    public static ChainBuilder emit(String name, Function<Session, String> frame) {
        return exec(drain()).exec(ws(name).sendText(frame));
    }

    /**
     * Sends a frame and waits, as the measured request {@code checkName}, until {@code until} holds;
     * the step fails when {@code verdict} then finds something wrong, or on timeout.
     */
    public static ChainBuilder emitAwait(
            String name,
            Function<Session, String> frame,
            String checkName,
            Cond until,
            Verdict verdict,
            Duration timeout) {
        return exec(drain())
                .exec(ws(name).sendText(frame)
                        .await(timeout)
                        .on(ws.checkTextMessage(checkName)
                                .matching(until(until))
                                .check(verdictIs(verdict))));
    }

    /**
     * An event with an acknowledgement: measured as {@code "<event> ack"}, failed unless the ack says
     * {@code success: true}.
     */
    public static ChainBuilder request(String event, Function<Session, Object> payload, Duration timeout) {
        return emitAwait(
                event,
                s -> client(s).request(event, payload.apply(s)),
                event + " ack",
                (c, s) -> c.ackArrived(),
                (c, s) -> c.ackVerdict(),
                timeout);
    }

    /**
     * Sends a frame and then waits, unmeasured, until {@code until} holds (or the timeout passes;
     * the next {@link #waitUntil} on the same condition then decides). Used to answer a peer and be
     * ready for its next message in one step.
     */
    public static ChainBuilder emitThenWait(
            String name, Function<Session, String> frame, Cond until, Function<Session, Duration> timeout) {
        return exec(drain())
                .exec(ws(name).sendText(frame)
                        .await(timeout)
                        .on(ws.checkTextMessage(name + " (wait)")
                                .matching(until(until))
                                .silent()));
    }

    /**
     * Waits, unmeasured, until {@code condition} holds; on timeout records the failed request
     * {@code "timeout: <what>"} and marks the client {@link Client#stalled() stalled}.
     */
    public static ChainBuilder waitUntil(String what, Cond condition, Function<Session, Duration> timeout) {
        String name = "(wait) " + what;
        return exec(drain())
                .doIf(s -> !condition.test(client(s), s))
                .then(exec(ws(name).sendText(Frames.PONG)
                        .await(timeout)
                        .on(ws.checkTextMessage(name).matching(until(condition)).silent())))
                .exec(drain())
                .doIf(s -> !condition.test(client(s), s))
                .then(exec(s -> {
                            client(s).stall();
                            return s;
                        })
                        .exec(fail("timeout: " + what)));
    }

    /**
     * Records a failed request named {@code name} (a check that cannot succeed, with a 1 ms timeout)
     * and marks the session failed.
     */
    public static ChainBuilder fail(String name) {
        return exec(drain())
                .exec(ws(name).sendText(Frames.PONG)
                        .await(Duration.ofMillis(1))
                        .on(ws.checkTextMessage(name).matching(until((c, s) -> false))))
                .exec(Session::markAsFailed);
    }

    /** Records a failed request when {@code verdict} finds something wrong with the client's state. */
    public static ChainBuilder verify(String name, Verdict verdict) {
        return exec(drain())
                .doIf(s -> verdict.of(client(s), s) != null)
                .then(exec(s -> {
                            report("user " + s.userId() + ": " + name + ": " + verdict.of(client(s), s));
                            return s;
                        })
                        .exec(fail(name)));
    }

    /** Closes the websocket. */
    public static ChainBuilder close() {
        return exec(ws("close").close());
    }

    private static CheckBuilder until(Cond condition) {
        return bodyString()
                .transformWithSession((frame, session) -> {
                    Client client = client(session);
                    if (client == null) {
                        return false;
                    }
                    client.ingest(frame);
                    return condition.test(client, session);
                })
                .is(true);
    }

    private static CheckBuilder verdictIs(Verdict verdict) {
        return bodyString()
                .transformWithSession((frame, session) -> {
                    String problem = verdict.of(client(session), session);
                    if (problem == null) {
                        return OK;
                    }
                    report("user " + session.userId() + ": " + problem);
                    return problem;
                })
                .is(OK);
    }

    /** Prints the first failures of a run in full (Gatling's error table only shows the check). */
    static void report(String problem) {
        if (REPORTED.incrementAndGet() <= MAX_REPORTED) {
            System.err.println("load-tests: " + problem);
        }
    }
}
