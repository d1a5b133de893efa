package io.meetsignal.node.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetSocketAddress;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class AddressLimitTest {

    private static final InetSocketAddress PEER = new InetSocketAddress("10.0.0.7", 40000);

    private static HttpHeaders forwarded(String... values) {
        HttpHeaders headers = new DefaultHttpHeaders(false);
        for (String value : values) {
            headers.add("X-Forwarded-For", value);
        }
        return headers;
    }

    @Test
    void withoutTrustProxyTheTcpPeerCountsWhateverTheHeadersClaim() {
        AddressLimit limit = new AddressLimit(5, false);
        assertEquals("10.0.0.7", limit.address(PEER, forwarded("1.2.3.4")));
    }

    @Test
    void withTrustProxyTheRightmostForwardedEntryCounts() {
        AddressLimit limit = new AddressLimit(5, true);
        assertEquals("203.0.113.9", limit.address(PEER, forwarded("6.6.6.6, 203.0.113.9")));
        assertEquals("203.0.113.9", limit.address(PEER, forwarded("6.6.6.6", "7.7.7.7 , 203.0.113.9 ")));
        assertEquals("203.0.113.9", limit.address(PEER, forwarded("203.0.113.9, ")), "an empty last entry is skipped");
        assertEquals("10.0.0.7", limit.address(PEER, forwarded()), "no header: the peer");
        assertEquals("10.0.0.7", limit.address(PEER, forwarded(" , ")), "only empty entries: the peer");
    }

    @Test
    void countsOpenSessionsPerAddressAndForgetsAddressesWithNone() {
        AddressLimit limit = new AddressLimit(2, false);
        UUID a = UUID.randomUUID();
        UUID b = UUID.randomUUID();
        limit.opened(a, "x");
        limit.opened(a, "x");
        assertEquals(1, limit.openCount("x"), "one session counts once");
        limit.opened(b, "x");
        assertFalse(limit.mayOpen("x"));
        assertTrue(limit.mayOpen("y"), "other addresses are not affected");
        limit.closed(a);
        limit.closed(a);
        assertEquals(1, limit.openCount("x"), "closing twice releases once");
        assertTrue(limit.mayOpen("x"));
        limit.closed(b);
        assertEquals(0, limit.addresses(), "nothing is kept for an address without sessions");
    }

    @Test
    void limitZeroCountsNothing() {
        AddressLimit limit = new AddressLimit(0, false);
        limit.opened(UUID.randomUUID(), "x");
        assertTrue(limit.mayOpen("x"));
        assertEquals(0, limit.addresses());
        assertFalse(limit.enabled());
    }
}
