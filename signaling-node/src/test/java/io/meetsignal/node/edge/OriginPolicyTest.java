package io.meetsignal.node.edge;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class OriginPolicyTest {

    private static final int PORT = 3001;

    @Test
    void requestsWithoutOriginAlwaysPass() {
        assertTrue(new OriginPolicy(List.of()).allows(null, PORT));
        assertTrue(new OriginPolicy(List.of("https://app.example.com")).allows(null, PORT));
    }

    @Test
    void listedOriginsPassAndNothingElse() {
        OriginPolicy policy = new OriginPolicy(List.of("https://app.example.com", "http://localhost:8080"));
        assertTrue(policy.allows("https://app.example.com", PORT));
        assertTrue(policy.allows("http://localhost:8080", PORT));
        assertFalse(policy.allows("https://evil.example.com", PORT));
        assertFalse(policy.allows("https://app.example.com.evil.example", PORT));
        assertFalse(policy.allows("http://app.example.com", PORT), "scheme is part of the origin");
        assertFalse(policy.allows("http://localhost:" + PORT, PORT), "a configured list replaces the loopback default");
    }

    @Test
    void originEqualToTheHostIsNotEnough() {
        // DNS rebinding: the page's origin equals the Host header it sends, and still is a stranger
        OriginPolicy unset = new OriginPolicy(List.of());
        assertFalse(unset.allows("http://rebound.example.com:" + PORT, PORT));
        assertFalse(
                new OriginPolicy(List.of("https://app.example.com")).allows("http://rebound.example.com:3001", PORT));
    }

    @Test
    void withoutConfigurationTheLoopbackOriginsOfTheNodesOwnPortPass() {
        OriginPolicy unset = new OriginPolicy(List.of());
        assertTrue(unset.allows("http://localhost:" + PORT, PORT));
        assertTrue(unset.allows("http://127.0.0.1:" + PORT, PORT));
        assertTrue(unset.allows("http://[::1]:" + PORT, PORT));
        assertFalse(unset.allows("http://localhost:" + (PORT + 1), PORT), "another port is another origin");
        assertFalse(unset.allows("https://localhost:" + PORT, PORT));
        assertFalse(unset.allows("http://localhost", PORT));
        assertFalse(unset.allows("null", PORT));
    }

    @Test
    void anExplicitWildcardGrantsAnyOrigin() {
        assertTrue(new OriginPolicy(List.of("*")).allows("https://anything.example", PORT));
    }
}
