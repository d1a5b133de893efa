package io.meetsignal.loadtest;

import static io.gatling.javaapi.core.CoreDsl.asLongAs;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.pause;
import static io.gatling.javaapi.core.CoreDsl.rampUsers;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.meetsignal.loadtest.sio.Sio.client;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.core.Simulation;
import io.meetsignal.loadtest.sio.Client;
import io.meetsignal.loadtest.sio.Frames;
import io.meetsignal.loadtest.sio.Sio;
import io.meetsignal.loadtest.support.Params;
import io.meetsignal.loadtest.support.Rooms;
import io.meetsignal.loadtest.support.Runs;
import io.meetsignal.loadtest.support.Target;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Meetings of {@code roomSize} participants, each a virtual user with its own socket:
 * <ol>
 *   <li>join ({@code join-room} with ack), then, as a newcomer, send an offer to everyone listed in
 *       {@code room-joined.participants} and wait for each one's answer ({@code offer -> answer}),
 *       followed by two ICE candidates; participants take turns (a newcomer starts once the one before
 *       it in the same room has finished negotiating) so that an answerer is never busy with its own
 *       offers, which would put Gatling's sequencing into the measured time;</li>
 *   <li>answer the offer of every later newcomer (plus two ICE candidates each);</li>
 *   <li>once the room is full and every peer's ICE candidates arrived: chat, audio off, video off,
 *       hand raised and lowered, audio on (each with ack), and wait until the same from every peer
 *       has arrived;</li>
 *   <li>stay {@code holdSeconds} (answering pings), leave ({@code leave-room} with ack).</li>
 * </ol>
 * Arrivals are spread round-robin over the rooms ({@code rampUsers(participants)} over
 * {@code rampSeconds}), so every room fills during the whole ramp and all participants are connected
 * together for at least {@code holdSeconds}. With {@code -DbaseUrls}, participant i of a room
 * connects to URL i mod (number of URLs), so every room spans the nodes.
 *
 * <p>Parameters (smoke / full): {@code participants} (8 / 2000), {@code roomSize} (4 / 4),
 * {@code rampSeconds} (4 / 60), {@code holdSeconds} (2 / 30), {@code timeoutMs} (5000),
 * {@code fillMarginSeconds} (20 / 30: how long past the ramp a room may take to fill),
 * {@code sdpBytes} (2000), {@code p99Ms} (2000 / 50), {@code maxFailedPct} (0), plus those of
 * {@link Target} and {@link Rooms}. Rooms: {@code rest} (created over REST with
 * {@code maxParticipants = roomSize}) or {@code auto}.
 */
public class MeetingSimulation extends Simulation {

    private final Params params = new Params("MeetingSimulation");
    private final Target target = new Target(params);
    private final int roomSize = params.integer("roomSize", 4, 4);
    private final int participants = params.integer("participants", 8, 2000);
    private final Duration ramp = params.seconds("rampSeconds", 4, 60);
    private final Duration hold = params.seconds("holdSeconds", 2, 30);
    private final Duration timeout = params.millis("timeoutMs", 5000, 5000);
    private final Duration fill = ramp.plus(params.seconds("fillMarginSeconds", 20, 30));
    private final int sdpBytes = params.integer("sdpBytes", 2000, 2000);
    private final int roomCount = Math.max(1, (participants + roomSize - 1) / roomSize);
    private final Rooms rooms = new Rooms(params, target, "m", roomCount, Math.max(2, Math.min(500, roomSize)));
    private final Map<String, Object> offerSdp = Signals.sdp("offer", sdpBytes);
    private final Map<String, Object> answerSdp = Signals.sdp("answer", sdpBytes);
    private final AtomicLong arrivals = new AtomicLong();

    {
        if (roomSize < 2) {
            throw new IllegalArgumentException("-DroomSize must be at least 2");
        }
        params.note("participants (rounded to full rooms)", roomCount * roomSize);
        params.print();

        ScenarioBuilder meeting = scenario("meeting")
                .exec(this::arrive)
                .exec(takeTurn())
                .doIf(s -> rooms.code(room(s)) == null)
                .then(exec(Sio.fail("no room code (room creation failed)"))
                        .exec(this::endTurn)
                        .exitHere())
                .exec(Sio.connect(
                        true,
                        s -> target.socketUrl(s.getInt("entry")),
                        s -> target.auth(s.getString("userId"), s.getString("name")),
                        timeout))
                .doIf(Session::isFailed)
                .then(exec(this::endTurn).exec(Sio.close()).exitHere())
                .exec(Sio.emitAwait(
                        "join-room",
                        s -> client(s).request("join-room", Map.of("roomCode", rooms.code(room(s)))),
                        "join-room ack",
                        (c, s) -> c.ackArrived(),
                        this::joinVerdict,
                        timeout))
                .doIf(Session::isFailed)
                .then(exec(this::endTurn).exec(Sio.close()).exitHere())
                .exec(offerToEveryoneHere())
                .exec(this::endTurn)
                .exec(answerLaterNewcomers())
                .exec(Sio.waitUntil("room complete", this::roomComplete, s -> fill))
                .exec(activity())
                .exec(Sio.waitUntil("peers' activity delivered", this::activityDelivered, s -> Duration.ofSeconds(30)))
                .exec(Sio.verify(
                        "no error events", (c, s) -> c.problems().isEmpty() ? null : String.join("; ", c.problems())))
                .pause(hold)
                .exec(Sio.request("leave-room", s -> Map.of("roomId", client(s).roomId()), timeout))
                .exec(Sio.close());

        setUp(rooms.before(meeting.injectOpen(rampUsers(roomCount * roomSize).during(ramp))))
                .protocols(Runs.protocol(params))
                .assertions(Runs.assertions(params, 2000, 50, "join-room ack", "offer -> answer", "chat-message ack"));
    }

    /** Arrival n sits in room n mod rooms, as participant n / rooms of that room. */
    private Session arrive(Session session) {
        long n = arrivals.getAndIncrement();
        int room = (int) (n % roomCount);
        int slot = (int) (n / roomCount);
        String userId = slot == 0 && target.restRooms() ? rooms.hostId(room) : target.userId("m", n);
        Map<String, Object> values = new HashMap<>();
        values.put("room", room);
        values.put("slot", slot);
        values.put("userId", userId);
        values.put("name", "Participant " + room + "-" + slot);
        values.put("entry", slot % target.baseUrlCount());
        values.put("turnDeadline", System.currentTimeMillis() + fill.toMillis());
        return session.setAll(values);
    }

    /** Waits (polling; usually not at all) until the participant before this one has negotiated. */
    private ChainBuilder takeTurn() {
        return asLongAs(s -> rooms.turn(room(s)) < slot(s) && System.currentTimeMillis() < s.getLong("turnDeadline"))
                .on(pause(Duration.ofMillis(50)));
    }

    private Session endTurn(Session session) {
        rooms.endTurn(room(session), slot(session));
        return session;
    }

    private String joinVerdict(Client client, Session session) {
        String verdict = client.acceptJoin();
        if (verdict != null) {
            return verdict;
        }
        boolean shouldHost = target.tokens() && slot(session) == 0;
        if (client.host() != shouldHost) {
            return "isHost " + client.host() + ", expected " + shouldHost;
        }
        return null;
    }

    private ChainBuilder offerToEveryoneHere() {
        return exec(s -> s.set("peers", client(s).peers()))
                .foreach(s -> s.<List<Object>>getList("peers"), "peer")
                .on(Sio.emitAwait(
                                "offer",
                                s -> client(s).offerTo(s.getString("peer"), offerSdp),
                                "offer -> answer",
                                (c, s) -> c.answersFrom(s.getString("peer")) >= 1,
                                (c, s) -> null,
                                timeout)
                        .exec(Sio.emit("ice-candidate", s -> candidate(s.getString("peer"), 0)))
                        .exec(Sio.emit("ice-candidate", s -> candidate(s.getString("peer"), 1))));
    }

    private ChainBuilder answerLaterNewcomers() {
        return asLongAs(s -> client(s).answered() < roomSize - 1 - slot(s)
                        && !client(s).stalled())
                .on(Sio.waitUntil("offer from a newcomer", (c, s) -> c.hasPendingOffer(), s -> fill)
                        .doIf(s -> client(s).hasPendingOffer())
                        .then(Sio.emit("answer", s -> client(s).answerNext(answerSdp))
                                .exec(Sio.emit(
                                        "ice-candidate",
                                        s -> candidate(client(s).lastAnswered(), 0)))
                                .exec(Sio.emit(
                                        "ice-candidate",
                                        s -> candidate(client(s).lastAnswered(), 1)))));
    }

    private boolean roomComplete(Client client, Session session) {
        if (client.peerCount() < roomSize - 1) {
            return false;
        }
        for (String peer : client.peers()) {
            if (client.iceFrom(peer) < 2) {
                return false;
            }
        }
        return true;
    }

    private ChainBuilder activity() {
        return exec(Sio.request(
                        "chat-message",
                        s -> Map.of("roomId", roomId(s), "content", "Hello from " + s.getString("name")),
                        timeout))
                .exec(Sio.request("toggle-audio", s -> Map.of("roomId", roomId(s), "enabled", false), timeout))
                .exec(Sio.request("toggle-video", s -> Map.of("roomId", roomId(s), "enabled", false), timeout))
                .exec(Sio.request("toggle-hand-raise", s -> Map.of("roomId", roomId(s), "raised", true), timeout))
                .exec(Sio.request("toggle-hand-raise", s -> Map.of("roomId", roomId(s), "raised", false), timeout))
                .exec(Sio.request("toggle-audio", s -> Map.of("roomId", roomId(s), "enabled", true), timeout));
    }

    /** Every peer's chat, two audio toggles, a video toggle, a raised and a lowered hand arrived. */
    private boolean activityDelivered(Client client, Session session) {
        int peers = roomSize - 1;
        return client.received("chat-message") >= roomSize
                && client.received("user-toggle-audio") >= 2 * peers
                && client.received("user-toggle-video") >= peers
                && client.received("user-hand-raised") >= peers
                && client.received("user-hand-lowered") >= peers;
    }

    private static String candidate(String target, int index) {
        return Frames.event("ice-candidate", Map.of("targetId", target, "candidate", Signals.candidate(index)));
    }

    private static int room(Session session) {
        return session.getInt("room");
    }

    private static int slot(Session session) {
        return session.getInt("slot");
    }

    private static String roomId(Session session) {
        return client(session).roomId();
    }
}
