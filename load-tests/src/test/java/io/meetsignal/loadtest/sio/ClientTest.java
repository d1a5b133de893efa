package io.meetsignal.loadtest.sio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClientTest {

    @Test
    void followsTheHandshake() {
        Client client = new Client(true);
        client.ingest("0{\"sid\":\"engine\",\"upgrades\":[],\"pingInterval\":25000,\"pingTimeout\":20000}");
        assertTrue(client.opened());
        assertEquals(25000, client.pingInterval());
        assertFalse(client.connectAnswered());
        client.ingest("40{\"sid\":\"sock1\",\"pid\":\"p\"}");
        assertEquals("sock1", client.sid());
        assertNull(client.connectVerdict());
        client.ingest("2");
        assertEquals(1, client.pings());
    }

    @Test
    void reportsARefusedHandshake() {
        Client client = new Client(false);
        client.ingest("44{\"message\":\"AUTH_FAILED\",\"data\":{\"code\":\"AUTH_FAILED\"}}");
        assertTrue(client.connectAnswered());
        assertEquals("connect_error AUTH_FAILED", client.connectVerdict());
    }

    @Test
    void takesTheJoinAckAndFollowsTheRoster() {
        Client client = new Client(true);
        client.ingest("40{\"sid\":\"me\"}");
        String frame = client.request("join-room", Map.of("roomCode", "abc"));
        assertTrue(frame.startsWith("421[\"join-room\""));
        assertFalse(client.ackArrived());
        client.ingest("431[{\"success\":true,\"roomId\":\"R\",\"isHost\":false,\"participants\":"
                + "[{\"socketId\":\"a\",\"displayName\":\"A\"}],\"messages\":[]}]");
        assertTrue(client.ackArrived());
        assertNull(client.acceptJoin());
        assertEquals("R", client.roomId());
        assertEquals(List.of("a"), client.peers());

        client.ingest("42[\"user-joined\",{\"participant\":{\"socketId\":\"b\",\"displayName\":\"B\"}}]");
        assertEquals(List.of("a", "b"), client.peers());
        client.ingest("42[\"user-left\",{\"socketId\":\"a\",\"reason\":\"left\"}]");
        assertEquals(List.of("b"), client.peers());
        assertTrue(client.gone("a"));
    }

    @Test
    void refusedAcksAreVerdicts() {
        Client client = new Client(false);
        client.request("join-room", Map.of("roomCode", "abc"));
        client.ingest("431[{\"success\":false,\"error\":\"Room is full\",\"code\":\"JOIN_FAILED\"}]");
        assertEquals("refused: JOIN_FAILED Room is full", client.acceptJoin());
    }

    @Test
    void queuesOffersAndCountsAnswersAndCandidates() {
        Client client = new Client(true);
        client.ingest(
                "42[\"offer\",{\"senderId\":\"x\",\"displayName\":\"X\",\"sdp\":{\"type\":\"offer\",\"sdp\":\"v=0\"}}]");
        assertTrue(client.hasPendingOffer());
        String answer = client.answerNext(Map.of("type", "answer", "sdp", "v=0"));
        assertTrue(answer.contains("\"targetId\":\"x\""));
        assertEquals("x", client.lastAnswered());
        assertFalse(client.hasPendingOffer());

        client.offerTo("y", Map.of("type", "offer", "sdp", "v=0"));
        client.ingest("42[\"answer\",{\"senderId\":\"y\",\"sdp\":{\"type\":\"answer\",\"sdp\":\"v=0\"}}]");
        client.ingest("42[\"ice-candidate\",{\"senderId\":\"y\",\"candidate\":{\"candidate\":\"c\"}}]");
        assertEquals(1, client.offersSentTo("y"));
        assertEquals(1, client.answersFrom("y"));
        assertEquals(1, client.iceFrom("y"));
        assertEquals(1, client.received("ice-candidate"));
    }

    @Test
    void collectsErrorsAsProblems() {
        Client client = new Client(false);
        client.ingest("42[\"error\",{\"code\":\"RATE_LIMITED\",\"message\":\"Too many events\"}]");
        assertEquals(1, client.problems().size());
        assertTrue(client.problems().get(0).contains("RATE_LIMITED"));
    }
}
