package io.meetsignal.loadtest;

import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.rampUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.meetsignal.loadtest.sio.Sio.client;

import io.gatling.javaapi.core.OpenInjectionStep;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.core.Simulation;
import io.meetsignal.loadtest.sio.Sio;
import io.meetsignal.loadtest.support.Params;
import io.meetsignal.loadtest.support.Rooms;
import io.meetsignal.loadtest.support.Runs;
import io.meetsignal.loadtest.support.Target;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Many clients joining a few big rooms at once: clients arrive at {@code joinsPerSec} (after a ramp
 * from a tenth of it), each connects, joins one of {@code roomCount} rooms (round-robin) and is measured
 * on {@code join-room ack}; it stays {@code holdSeconds} (receiving everyone else's
 * {@code user-joined} / {@code user-left}) and leaves. A room holds about
 * {@code joinsPerSec × (holdSeconds + 1) / roomCount} participants at a time, so every join fans out to
 * that many sockets.
 *
 * <p>Parameters (smoke / full): {@code roomCount} (2 / 5), {@code joinsPerSec} (20 / 500),
 * {@code rampSeconds} (0 / 20), {@code durationSeconds} at full rate (4 / 40), {@code holdSeconds}
 * (1 / 2), {@code maxParticipants} per room (500), {@code timeoutMs} (5000), {@code p99Ms}
 * (2000 / 100), {@code maxFailedPct} (0), plus those of {@link Target} and {@link Rooms}. Needs
 * {@code -Drooms=rest} (rooms with {@code maxParticipants} seats) unless the rooms stay under the
 * 50 seats of auto-created rooms. With {@code -DbaseUrls}, arrival n connects to URL n mod count.
 */
public class JoinStormSimulation extends Simulation {

    private static final int AUTO_ROOM_SEATS = 50;

    private final Params params = new Params("JoinStormSimulation");
    private final Target target = new Target(params);
    private final int roomCount = params.integer("roomCount", 2, 5);
    private final double joinsPerSec = params.decimal("joinsPerSec", 20, 500);
    private final Duration ramp = params.seconds("rampSeconds", 0, 20);
    private final Duration duration = params.seconds("durationSeconds", 4, 40);
    private final Duration hold = params.seconds("holdSeconds", 1, 2);
    private final int maxParticipants = params.integer("maxParticipants", 500, 500);
    private final Duration timeout = params.millis("timeoutMs", 5000, 5000);
    private final Rooms rooms = new Rooms(params, target, "j", roomCount, maxParticipants);
    private final AtomicLong arrivals = new AtomicLong();

    {
        long perRoom = Math.round(joinsPerSec * (hold.toSeconds() + 1) / roomCount);
        params.note("expected participants per room", perRoom);
        int seats = target.restRooms() ? maxParticipants : AUTO_ROOM_SEATS;
        if (perRoom >= seats) {
            throw new IllegalArgumentException("about " + perRoom + " participants per room would not fit in " + seats
                    + " seats: raise -DroomCount, lower -DholdSeconds, or use -Drooms=rest");
        }
        params.print();

        ScenarioBuilder storm = scenario("join storm")
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
                .exec(Sio.verify(
                        "no error events", (c, s) -> c.problems().isEmpty() ? null : String.join("; ", c.problems())))
                .exec(Sio.request("leave-room", s -> Map.of("roomId", client(s).roomId()), timeout))
                .exec(Sio.close());

        List<OpenInjectionStep> injection = new ArrayList<>();
        if (!ramp.isZero()) {
            injection.add(rampUsersPerSec(Math.max(1, joinsPerSec / 10))
                    .to(joinsPerSec)
                    .during(ramp));
        }
        injection.add(constantUsersPerSec(joinsPerSec).during(duration));
        setUp(rooms.before(storm.injectOpen(injection)))
                .protocols(Runs.protocol(params))
                .assertions(Runs.assertions(params, 2000, 100, "join-room ack"));
    }

    private Session arrive(Session session) {
        long n = arrivals.getAndIncrement();
        Map<String, Object> values = new HashMap<>();
        values.put("room", (int) (n % roomCount));
        values.put("entry", (int) (n % target.baseUrlCount()));
        values.put("userId", target.userId("j", n));
        values.put("name", "Joiner " + n);
        return session.setAll(values);
    }
}
