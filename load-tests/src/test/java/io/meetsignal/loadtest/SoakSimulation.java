package io.meetsignal.loadtest;

import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.rampUsers;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.meetsignal.loadtest.sio.Sio.client;

import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.core.Simulation;
import io.meetsignal.loadtest.sio.Client;
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
 * Many idle participants holding their seats: each connects, joins (rooms of {@code roomSize},
 * filled round-robin), stays {@code holdSeconds} answering the server's Engine.IO pings (Gatling's
 * Socket.IO auto-reply) and leaves. At the end each checks that it saw every ping due by then (one per
 * {@code pingInterval} since the Engine.IO open, except one due in the last second), no error and no
 * disconnect; the final {@code leave-room} ack proves the seat and the socket survived. (A hold that is a
 * whole number of intervals ends just as its last ping falls due; counting from the hold's length instead
 * failed every user of the 300 s full profile by that one ping.)
 *
 * <p>Parameters (smoke / full): {@code users} (20 / 2000), {@code roomSize} (10 / 10),
 * {@code rampSeconds} (2 / 60), {@code holdSeconds} (27 / 300; pings come every 25 s),
 * {@code timeoutMs} (5000), {@code p99Ms} (2000 / 100), {@code maxFailedPct} (0), plus those of
 * {@link Target} and {@link Rooms}. With {@code -DbaseUrls}, arrival n connects to URL n mod count.
 */
public class SoakSimulation extends Simulation {

    private static final long PING_GRACE_MILLIS = 1000;

    private final Params params = new Params("SoakSimulation");
    private final Target target = new Target(params);
    private final int users = params.integer("users", 20, 2000);
    private final int roomSize = params.integer("roomSize", 10, 10);
    private final Duration ramp = params.seconds("rampSeconds", 2, 60);
    private final Duration hold = params.seconds("holdSeconds", 27, 300);
    private final Duration timeout = params.millis("timeoutMs", 5000, 5000);
    private final int roomCount = Math.max(1, (users + roomSize - 1) / roomSize);
    private final Rooms rooms = new Rooms(params, target, "s", roomCount, Math.max(2, Math.min(500, roomSize)));
    private final AtomicLong arrivals = new AtomicLong();

    {
        params.print();

        ScenarioBuilder soak = scenario("soak")
                .exec(this::arrive)
                .doIf(s -> rooms.code(s.getInt("room")) == null)
                .then(exec(Sio.fail("no room code (room creation failed)")).exitHere())
                .exec(Sio.connect(
                        false,
                        s -> target.socketUrl(s.getInt("entry")),
                        s -> target.auth(s.getString("userId"), s.getString("name")),
                        timeout))
                .exitHereIfFailed()
                .exec(Sio.emitAwait(
                        "join-room",
                        s -> client(s).request("join-room", Map.of("roomCode", rooms.code(s.getInt("room")))),
                        "join-room ack",
                        (c, s) -> c.ackArrived(),
                        (c, s) -> c.acceptJoin(),
                        timeout))
                .exitHereIfFailed()
                .pause(hold)
                .exec(Sio.verify("seat held", this::heldVerdict))
                .exec(Sio.request("leave-room", s -> Map.of("roomId", client(s).roomId()), timeout))
                .exec(Sio.close());

        setUp(rooms.before(soak.injectOpen(rampUsers(users).during(ramp))))
                .protocols(Runs.protocol(params))
                .assertions(Runs.assertions(params, 2000, 100, "join-room ack", "leave-room ack"));
    }

    private Session arrive(Session session) {
        long n = arrivals.getAndIncrement();
        Map<String, Object> values = new HashMap<>();
        values.put("room", (int) (n % roomCount));
        values.put("entry", (int) (n % target.baseUrlCount()));
        values.put("userId", target.userId("s", n));
        values.put("name", "Idler " + n);
        return session.setAll(values);
    }

    private String heldVerdict(Client client, Session session) {
        if (client.disconnected()) {
            return "disconnected";
        }
        if (!client.problems().isEmpty()) {
            return String.join("; ", client.problems());
        }
        // pings fall due every interval after the Engine.IO open; one due in the last second may still be on its way
        long expected = client.pingInterval() <= 0
                ? 0
                : Math.max(0, client.millisSinceOpen() - PING_GRACE_MILLIS) / client.pingInterval();
        return client.pings() < expected ? "saw " + client.pings() + " pings, expected " + expected : null;
    }
}
