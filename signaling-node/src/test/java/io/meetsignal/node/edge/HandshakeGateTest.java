package io.meetsignal.node.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meetsignal.node.ops.Admission;
import io.meetsignal.node.ops.Metrics;
import io.meetsignal.node.session.SessionRegistry;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class HandshakeGateTest {

    private final AtomicBoolean accepting = new AtomicBoolean(true);
    private final AtomicReference<Admission.Refusal> refusing = new AtomicReference<>();
    private final AtomicInteger asked = new AtomicInteger();
    private final Metrics metrics = new Metrics(Set.of(), new SessionRegistry());
    private final EmbeddedChannel channel = new EmbeddedChannel(new HandshakeGate(accepting::get, () -> {
        asked.incrementAndGet();
        return refusing.get();
    }, metrics, "/socket.io"));

    private static FullHttpRequest get(String uri) {
        return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
    }

    private String refusedCount(String reason) {
        return metrics.registry().get("signaling.handshakes.refused").tag("reason", reason).counter().count() + "";
    }

    @Test
    void anOverloadedNodeRefusesNewHandshakesWithUnavailableAndAsksForABackOff() {
        refusing.set(Admission.Refusal.OVERLOADED);
        channel.writeInbound(get("/socket.io/?EIO=4&transport=polling"));
        assertNull(channel.readInbound(), "the handshake went no further");
        FullHttpResponse response = channel.readOutbound();
        // 429, not 503: load balancers retry 503 on another node, which multiplies requests when all are busy
        assertEquals(HttpResponseStatus.TOO_MANY_REQUESTS, response.status());
        assertEquals("1", response.headers().get("Retry-After"));
        String body = response.content().toString(StandardCharsets.UTF_8);
        assertTrue(body.contains("\"UNAVAILABLE\"") && body.contains("overloaded"), body);
        response.release();
        assertEquals("1.0", refusedCount("overloaded"));
    }

    @Test
    void aNodeShortOfMemoryRefusesNewHandshakesAndSaysSo() {
        refusing.set(Admission.Refusal.MEMORY);
        channel.writeInbound(get("/socket.io/?EIO=4&transport=websocket"));
        FullHttpResponse response = channel.readOutbound();
        assertEquals(HttpResponseStatus.SERVICE_UNAVAILABLE, response.status());
        String body = response.content().toString(StandardCharsets.UTF_8);
        assertTrue(body.contains("\"UNAVAILABLE\"") && body.contains("full"), body);
        response.release();
        assertEquals("1.0", refusedCount("memory"));
    }

    @Test
    void aDrainingNodeRefusesWithoutCountingAnAdmission() {
        accepting.set(false);
        channel.writeInbound(get("/socket.io/?EIO=4&transport=websocket"));
        FullHttpResponse response = channel.readOutbound();
        assertEquals(HttpResponseStatus.SERVICE_UNAVAILABLE, response.status());
        assertTrue(response.content().toString(StandardCharsets.UTF_8).contains("draining"));
        response.release();
        assertEquals(0, asked.get());
        assertEquals("1.0", refusedCount("draining"));
    }

    @Test
    void sessionsThatExistAndOtherPathsAlwaysPassWithoutTakingAnAdmission() {
        refusing.set(Admission.Refusal.MEMORY);
        accepting.set(false);
        for (String uri : new String[] {"/socket.io/?EIO=4&transport=polling&sid=abc", "/api/rooms/abc-def-ghi",
                "/demo"}) {
            FullHttpRequest request = get(uri);
            channel.writeInbound(request);
            assertSame(request, channel.readInbound(), uri);
            request.release();
        }
        assertNull(channel.readOutbound());
        assertEquals(0, asked.get());
    }

    @Test
    void anAdmittedHandshakeGoesOnAndCountsOnce() {
        FullHttpRequest request = get("/socket.io/?EIO=4&transport=polling");
        channel.writeInbound(request);
        assertSame(request, channel.readInbound());
        request.release();
        assertNull(channel.readOutbound());
        assertEquals(1, asked.get());
    }
}
