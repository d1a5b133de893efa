package io.meetsignal.node.service;

import static io.meetsignal.node.service.MeetingFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.meetsignal.cluster.Room;
import io.meetsignal.cluster.RoomSettings;
import io.meetsignal.node.protocol.ErrorCode;
import io.meetsignal.node.protocol.Json;
import io.meetsignal.node.protocol.ProtocolException;
import io.meetsignal.node.protocol.Requests.Chat;
import io.meetsignal.node.protocol.Requests.Flag;
import io.meetsignal.node.protocol.Requests.RoomRef;
import io.meetsignal.node.protocol.Requests.Signal;
import io.meetsignal.node.service.MeetingFixture.Client;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SignalServiceTest {

    private final MeetingFixture f = new MeetingFixture();

    @AfterEach
    void close() {
        f.close();
    }

    private static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static ErrorCode code(Runnable action) {
        return assertThrows(ProtocolException.class, action::run).code();
    }

    @Test
    void relayedOfferCarriesTheSenderAndThePayloadUnchanged() {
        Room room = f.createRoom("alice");
        Client a = f.connect("alice", "Alice");
        Client b = f.connect(null, "Bob");
        f.join(a, room);
        f.join(b, room);
        JsonNode sdp = json("{\"type\":\"offer\",\"sdp\":\"v=0\\r\\n\"}");
        await(f.signals.relay(a.session(), "offer", new Signal(b.id(), sdp)));
        JsonNode offer = b.link().payloads("offer").get(0);
        assertEquals(a.id(), offer.get("senderId").asText());
        assertEquals("alice", offer.get("userId").asText());
        assertEquals("Alice", offer.get("displayName").asText());
        assertEquals(sdp, offer.get("sdp"));
    }

    @Test
    void candidatesArriveInTheOrderSent() {
        Room room = f.createRoom("alice");
        Client a = f.connect("alice", "Alice");
        Client b = f.connect(null, "Bob");
        f.join(a, room);
        f.join(b, room);
        for (int i = 0; i < 1000; i++) {
            await(f.signals.relay(
                    a.session(), "ice-candidate", new Signal(b.id(), json("{\"candidate\":\"c" + i + "\"}"))));
        }
        List<String> got = b.link().payloads("ice-candidate").stream()
                .map(p -> p.path("candidate").path("candidate").asText())
                .toList();
        assertEquals(IntStream.range(0, 1000).mapToObj(i -> "c" + i).toList(), got);
    }

    @Test
    void relayNeedsASeatAndATargetInTheSameRoom() {
        Room room = f.createRoom("alice");
        Room other = f.createRoom("zed");
        Client a = f.connect("alice", "Alice");
        Client stranger = f.connect(null, "S");
        Client unseated = f.connect(null, "U");
        f.join(a, room);
        f.join(stranger, other);
        JsonNode sdp = json("{\"type\":\"offer\"}");
        assertEquals(
                ErrorCode.NOT_IN_ROOM,
                code(() -> await(f.signals.relay(unseated.session(), "offer", new Signal(a.id(), sdp)))));
        assertEquals(
                ErrorCode.TARGET_NOT_FOUND,
                code(() -> await(f.signals.relay(a.session(), "offer", new Signal(stranger.id(), sdp)))));
        assertTrue(stranger.link().payloads("offer").isEmpty());
    }

    @Test
    void settingsBindParticipantsButNotTheHost() {
        Room room = f.createRoom("alice", new RoomSettings(false, false, false, false, false, 50));
        Client host = f.connect("alice", "Alice");
        Client bob = f.connect(null, "Bob");
        f.join(host, room);
        f.join(bob, room);
        assertEquals(
                ErrorCode.NOT_ALLOWED,
                code(() -> await(f.signals.toggleAudio(bob.session(), new Flag(room.id(), true)))));
        assertEquals(
                ErrorCode.NOT_ALLOWED,
                code(() -> await(f.signals.toggleVideo(bob.session(), new Flag(room.id(), true)))));
        assertEquals(
                ErrorCode.NOT_ALLOWED,
                code(() -> await(f.signals.screenShare(bob.session(), new RoomRef(room.id()), true))));
        assertEquals(
                ErrorCode.NOT_ALLOWED, code(() -> await(f.signals.chat(bob.session(), new Chat(room.id(), "hi")))));
        await(f.signals.toggleAudio(bob.session(), new Flag(room.id(), false)));
        await(f.signals.toggleAudio(host.session(), new Flag(room.id(), true)));
        await(f.signals.chat(host.session(), new Chat(room.id(), "host speaks")));
        assertEquals(1, bob.link().payloads("user-toggle-audio").size());
        assertTrue(await(f.store.participants(room.id())).stream()
                .filter(p -> p.socketId().equals(bob.id()))
                .allMatch(p -> p.muted()));
    }

    @Test
    void mediaStateIsStoredAndSeenByLaterJoiners() {
        Room room = f.createRoom("alice");
        Client a = f.connect("alice", "Alice");
        f.join(a, room);
        await(f.signals.handRaise(a.session(), new Flag(room.id(), true)));
        await(f.signals.toggleVideo(a.session(), new Flag(room.id(), false)));
        Client late = f.connect(null, "Late");
        f.join(late, room);
        JsonNode info =
                late.link().payloads("room-joined").get(0).get("participants").get(0);
        assertTrue(info.get("isHandRaised").booleanValue());
        assertTrue(info.get("isVideoOff").booleanValue());
    }

    @Test
    void chatReachesEveryoneAndHistoryKeepsTheLastFifty() {
        Room room = f.createRoom("alice");
        Client a = f.connect("alice", "Alice");
        Client b = f.connect(null, "Bob");
        f.join(a, room);
        f.join(b, room);
        for (int i = 0; i < 60; i++) {
            await(f.signals.chat(a.session(), new Chat(room.id(), "m" + i)));
        }
        assertEquals(60, a.link().payloads("chat-message").size());
        assertEquals(60, b.link().payloads("chat-message").size());
        Client late = f.connect(null, "Late");
        f.join(late, room);
        JsonNode messages = late.link().payloads("room-joined").get(0).get("messages");
        assertEquals(50, messages.size());
        assertEquals("m10", messages.get(0).get("content").asText());
        assertEquals("m59", messages.get(49).get("content").asText());
    }

    @Test
    void typingLapsesAfterThreeSeconds() throws Exception {
        Room room = f.createRoom("alice");
        Client a = f.connect("alice", "Alice");
        Client b = f.connect(null, "Bob");
        f.join(a, room);
        f.join(b, room);
        long start = System.nanoTime();
        await(f.signals.typing(a.session(), new RoomRef(room.id()), true));
        long deadline = start + 6_000_000_000L;
        while (b.link().payloads("user-typing").size() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        List<JsonNode> typing = b.link().payloads("user-typing");
        assertEquals(2, typing.size());
        assertTrue(typing.get(0).get("isTyping").booleanValue());
        assertEquals(false, typing.get(1).get("isTyping").booleanValue());
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(elapsedMillis >= 2900, "lapsed after " + elapsedMillis + " ms");
        assertTrue(a.link().payloads("user-typing").isEmpty());
    }
}
