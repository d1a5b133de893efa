package io.meetsignal.loadtest.support;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.core.CoreDsl.rampUsers;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.PopulationBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.meetsignal.loadtest.sio.Frames;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The rooms of one run, shared by its virtual users (all in this JVM): their codes, and per room a
 * turn counter with which participants take turns to negotiate.
 *
 * <p>With {@code -Drooms=rest} the rooms are created over REST by a scenario that runs before the
 * participants arrive, paced at {@code -DroomCreatePerSec} (default 50; the REST API allows 100
 * requests/s with a burst of 200 per client address). With {@code -Drooms=auto} the codes are made up
 * here and the first join creates each room: the nodes need {@code ROOMS_AUTO_CREATE=true}, and the
 * rooms get the default settings (50 seats).
 */
public final class Rooms {

    private final Target target;
    private final String tag;
    private final int count;
    private final int maxParticipants;
    private final double createPerSec;
    private final AtomicReferenceArray<String> codes;
    private final AtomicIntegerArray turns;
    private final AtomicInteger created = new AtomicInteger();

    public Rooms(Params params, Target target, String tag, int count, int maxParticipants) {
        if (count < 1) {
            throw new IllegalArgumentException("a run needs at least one room, got " + count);
        }
        this.target = target;
        this.tag = tag;
        this.count = count;
        this.maxParticipants = maxParticipants;
        this.createPerSec = params.decimal("roomCreatePerSec", 50, 50);
        this.codes = new AtomicReferenceArray<>(count);
        this.turns = new AtomicIntegerArray(count);
        params.note("roomCount", count);
        params.note("roomMaxParticipants", target.restRooms() ? maxParticipants : "50 (auto-created)");
        if (!target.restRooms()) {
            for (int i = 0; i < count; i++) {
                codes.set(i, target.roomCode(tag, i));
            }
        }
    }

    public int count() {
        return count;
    }

    /** The code of room {@code room}, or null when its creation failed. */
    public String code(int room) {
        return codes.get(room);
    }

    /** The user id that created room {@code room} over REST, and so is its host. */
    public String hostId(int room) {
        return target.userId(tag + "host", room);
    }

    /** How many participants of the room have had their turn. */
    public int turn(int room) {
        return turns.get(room);
    }

    /** Participant {@code slot} of the room is done with its turn (also when it failed). */
    public void endTurn(int room, int slot) {
        turns.accumulateAndGet(room, slot + 1, Math::max);
    }

    /** The participants' population, preceded (in rest mode) by the creation of the rooms. */
    public PopulationBuilder before(PopulationBuilder participants) {
        if (!target.restRooms()) {
            return participants;
        }
        // Gatling 3.15 injects nothing from a ramp shorter than a second: never ask for one
        long millis = Math.max(1000, Math.round(count * 1000.0 / createPerSec));
        var injection = count == 1 ? atOnceUsers(1) : rampUsers(count).during(Duration.ofMillis(millis));
        return creation().injectOpen(injection).andThen(participants);
    }

    private ScenarioBuilder creation() {
        return scenario("create rooms")
                .exec(session -> session.set("room", created.getAndIncrement()))
                .exec(http("POST /api/rooms")
                        .post(target.baseUrl(0) + "/api/rooms")
                        .header("Authorization", session -> {
                            int room = session.getInt("room");
                            return "Bearer " + target.token(hostId(room), "Host " + room);
                        })
                        .body(StringBody(session -> Frames.json(Map.of(
                                "name",
                                "load test " + tag + session.getInt("room"),
                                "maxParticipants",
                                maxParticipants))))
                        .asJson()
                        .check(status().is(201), jsonPath("$.code").saveAs("code")))
                .exec(session -> {
                    if (session.contains("code")) {
                        codes.set(session.getInt("room"), session.getString("code"));
                    }
                    return session;
                });
    }
}
