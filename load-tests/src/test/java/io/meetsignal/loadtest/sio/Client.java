package io.meetsignal.loadtest.sio;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one virtual user has seen on its socket: the Socket.IO session, acknowledgements, the other
 * participants of its room, pending offers, and counts of every event. Every inbound frame goes
 * through {@link #ingest(String)} exactly once (see {@link Sio} for how none is lost).
 *
 * <p>Mutable and not thread-safe: it lives in the Gatling session of one virtual user, whose actions
 * and websocket callbacks all run on that user's event loop.
 */
public final class Client {

    private final boolean trackRoster;

    private boolean opened;
    private String sid;
    private String connectError;
    private boolean disconnected;
    private int pings;
    private long pingInterval;
    private long openedAtNanos;

    private long nextAckId;
    private long awaitedAck = -1;
    private final Map<Long, String> acks = new HashMap<>();
    private long parsedAckId = -1;
    private JsonNode parsedAck;

    private String roomId;
    private boolean host;
    private final Map<String, String> roster = new LinkedHashMap<>();
    private final Set<String> gone = new HashSet<>();

    private final Deque<String> pendingOffers = new ArrayDeque<>();
    private final Map<String, Integer> offersSent = new HashMap<>();
    private final Map<String, Integer> answersFrom = new HashMap<>();
    private final Map<String, Integer> iceFrom = new HashMap<>();
    private final Map<String, Integer> events = new HashMap<>();
    private final List<String> problems = new ArrayList<>();
    private String lastAnswered;
    private int answered;
    private boolean stalled;

    /**
     * @param trackRoster whether to follow {@code user-joined} / {@code user-left} (parses their
     *     payloads; off for big rooms where nobody needs the roster)
     */
    public Client(boolean trackRoster) {
        this.trackRoster = trackRoster;
    }

    // ---- inbound ------------------------------------------------------------------------------

    public void ingest(String frame) {
        if (frame.isEmpty()) {
            return;
        }
        switch (frame.charAt(0)) {
            case '0' -> {
                opened = true;
                openedAtNanos = System.nanoTime();
                pingInterval =
                        Frames.parse(frame.substring(1)).path("pingInterval").asLong(0);
            }
            case '1' -> disconnected = true;
            case '2' -> pings++;
            case '4' -> {
                if (frame.length() > 1) {
                    socketIo(frame);
                }
            }
            default -> {
                // pong, noop, upgrade: nothing to track
            }
        }
    }

    private void socketIo(String frame) {
        switch (frame.charAt(1)) {
            case '0' -> sid = Frames.parse(frame.substring(2)).path("sid").asText(null);
            case '1' -> disconnected = true;
            case '2' -> event(frame);
            case '3' -> {
                int i = 2;
                while (i < frame.length() && Character.isDigit(frame.charAt(i))) {
                    i++;
                }
                if (i > 2) {
                    acks.put(Long.parseLong(frame.substring(2, i)), frame.substring(i));
                }
            }
            case '4' -> {
                JsonNode error = Frames.parse(frame.substring(2));
                connectError = error.path("message").asText("connect_error");
                problems.add("connect_error " + connectError);
            }
            default -> problems.add("unexpected packet " + Frames.abbreviate(frame));
        }
    }

    private void event(String frame) {
        String name = Frames.eventName(frame);
        if (name == null) {
            problems.add("malformed event " + Frames.abbreviate(frame));
            return;
        }
        events.merge(name, 1, Integer::sum);
        switch (name) {
            case "offer" -> {
                String sender = Frames.quickString(frame, "senderId");
                if (sender != null) {
                    pendingOffers.add(sender);
                }
            }
            case "answer" -> count(answersFrom, Frames.quickString(frame, "senderId"));
            case "ice-candidate" -> count(iceFrom, Frames.quickString(frame, "senderId"));
            case "user-joined" -> {
                if (trackRoster) {
                    JsonNode participant = Frames.eventPayload(frame).path("participant");
                    String id = participant.path("socketId").asText(null);
                    if (id != null && !id.equals(sid)) {
                        roster.put(id, participant.path("displayName").asText(""));
                        gone.remove(id);
                    }
                }
            }
            case "user-left" -> {
                if (trackRoster) {
                    String id = Frames.eventPayload(frame).path("socketId").asText(null);
                    if (id != null) {
                        roster.remove(id);
                        gone.add(id);
                    }
                }
            }
            case "error", "join-error", "force-disconnect" ->
                problems.add(name + " " + Frames.abbreviate(frame.substring(frame.indexOf(','))));
            default -> {
                // counted above
            }
        }
    }

    private static void count(Map<String, Integer> counts, String key) {
        if (key != null) {
            counts.merge(key, 1, Integer::sum);
        }
    }

    // ---- outbound helpers -------------------------------------------------------------------------

    /** A new event frame with an ack id; {@link #ackArrived()} then tells when its answer came. */
    public String request(String event, Object payload) {
        awaitedAck = ++nextAckId;
        return Frames.event(awaitedAck, event, payload);
    }

    public boolean ackArrived() {
        return acks.containsKey(awaitedAck);
    }

    /**
     * The payload of the last request's ack, or a missing node while it has not arrived. Parsed once: a join's ack
     * in a big room is a large text, read by {@link #ackVerdict()} and {@link #acceptJoin()} alike, and parsing it
     * twice for every join made the load generator, not the cluster, the limit of a join storm.
     */
    public JsonNode ack() {
        if (parsedAckId == awaitedAck) {
            return parsedAck;
        }
        String raw = acks.get(awaitedAck);
        if (raw == null) {
            return Frames.JSON.missingNode();
        }
        JsonNode array = Frames.parse(raw);
        parsedAck = array.size() > 0 ? array.get(0) : Frames.JSON.missingNode();
        parsedAckId = awaitedAck;
        acks.put(awaitedAck, ""); // arrived; the text is not needed again
        return parsedAck;
    }

    /** Null when the last request was acknowledged with {@code success: true}, else why not. */
    public String ackVerdict() {
        JsonNode ack = ack();
        if (ack.isMissingNode()) {
            return "no ack";
        }
        if (ack.path("success").asBoolean(false)) {
            return null;
        }
        return "refused: " + ack.path("code").asText("?") + " "
                + ack.path("error").asText("");
    }

    /** Takes the join acknowledgement: room id, host flag and the participants already there. */
    public String acceptJoin() {
        String verdict = ackVerdict();
        if (verdict != null) {
            return verdict;
        }
        JsonNode ack = ack();
        roomId = ack.path("roomId").asText(null);
        host = ack.path("isHost").asBoolean(false);
        if (trackRoster) {
            for (JsonNode participant : ack.path("participants")) {
                String id = participant.path("socketId").asText(null);
                if (id != null && !id.equals(sid)) {
                    roster.put(id, participant.path("displayName").asText(""));
                }
            }
        }
        return roomId == null ? "join ack without roomId" : null;
    }

    public String offerTo(String target, Object sdp) {
        offersSent.merge(target, 1, Integer::sum);
        return Frames.event("offer", Map.of("targetId", target, "sdp", sdp));
    }

    /** Answers the oldest pending offer; remembers nothing else (the offerer measures). */
    public String answerNext(Object sdp) {
        String target = pendingOffers.poll();
        if (target == null) {
            throw new IllegalStateException("no pending offer to answer");
        }
        lastAnswered = target;
        answered++;
        return Frames.event("answer", Map.of("targetId", target, "sdp", sdp));
    }

    /** The peer whose offer was answered last. */
    public String lastAnswered() {
        return lastAnswered;
    }

    /** How many offers this client has answered. */
    public int answered() {
        return answered;
    }

    /** A wait of this client timed out: loops that depend on peers stop. */
    public void stall() {
        stalled = true;
    }

    public boolean stalled() {
        return stalled;
    }

    // ---- state --------------------------------------------------------------------------------

    public boolean opened() {
        return opened;
    }

    public String sid() {
        return sid;
    }

    public String connectError() {
        return connectError;
    }

    /** Null once the Socket.IO CONNECT was accepted, else why not (yet). */
    public String connectVerdict() {
        if (connectError != null) {
            return "connect_error " + connectError;
        }
        return sid == null ? "no socket id" : null;
    }

    public boolean connectAnswered() {
        return sid != null || connectError != null;
    }

    public boolean disconnected() {
        return disconnected;
    }

    /** Engine.IO pings seen while no check was waiting (pings during a check are answered, not counted). */
    public int pings() {
        return pings;
    }

    /** The ping interval announced in the Engine.IO open packet, in milliseconds. */
    /** Milliseconds since the Engine.IO open, or 0 before it. */
    public long millisSinceOpen() {
        return opened ? (System.nanoTime() - openedAtNanos) / 1_000_000 : 0;
    }

    public long pingInterval() {
        return pingInterval;
    }

    public String roomId() {
        return roomId;
    }

    public boolean host() {
        return host;
    }

    /** Socket ids of the others in the room, in the order this client learnt of them. */
    public List<String> peers() {
        return new ArrayList<>(roster.keySet());
    }

    public int peerCount() {
        return roster.size();
    }

    public boolean gone(String socketId) {
        return gone.contains(socketId);
    }

    public boolean hasPendingOffer() {
        return !pendingOffers.isEmpty();
    }

    public int pendingOfferCount() {
        return pendingOffers.size();
    }

    public int offersSentTo(String peer) {
        return offersSent.getOrDefault(peer, 0);
    }

    public int answersFrom(String peer) {
        return answersFrom.getOrDefault(peer, 0);
    }

    public int iceFrom(String peer) {
        return iceFrom.getOrDefault(peer, 0);
    }

    public int received(String event) {
        return events.getOrDefault(event, 0);
    }

    /** Refusals, errors and forced disconnects seen so far (empty when all went well). */
    public List<String> problems() {
        return problems;
    }
}
