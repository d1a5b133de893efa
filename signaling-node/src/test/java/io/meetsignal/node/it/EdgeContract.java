package io.meetsignal.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meetsignal.node.auth.DevTokens;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The edge and REST of a whole node, over HTTP from this JVM: probes, rooms, the origin allow-list, a malformed
 * request, and a Socket.IO handshake over raw Engine.IO polling. Run on the in-memory store
 * ({@link EdgeInJvmTest}) and on Redis ({@link EdgeOnRedisIT}).
 */
abstract class EdgeContract {

    static final String SECRET = "an-edge-test-secret-of-at-least-32-bytes";
    static final String ALLOWED_ORIGIN = "https://app.example";

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** The node under test, started with {@link #configured}. */
    abstract SignalingNodeExtension node();

    static SignalingNodeExtension configured(SignalingNodeExtension node) {
        return node.with("JWT_SECRET", SECRET).with("CORS_ORIGINS", ALLOWED_ORIGIN);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return send(http, request);
    }

    private static HttpResponse<String> send(HttpClient client, HttpRequest.Builder request)
            throws IOException, InterruptedException {
        return client.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * A polling request on a connection of its own: the edge may close a polling connection once it answered, and
     * the client does not retry a POST on a pooled connection that the server closed meanwhile.
     */
    private static HttpResponse<String> poll(HttpRequest.Builder request) throws IOException, InterruptedException {
        return send(
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build(), request);
    }

    private HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri).GET());
    }

    private String bearer(String userId) {
        return "Bearer "
                + DevTokens.mint(node().node().config().auth(), userId, "Host " + userId, Duration.ofMinutes(5));
    }

    @Test
    void healthAnswersAndTheNodeBecomesReady() throws Exception {
        HttpResponse<String> health = get(node().managementUri("/healthz"));
        assertEquals(200, health.statusCode());
        assertEquals("ok\n", health.body());
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        HttpResponse<String> ready = get(node().managementUri("/readyz"));
        while (ready.statusCode() != 200 && System.nanoTime() < deadline) {
            Thread.sleep(50);
            ready = get(node().managementUri("/readyz"));
        }
        assertEquals(200, ready.statusCode(), ready.body());
        assertEquals("ready\n", ready.body());
    }

    @Test
    void aCreatedRoomIsFoundByItsCode() throws Exception {
        HttpResponse<String> created = send(HttpRequest.newBuilder(node().uri("/api/rooms"))
                .header("Authorization", bearer("host-1"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"Standup\",\"waitingRoom\":true}")));
        assertEquals(201, created.statusCode(), created.body());
        JsonNode room = JSON.readTree(created.body());
        assertEquals("Standup", room.get("name").textValue());
        assertEquals("host-1", room.get("hostId").textValue());
        String code = room.get("code").textValue();
        assertTrue(code.matches("[a-z]{3}-[a-z]{3}-[a-z]{3}"), code);

        HttpResponse<String> found = get(node().uri("/api/rooms/code/" + code.toUpperCase()));
        assertEquals(200, found.statusCode(), found.body());
        JsonNode view = JSON.readTree(found.body());
        assertEquals(room.get("id").textValue(), view.get("id").textValue());
        assertEquals(0, view.get("participantCount").intValue());
        assertTrue(view.get("settings").get("waitingRoom").booleanValue());

        HttpResponse<String> unknown = get(node().uri("/api/rooms/code/zzz-zzz-zzz"));
        assertEquals(404, unknown.statusCode());
        assertEquals(
                "ROOM_NOT_FOUND",
                JSON.readTree(unknown.body()).get("error").get("code").textValue());
    }

    @Test
    void anOriginNotListedIsRefused() throws Exception {
        HttpResponse<String> refused = send(HttpRequest.newBuilder(node().uri("/api/rooms/code/abc-def-ghi"))
                .header("Origin", "https://evil.example")
                .GET());
        assertEquals(403, refused.statusCode());
        JsonNode error = JSON.readTree(refused.body()).get("error");
        assertEquals("FORBIDDEN", error.get("code").textValue());
        assertEquals("Origin not allowed", error.get("message").textValue());

        HttpResponse<String> allowed = send(HttpRequest.newBuilder(node().uri("/api/rooms/code/abc-def-ghi"))
                .header("Origin", ALLOWED_ORIGIN)
                .GET());
        assertEquals(404, allowed.statusCode(), "a listed origin reaches the API");
    }

    @Test
    void malformedRequestsAre400() throws Exception {
        HttpResponse<String> badJson = send(HttpRequest.newBuilder(node().uri("/api/rooms"))
                .header("Authorization", bearer("host-2"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":")));
        assertEquals(400, badJson.statusCode(), badJson.body());
        assertEquals(
                "INVALID_PAYLOAD",
                JSON.readTree(badJson.body()).get("error").get("code").textValue());

        HttpResponse<String> notACode = get(node().uri("/api/rooms/code/a!"));
        assertEquals(400, notACode.statusCode(), notACode.body());
        assertEquals(
                "INVALID_PAYLOAD",
                JSON.readTree(notACode.body()).get("error").get("code").textValue());
    }

    private void assertError(HttpResponse<String> response, int status, String code, String message) throws Exception {
        assertEquals(status, response.statusCode(), response.body());
        JsonNode error = JSON.readTree(response.body()).get("error");
        assertEquals(code, error.get("code").textValue(), response.body());
        assertEquals(message, error.get("message").textValue(), response.body());
    }

    @Test
    void everyRestRefusalHasTheStatusOfItsCode() throws Exception {
        HttpResponse<String> created = send(HttpRequest.newBuilder(node().uri("/api/rooms"))
                .header("Authorization", bearer("host-3"))
                .POST(HttpRequest.BodyPublishers.noBody()));
        assertEquals(201, created.statusCode(), created.body());
        String id = JSON.readTree(created.body()).get("id").textValue();

        assertError(get(node().uri("/api/rooms/" + id)), 401, "AUTH_FAILED", "A bearer token is required");
        assertError(
                send(HttpRequest.newBuilder(node().uri("/api/rooms/" + id))
                        .header("Authorization", "Bearer x.y.z")
                        .GET()),
                401,
                "AUTH_FAILED",
                "Invalid token");
        assertError(
                send(HttpRequest.newBuilder(node().uri("/api/rooms/" + id))
                        .header("Authorization", bearer("other"))
                        .GET()),
                403,
                "FORBIDDEN",
                "Only the host can do this");
        assertError(
                send(HttpRequest.newBuilder(node().uri("/api/rooms/" + java.util.UUID.randomUUID()))
                        .header("Authorization", bearer("host-3"))
                        .GET()),
                404,
                "ROOM_NOT_FOUND",
                "Room not found");
        assertError(
                send(HttpRequest.newBuilder(node().uri("/api/rooms/" + id + "/settings"))
                        .header("Authorization", bearer("host-3"))
                        .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"allowChat\":\"yes\"}"))),
                400,
                "INVALID_PAYLOAD",
                "allowChat: expected a boolean");
        assertError(
                send(HttpRequest.newBuilder(node().uri("/api/rooms/" + id + "/settings"))
                        .header("Authorization", bearer("host-3"))
                        .GET()),
                404,
                "INVALID_PAYLOAD",
                "No such endpoint");
        assertError(get(node().uri("/api/nothing/here")), 404, "INVALID_PAYLOAD", "No such endpoint");

        HttpResponse<String> ended = send(HttpRequest.newBuilder(node().uri("/api/rooms/" + id))
                .header("Authorization", bearer("host-3"))
                .DELETE());
        assertEquals(204, ended.statusCode(), ended.body());
    }

    /** Opens an Engine.IO session over polling; returns its sid. */
    private String openPolling() throws Exception {
        HttpResponse<String> open = poll(HttpRequest.newBuilder(node().uri("/socket.io/?EIO=4&transport=polling")));
        assertEquals(200, open.statusCode(), open.body());
        assertTrue(open.body().startsWith("0{"), open.body());
        JsonNode handshake = JSON.readTree(open.body().substring(1));
        assertTrue(handshake.get("upgrades").toString().contains("websocket"), open.body());
        return handshake.get("sid").textValue();
    }

    /** Sends one Socket.IO CONNECT with {@code auth}, then polls until an answer to it arrives. */
    private String connect(String sid, String auth) throws Exception {
        URI session = node().uri("/socket.io/?EIO=4&transport=polling&sid=" + sid);
        HttpResponse<String> posted = poll(HttpRequest.newBuilder(session)
                .header("Content-Type", "text/plain;charset=UTF-8")
                .POST(HttpRequest.BodyPublishers.ofString("40" + auth)));
        assertEquals(200, posted.statusCode(), posted.body());
        assertEquals("ok", posted.body());
        for (int i = 0; i < 10; i++) {
            String body = poll(HttpRequest.newBuilder(session).GET()).body();
            for (String packet : body.split("\u001e")) {
                if (packet.startsWith("40") || packet.startsWith("44")) {
                    return packet;
                }
            }
        }
        throw new AssertionError("no answer to the CONNECT");
    }

    @Test
    void aGuestConnectsOverRawPollingAndOneWithoutANameIsRefused() throws Exception {
        String accepted = connect(openPolling(), "{\"displayName\":\"Ann\"}");
        assertTrue(accepted.startsWith("40{"), accepted);
        assertTrue(JSON.readTree(accepted.substring(2)).get("sid").textValue().length() > 0, accepted);

        String refused = connect(openPolling(), "{}");
        assertTrue(refused.startsWith("44{"), refused);
        JsonNode error = JSON.readTree(refused.substring(2));
        assertEquals("DISPLAY_NAME_REQUIRED", error.get("message").textValue(), refused);
        assertEquals("DISPLAY_NAME_REQUIRED", error.get("data").get("code").textValue(), refused);
    }
}
