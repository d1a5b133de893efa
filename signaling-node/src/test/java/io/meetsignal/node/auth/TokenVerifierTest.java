package io.meetsignal.node.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jsonwebtoken.JwtBuilder;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.security.Keys;
import io.meetsignal.node.config.NodeConfig;
import io.meetsignal.node.protocol.ErrorCode;
import io.meetsignal.node.protocol.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import javax.crypto.SecretKey;
import org.junit.jupiter.api.Test;

class TokenVerifierTest {

    private static final String SECRET = "0123456789abcdef0123456789abcdef";
    private static final SecretKey KEY = Keys.hmacShaKeyFor(SECRET.getBytes(StandardCharsets.UTF_8));
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    private static TokenVerifier verifier(Map<String, String> env) {
        return new TokenVerifier(NodeConfig.from(env).auth(), CLOCK);
    }

    private static final TokenVerifier DEFAULT = verifier(Map.of("JWT_SECRET", SECRET));

    private static String token(UnaryOperator<JwtBuilder> claims) {
        return claims.apply(Jwts.builder().subject("alice"))
                .signWith(KEY, Jwts.SIG.HS256)
                .compact();
    }

    private static Date at(Duration fromNow) {
        return Date.from(NOW.plus(fromNow));
    }

    private static String refusal(TokenVerifier verifier, String token) {
        ProtocolException e = assertThrows(ProtocolException.class, () -> verifier.verify(token));
        assertEquals(ErrorCode.AUTH_FAILED, e.code());
        return e.getMessage();
    }

    @Test
    void aTokenWithinTheLifetimeIsAccepted() {
        String t = token(b -> b.issuedAt(at(Duration.ZERO)).expiration(at(Duration.ofHours(1))));
        assertEquals("alice", DEFAULT.verify(t).subject());
        String atTheLimit = token(b -> b.expiration(at(Duration.ofHours(24))));
        assertEquals("alice", DEFAULT.verify(atTheLimit).subject());
    }

    @Test
    void aTokenWithoutExpiryIsRefused() {
        assertEquals("Token has no expiry (exp)", refusal(DEFAULT, token(b -> b.issuedAt(at(Duration.ZERO)))));
    }

    @Test
    void aTokenThatExpiresBeyondTheMaximumLifetimeIsRefused() {
        assertEquals(
                "Token expires too far in the future",
                refusal(DEFAULT, token(b -> b.expiration(at(Duration.ofHours(24).plusSeconds(6))))));
        assertEquals(
                "Token expires too far in the future",
                refusal(DEFAULT, token(b -> b.expiration(Date.from(Instant.parse("2200-01-01T00:00:00Z"))))));
    }

    @Test
    void theMaximumLifetimeIsConfigurable() {
        TokenVerifier shortLived = verifier(Map.of("JWT_SECRET", SECRET, "JWT_MAX_LIFETIME", "10m"));
        assertEquals(
                "alice",
                shortLived
                        .verify(token(b -> b.expiration(at(Duration.ofMinutes(10)))))
                        .subject());
        refusal(shortLived, token(b -> b.expiration(at(Duration.ofMinutes(11)))));
    }

    @Test
    void issuedAtOrNotBeforeInTheFutureIsRefusedBeyondTheClockSkew() {
        Date exp = at(Duration.ofHours(1));
        assertEquals(
                "Token is not valid yet",
                refusal(DEFAULT, token(b -> b.expiration(exp).issuedAt(at(Duration.ofDays(365))))));
        assertEquals(
                "Token is not valid yet",
                refusal(DEFAULT, token(b -> b.expiration(exp).issuedAt(at(Duration.ofSeconds(6))))));
        refusal(DEFAULT, token(b -> b.expiration(exp).notBefore(at(Duration.ofSeconds(6)))));
        refusal(DEFAULT, token(b -> b.expiration(exp).notBefore(at(Duration.ofDays(30)))));
        assertEquals(
                "alice",
                DEFAULT.verify(token(b -> b.expiration(exp)
                                .issuedAt(at(Duration.ofSeconds(5)))
                                .notBefore(at(Duration.ofSeconds(5)))))
                        .subject());
    }

    @Test
    void anExpiredTokenIsRefused() {
        refusal(DEFAULT, token(b -> b.issuedAt(at(Duration.ofHours(-2))).expiration(at(Duration.ofSeconds(-6)))));
    }

    @Test
    void bearerHeadersFollowTheSameRules() {
        String noExp = token(b -> b);
        assertThrows(ProtocolException.class, () -> DEFAULT.bearer("Bearer " + noExp));
        String good = token(b -> b.expiration(at(Duration.ofMinutes(5))));
        assertEquals(Optional.of("alice"), DEFAULT.bearer("Bearer " + good).map(TokenVerifier.Verified::subject));
    }

    @Test
    void devTokensPassWithTheirDefaultAndTheLongestAllowedLifetime() {
        NodeConfig config = NodeConfig.from(Map.of("JWT_SECRET", SECRET));
        TokenVerifier live = new TokenVerifier(config.auth());
        assertEquals(
                "dev",
                live.verify(DevTokens.mint(config.auth(), "dev", "Dev", Duration.ofHours(1)))
                        .subject());
        assertEquals(
                "dev",
                live.verify(DevTokens.mint(config.auth(), "dev", "Dev", Duration.ofHours(24)))
                        .subject());
    }

    /** An HS256 token over exactly {@code payloadJson} (numbers as written, not as a Java type would hold them). */
    private static String rawToken(String payloadJson) {
        try {
            var b64 = java.util.Base64.getUrlEncoder().withoutPadding();
            String head = b64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8))
                    + "." + b64.encodeToString(payloadJson.getBytes(StandardCharsets.UTF_8));
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(KEY);
            return head + "." + b64.encodeToString(mac.doFinal(head.getBytes(StandardCharsets.US_ASCII)));
        } catch (java.security.GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void timeClaimsOutsideTheirRangeInAnyEncodingAreRefused() {
        long now = NOW.getEpochSecond();
        long exp = now + 600;
        assertEquals(
                "alice",
                DEFAULT.verify(rawToken("{\"sub\":\"alice\",\"iat\":" + now + ",\"exp\":" + exp + "}"))
                        .subject());
        for (String claims : java.util.List.of(
                "\"iat\":18446744073709551626,\"exp\":" + exp,
                "\"iat\":" + now + ",\"exp\":18446744073709551626",
                "\"nbf\":18446744073709551626,\"exp\":" + exp,
                "\"iat\":-18446744073709551626,\"exp\":" + exp,
                "\"iat\":1e400,\"exp\":" + exp,
                "\"exp\":1e400",
                "\"exp\":\"" + exp + "\"",
                "\"iat\":\"" + now + "\",\"exp\":" + exp,
                "\"iat\":true,\"exp\":" + exp,
                "\"exp\":null")) {
            refusal(DEFAULT, rawToken("{\"sub\":\"alice\"," + claims + "}"));
        }
    }
}
