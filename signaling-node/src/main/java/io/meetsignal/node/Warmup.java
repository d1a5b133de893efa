package io.meetsignal.node;

import com.fasterxml.jackson.databind.JsonNode;
import io.meetsignal.cluster.Room;
import io.meetsignal.cluster.RoomSettings;
import io.meetsignal.node.auth.DevTokens;
import io.meetsignal.node.config.NodeConfig;
import io.meetsignal.node.protocol.Json;
import io.meetsignal.node.service.RoomAdmin;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The warm-up a node runs against itself before {@code /readyz} reports it ready: pairs of websocket clients on
 * loopback, in a room of their own, relay realistic offers (3 KB) and ICE candidates to each other through the
 * node's whole path (Engine.IO and Socket.IO framing, the handshake, the store and the bus, the fan-out), so
 * that the JIT has compiled that path before a balancer sends real traffic. A JVM fresh from a restart spends
 * several times the CPU per message of a warm one while it compiles; on shared cores that turned into refused
 * signals in the first seconds.
 *
 * <p>It is bounded: {@code WARMUP} of traffic (at most 10 s), every socket below the per-socket rate limit, at
 * most {@link #PAIRS} pairs (fewer when the connection limits are lower), and the node reports ready at the latest
 * {@link #GRACE} after the traffic was due to end, whatever happened. The room is ended and its sockets close
 * afterwards, so nothing of it stays behind but the ended room's record, as after any meeting. Guests join when
 * they are allowed; otherwise the clients use tokens minted with {@code JWT_SECRET}; with neither, it is skipped.
 */
final class Warmup {

    private static final Logger log = LoggerFactory.getLogger(Warmup.class);

    static final int PAIRS = 20;
    /** Each socket's send interval: 40 events a second, below the default limit of 50 and the flood rule. */
    private static final long SEND_INTERVAL_MILLIS = 25;

    private static final Duration GRACE = Duration.ofSeconds(10);
    private static final String SDP = sdp(3_000);

    private final NodeConfig config;
    private final RoomAdmin admin;
    private final CompletableFuture<Void> done = new CompletableFuture<>();

    Warmup(NodeConfig config, RoomAdmin admin) {
        this.config = config;
        this.admin = admin;
    }

    /** Whether the warm-up is over (or was never to run). */
    boolean done() {
        return done.isDone();
    }

    /** Starts the warm-up against the node serving on {@code address}, on a thread of its own. */
    void start(InetSocketAddress address) {
        int pairs = pairs();
        if (config.warmup().isZero()) {
            done.complete(null);
            return;
        }
        if (pairs < 1
                || (!config.auth().allowGuests() && config.auth().jwtSecret().isEmpty())) {
            log.info(
                    "Warm-up skipped: {}",
                    pairs < 1 ? "the connection limits leave no room for it" : "no guests and no JWT_SECRET");
            done.complete(null);
            return;
        }
        Thread thread = new Thread(() -> run(address, pairs), "signaling-warmup");
        thread.setDaemon(true);
        thread.start();
        // ready at the latest after the grace period, whatever the warm-up does
        CompletableFuture.delayedExecutor(config.warmup().plus(GRACE).toMillis(), TimeUnit.MILLISECONDS)
                .execute(() -> {
                    if (done.complete(null)) {
                        log.warn(
                                "Warm-up did not end within {}; the node reports ready anyway",
                                config.warmup().plus(GRACE));
                    }
                });
    }

    private int pairs() {
        NodeConfig.Limits limits = config.limits();
        int sockets = Math.min(2 * PAIRS, limits.maxConnections() / 2);
        if (limits.maxConnectionsPerIp() > 0) {
            sockets = Math.min(sockets, limits.maxConnectionsPerIp() / 2);
        }
        return sockets / 2;
    }

    private void run(InetSocketAddress address, int pairs) {
        long started = System.nanoTime();
        HttpClient http = HttpClient.newHttpClient();
        List<Client> clients = new ArrayList<>();
        Room room = null;
        try {
            room = admin.create(
                            "warm-up:" + config.nodeId(),
                            "warm-up",
                            new RoomSettings(
                                    true, true, true, true, false, Math.max(RoomSettings.MIN_PARTICIPANTS, 2 * pairs)),
                            3)
                    .toCompletableFuture()
                    .get(5, TimeUnit.SECONDS);
            // loopback when the node listens on every interface, else the one address it listens on
            String host = address.getAddress().isAnyLocalAddress()
                    ? "127.0.0.1"
                    : (address.getAddress() instanceof java.net.Inet6Address
                            ? "[" + address.getAddress().getHostAddress() + "]"
                            : address.getAddress().getHostAddress());
            URI uri = URI.create("ws://" + host + ":" + address.getPort() + "/socket.io/?EIO=4&transport=websocket");
            for (int i = 0; i < 2 * pairs; i++) {
                Client client = new Client(i);
                clients.add(client);
                http.newWebSocketBuilder().buildAsync(uri, client).get(5, TimeUnit.SECONDS);
                client.connected.get(5, TimeUnit.SECONDS);
                client.join(room.code()).get(5, TimeUnit.SECONDS);
            }
            long deadline = System.nanoTime() + config.warmup().toNanos();
            long tick = 0;
            while (System.nanoTime() < deadline && !done.isDone()) {
                for (int i = 0; i < clients.size(); i++) {
                    Client peer = clients.get(i ^ 1);
                    clients.get(i).signal(tick % 2 == 0, peer.socketId);
                }
                tick++;
                Thread.sleep(SEND_INTERVAL_MILLIS);
            }
            long sent = clients.stream().mapToLong(c -> c.sent.get()).sum();
            // the last signals are still on their way through the store and the bus
            long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            long received = clients.stream().mapToLong(c -> c.signals.get()).sum();
            while (received < sent && System.nanoTime() < settle) {
                Thread.sleep(SEND_INTERVAL_MILLIS);
                received = clients.stream().mapToLong(c -> c.signals.get()).sum();
            }
            log.info(
                    "Warm-up: {} sockets relayed {} of {} signals in {} ms",
                    clients.size(),
                    received,
                    sent,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("Warm-up ended early: {}", e.toString());
        } finally {
            finish(room, clients);
        }
    }

    /** Ends the room (every socket in it is disconnected for good) and closes what is still open. */
    private void finish(Room room, List<Client> clients) {
        try {
            if (room != null) {
                admin.endRoom(room.id()).toCompletableFuture().get(5, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            log.warn("Ending the warm-up room failed: {}", e.toString());
        }
        for (Client client : clients) {
            client.close();
        }
        done.complete(null);
    }

    private String auth(int index) {
        if (config.auth().allowGuests()) {
            return "{\"displayName\":\"warm-up\"}";
        }
        String token = DevTokens.mint(config.auth(), "warm-up-" + index, "warm-up", Duration.ofMinutes(1));
        return "{\"token\":\"" + token + "\"}";
    }

    private static String sdp(int bytes) {
        StringBuilder text = new StringBuilder("v=0\\r\\no=- 4611731400430051336 2 IN IP4 127.0.0.1\\r\\ns=-\\r\\n");
        int line = 0;
        while (text.length() < bytes) {
            text.append("a=candidate:")
                    .append(line++)
                    .append(" 1 udp 2122260223 192.0.2.")
                    .append(line % 250)
                    .append(" 5")
                    .append(1000 + line)
                    .append(" typ host generation 0\\r\\n");
        }
        return text.toString();
    }

    /** One websocket client speaking Engine.IO 4 / Socket.IO 5, just enough to join and relay. */
    private final class Client implements WebSocket.Listener {

        private final int index;
        private final CompletableFuture<Void> connected = new CompletableFuture<>();
        private final CompletableFuture<Void> joined = new CompletableFuture<>();
        private final AtomicLong sent = new AtomicLong();
        private final AtomicLong signals = new AtomicLong();
        private final AtomicLong errors = new AtomicLong();
        private final StringBuilder partial = new StringBuilder();
        private CompletableFuture<WebSocket> sending;
        private volatile String socketId;

        Client(int index) {
            this.index = index;
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            synchronized (this) {
                sending = CompletableFuture.completedFuture(webSocket);
            }
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                onPacket(text);
            }
            webSocket.request(1);
            return null;
        }

        private void onPacket(String text) {
            if (text.startsWith("0")) {
                send("40" + auth(index)); // Engine.IO open: the Socket.IO CONNECT
            } else if (text.equals("2")) {
                send("3");
            } else if (text.startsWith("40")) {
                JsonNode answer = read(text.substring(2));
                socketId = answer.path("sid").asText(null);
                connected.complete(null);
            } else if (text.startsWith("44")) {
                connected.completeExceptionally(new IllegalStateException("refused: " + text));
            } else if (text.startsWith("431")) {
                JsonNode ack = read(text.substring(3));
                if (ack.path(0).path("success").asBoolean()) {
                    joined.complete(null);
                } else {
                    joined.completeExceptionally(new IllegalStateException("join refused: " + text));
                }
            } else if (text.startsWith("42[\"offer\"") || text.startsWith("42[\"ice-candidate\"")) {
                signals.incrementAndGet();
            } else if (text.startsWith("42[\"error\"") && errors.incrementAndGet() < 5) {
                log.info("Warm-up client got {}", text);
            }
        }

        CompletableFuture<Void> join(String code) {
            send("421[\"join-room\",{\"roomCode\":\"" + code + "\"}]");
            return joined;
        }

        void signal(boolean offer, String target) {
            if (target == null) {
                return;
            }
            sent.incrementAndGet();
            if (offer) {
                send("42[\"offer\",{\"targetId\":\"" + target + "\",\"sdp\":{\"type\":\"offer\",\"sdp\":\"" + SDP
                        + "\"}}]");
            } else {
                send("42[\"ice-candidate\",{\"targetId\":\"" + target
                        + "\",\"candidate\":{\"candidate\":\"candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host\","
                        + "\"sdpMid\":\"0\",\"sdpMLineIndex\":0}}]");
            }
        }

        /** One text message after the one before has gone (the JDK client takes one send at a time). */
        private synchronized void send(String text) {
            if (sending != null) {
                sending = sending.thenCompose(ws -> ws.sendText(text, true));
            }
        }

        synchronized void close() {
            if (sending != null) {
                sending = sending.thenCompose(ws -> ws.sendClose(WebSocket.NORMAL_CLOSURE, ""));
            }
        }

        private JsonNode read(String json) {
            try {
                return Json.MAPPER.readTree(json);
            } catch (Exception e) {
                return Json.MAPPER.missingNode();
            }
        }
    }
}
