package io.meetsignal.loadtest;

import static io.gatling.javaapi.core.CoreDsl.asLongAs;
import static io.gatling.javaapi.core.CoreDsl.doIfOrElse;
import static io.gatling.javaapi.core.CoreDsl.during;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.pace;
import static io.gatling.javaapi.core.CoreDsl.rampUsers;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.meetsignal.loadtest.sio.Sio.client;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.core.Simulation;
import io.meetsignal.loadtest.sio.Sio;
import io.meetsignal.loadtest.support.Params;
import io.meetsignal.loadtest.support.Rooms;
import io.meetsignal.loadtest.support.Runs;
import io.meetsignal.loadtest.support.Target;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Pairs of participants, each pair alone in a room, exchanging signals at a fixed rate: the offerer
 * sends an offer every {@code 1 / exchangesPerSec} seconds and waits for the answer; the answerer
 * answers each offer as soon as it arrives. The measured request {@code offer -> answer} is the round
 * trip offer sent → answer received (two relays through the cluster). Signals per second (offers plus
 * answers) at full strength: {@code 2 × pairs × exchangesPerSec}.
 *
 * <p>With {@code -DbaseUrls=url1,url2} the offerer of each pair connects to url1 and the answerer to
 * url2, e.g. two nodes directly, so every signal crosses nodes through Redis; with one base URL both
 * go there (HAProxy then spreads them by least connections).
 *
 * <p>Parameters (smoke / full): {@code pairs} (4 / 250), {@code exchangesPerSec} per pair (10 / 10;
 * both sockets stay far below the 50 events/s limit), {@code rampSeconds} (2 / 30),
 * {@code durationSeconds} of exchanges per pair (8 / 60), {@code timeoutMs} (5000), {@code sdpBytes}
 * (2000), {@code p99Ms} (2000 / 10), {@code maxFailedPct} (0), plus those of {@link Target} and
 * {@link Rooms}. Rooms: {@code rest} (two seats each) or {@code auto}.
 */
public class RelaySimulation extends Simulation {

    private final Params params = new Params("RelaySimulation");
    private final Target target = new Target(params);
    private final int pairs = params.integer("pairs", 4, 250);
    private final double exchangesPerSec = params.decimal("exchangesPerSec", 10, 10);
    private final Duration ramp = params.seconds("rampSeconds", 2, 30);
    private final Duration duration = params.seconds("durationSeconds", 8, 60);
    private final Duration timeout = params.millis("timeoutMs", 5000, 5000);
    private final Duration peerWait = ramp.plus(duration).plus(Duration.ofSeconds(30));
    private final int sdpBytes = params.integer("sdpBytes", 2000, 2000);
    private final Rooms rooms = new Rooms(params, target, "r", pairs, 2);
    private final Map<String, Object> offerSdp = Signals.sdp("offer", sdpBytes);
    private final Map<String, Object> answerSdp = Signals.sdp("answer", sdpBytes);
    private final AtomicLong arrivals = new AtomicLong();

    {
        params.note("signalsPerSec (all pairs exchanging)", Math.round(2 * pairs * exchangesPerSec));
        params.note("offerer / answerer entry", target.baseUrl(0) + " / " + target.baseUrl(1));
        params.print();
        Duration interval = Duration.ofNanos(Math.round(1e9 / exchangesPerSec));

        ScenarioBuilder relay = scenario("relay")
                .exec(this::arrive)
                .doIf(s -> rooms.code(s.getInt("pair")) == null)
                .then(exec(Sio.fail("no room code (room creation failed)")).exitHere())
                .exec(Sio.connect(
                        true,
                        s -> target.socketUrl(s.getInt("role")),
                        s -> target.auth(s.getString("userId"), s.getString("name")),
                        timeout))
                .exitHereIfFailed()
                .exec(Sio.emitAwait(
                        "join-room",
                        s -> client(s).request("join-room", Map.of("roomCode", rooms.code(s.getInt("pair")))),
                        "join-room ack",
                        (c, s) -> c.ackArrived(),
                        (c, s) -> c.acceptJoin(),
                        timeout))
                .exitHereIfFailed()
                .exec(Sio.waitUntil("peer joined", (c, s) -> c.peerCount() >= 1, s -> peerWait))
                .exitHereIf(s -> client(s).stalled())
                .exec(s -> s.set("peer", client(s).peers().get(0)))
                .doIfOrElse(s -> s.getInt("role") == 0)
                .then(offer(interval))
                .orElse(answer())
                .exec(Sio.verify(
                        "no error events", (c, s) -> c.problems().isEmpty() ? null : String.join("; ", c.problems())))
                .exec(Sio.request("leave-room", s -> Map.of("roomId", client(s).roomId()), timeout))
                .exec(Sio.close());

        setUp(rooms.before(relay.injectOpen(rampUsers(2 * pairs).during(ramp))))
                .protocols(Runs.protocol(params))
                .assertions(Runs.assertions(params, 2000, 10, "offer -> answer"));
    }

    /** Arrival n is participant n mod 2 of pair n / 2: 0 offers (entry 0), 1 answers (entry 1). */
    private Session arrive(Session session) {
        long n = arrivals.getAndIncrement();
        int pair = (int) (n / 2);
        int role = (int) (n % 2);
        Map<String, Object> values = new HashMap<>();
        values.put("pair", pair);
        values.put("role", role);
        values.put("userId", role == 0 && target.restRooms() ? rooms.hostId(pair) : target.userId("r", n));
        values.put("name", (role == 0 ? "Offerer " : "Answerer ") + pair);
        return session.setAll(values);
    }

    private ChainBuilder offer(Duration interval) {
        return during(duration)
                .on(pace(interval)
                        .exec(Sio.emitAwait(
                                "offer",
                                s -> client(s).offerTo(s.getString("peer"), offerSdp),
                                "offer -> answer",
                                (c, s) -> c.answersFrom(s.getString("peer")) >= c.offersSentTo(s.getString("peer")),
                                (c, s) -> null,
                                timeout)));
    }

    /** Answers every offer until the offerer leaves; each answer also arms the wait for the next offer. */
    private ChainBuilder answer() {
        Sio.Cond nextOffer = (c, s) -> c.hasPendingOffer() || c.gone(s.getString("peer"));
        return asLongAs(s -> !client(s).gone(s.getString("peer")) && !client(s).stalled())
                .on(exec(Sio.waitUntil("offer", nextOffer, s -> peerWait))
                        .doIf(s -> client(s).hasPendingOffer())
                        .then(
                                // the offerer waits for each answer, so one offer is pending at a time; were
                                // there more, waiting for a next one after this answer could stall
                                doIfOrElse(s -> client(s).pendingOfferCount() == 1)
                                        .then(Sio.emitThenWait(
                                                "answer",
                                                s -> client(s).answerNext(answerSdp),
                                                nextOffer,
                                                s -> peerWait))
                                        .orElse(Sio.emit(
                                                "answer", s -> client(s).answerNext(answerSdp)))));
    }
}
