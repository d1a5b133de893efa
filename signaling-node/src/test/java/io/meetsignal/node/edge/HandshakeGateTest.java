package io.meetsignal.node.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.junit.jupiter.api.Test;

class HandshakeGateTest {

    private final AtomicBoolean accepting = new AtomicBoolean(true);
    private final Metrics metrics = new Metrics(Set.of(), new SessionRegistry());
    private final EmbeddedChannel channel =
            new EmbeddedChannel(new HandshakeGate(accepting::get, metrics, "/socket.io", new AddressLimit(0, false)));

    private static FullHttpRequest get(String uri) {
        return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
    }

    /** Writes {@code uri}; true when the request went on down the pipeline (and nothing was answered). */
    private boolean passes(String uri) {
        FullHttpRequest request = get(uri);
        channel.writeInbound(request);
        Object forwarded = channel.readInbound();
        if (forwarded == null) {
            return false;
        }
        assertSame(request, forwarded);
        request.release();
        assertNull(channel.readOutbound());
        return true;
    }

    @Test
    void aDrainingNodeRefusesNewHandshakesWithUnavailableOnBothTransports() {
        accepting.set(false);
        for (String transport : new String[] {"polling", "websocket"}) {
            assertTrue(!passes("/socket.io/?EIO=4&transport=" + transport), transport);
            FullHttpResponse response = channel.readOutbound();
            assertEquals(HttpResponseStatus.SERVICE_UNAVAILABLE, response.status());
            String body = response.content().toString(StandardCharsets.UTF_8);
            assertTrue(body.contains("\"UNAVAILABLE\"") && body.contains("draining"), body);
            response.release();
        }
        assertEquals(
                2.0,
                metrics.registry()
                        .get("signaling.handshakes.refused")
                        .tag("reason", "draining")
                        .counter()
                        .count());
    }

    @Test
    void whileDrainingSessionsThatExistAndOtherPathsStillPass() {
        accepting.set(false);
        assertTrue(passes("/socket.io/?EIO=4&transport=polling&sid=abc"));
        assertTrue(passes("/api/rooms/abc-def-ghi"));
        assertTrue(passes("/demo"));
    }

    @Test
    void anAcceptingNodeLetsNewHandshakesThrough() {
        assertTrue(passes("/socket.io/?EIO=4&transport=polling"));
    }

    @Test
    void anAddressAtItsLimitIsRefusedWith429UntilOneOfItsSessionsCloses() {
        AddressLimit perAddress = new AddressLimit(2, false);
        HandshakeGate gate = new HandshakeGate(accepting::get, metrics, "/socket.io", perAddress);
        EmbeddedChannel limited = new EmbeddedChannel(gate);
        String address = perAddress.address(
                limited.remoteAddress(),
                new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/").headers());
        java.util.UUID first = java.util.UUID.randomUUID();
        perAddress.opened(first, address);
        perAddress.opened(java.util.UUID.randomUUID(), address);

        FullHttpRequest request = get("/socket.io/?EIO=4&transport=websocket");
        limited.writeInbound(request);
        assertNull(limited.readInbound(), "refused, not passed on");
        FullHttpResponse response = limited.readOutbound();
        assertEquals(HttpResponseStatus.TOO_MANY_REQUESTS, response.status());
        String body = response.content().toString(StandardCharsets.UTF_8);
        assertTrue(body.contains("\"RATE_LIMITED\""), body);
        response.release();
        assertEquals(
                1.0,
                metrics.registry()
                        .get("signaling.handshakes.refused")
                        .tag("reason", "per-ip")
                        .counter()
                        .count());
        FullHttpRequest existing = get("/socket.io/?EIO=4&transport=polling&sid=abc");
        limited.writeInbound(existing);
        assertSame(existing, limited.readInbound(), "requests of open sessions always pass");
        existing.release();

        gate.closed(first);
        FullHttpRequest again = get("/socket.io/?EIO=4&transport=polling");
        limited.writeInbound(again);
        assertSame(again, limited.readInbound(), "one closed: room for one more");
        again.release();
    }
}
