package io.meetsignal.node.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.security.Keys;
import io.meetsignal.node.config.NodeConfig;
import io.meetsignal.node.protocol.ErrorCode;
import io.meetsignal.node.protocol.Json;
import io.meetsignal.node.protocol.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.Map;
import java.util.Optional;
import javax.crypto.SecretKey;
import org.junit.jupiter.api.Test;

class HandshakeAuthenticatorTest {

    private static final String SECRET = "0123456789abcdef0123456789abcdef";
    private static final SecretKey KEY = Keys.hmacShaKeyFor(SECRET.getBytes(StandardCharsets.UTF_8));

    private static HandshakeAuthenticator authenticator(Map<String, String> env) {
        NodeConfig config = NodeConfig.from(env);
        return new HandshakeAuthenticator(
                new TokenVerifier(config.auth()), config.auth().allowGuests());
    }

    private static final HandshakeAuthenticator DEFAULT = authenticator(Map.of("JWT_SECRET", SECRET));

    private static ObjectNode auth(Object... kv) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        for (int i = 0; i < kv.length; i += 2) {
            node.set((String) kv[i], Json.tree(kv[i + 1]));
        }
        return node;
    }

    private static String token(String sub, String name, Instant exp) {
        var b = Jwts.builder().subject(sub).expiration(Date.from(exp)).signWith(KEY, Jwts.SIG.HS256);
        if (name != null) {
            b.claim("name", name);
        }
        return b.compact();
    }

    private static ErrorCode refusal(HandshakeAuthenticator a, JsonNode auth) {
        return assertThrows(ProtocolException.class, () -> a.authenticate(auth)).code();
    }

    @Test
    void validTokenProvesTheUserAndNamesIt() {
        Identity id = DEFAULT.authenticate(
                auth("token", token("alice", "Alice", Instant.now().plusSeconds(60))));
        assertEquals("alice", id.userId());
        assertEquals("Alice", id.displayName());
    }

    @Test
    void displayNameFromAuthOverridesTheClaim() {
        Identity id = DEFAULT.authenticate(
                auth("token", token("alice", "Alice", Instant.now().plusSeconds(60)), "displayName", "  Ally\u0007 "));
        assertEquals("Ally", id.displayName());
    }

    @Test
    void expiredTamperedAndUnsignedTokensAreRefused() {
        assertEquals(
                ErrorCode.AUTH_FAILED,
                refusal(DEFAULT, auth("token", token("a", "A", Instant.now().minusSeconds(60)))));
        String good = token("a", "A", Instant.now().plusSeconds(60));
        String tampered = good.substring(0, good.length() - 2) + (good.endsWith("A") ? "BB" : "AA");
        assertEquals(ErrorCode.AUTH_FAILED, refusal(DEFAULT, auth("token", tampered)));
        String header = Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"none\"}".getBytes());
        String body = Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(("{\"sub\":\"a\",\"exp\":" + (Instant.now().getEpochSecond() + 60) + "}").getBytes());
        assertEquals(ErrorCode.AUTH_FAILED, refusal(DEFAULT, auth("token", header + "." + body + ".")));
        assertEquals(ErrorCode.AUTH_FAILED, refusal(DEFAULT, auth("token", 42)));
    }

    @Test
    void userIdThatDiffersFromTheTokenIsRefused() {
        String t = token("alice", "Alice", Instant.now().plusSeconds(60));
        assertEquals(ErrorCode.AUTH_FAILED, refusal(DEFAULT, auth("token", t, "userId", "mallory")));
        assertEquals(
                "alice",
                DEFAULT.authenticate(auth("token", t, "userId", "alice")).userId());
    }

    @Test
    void guestsHaveNoUserIdEvenWhenTheyClaimOne() {
        Identity id = DEFAULT.authenticate(auth("displayName", "Guest", "userId", "alice"));
        assertNull(id.userId());
        assertEquals("Guest", id.displayName());
    }

    @Test
    void displayNameRules() {
        assertEquals(ErrorCode.DISPLAY_NAME_REQUIRED, refusal(DEFAULT, null));
        assertEquals(ErrorCode.DISPLAY_NAME_REQUIRED, refusal(DEFAULT, auth("displayName", " \t ")));
        assertEquals(ErrorCode.INVALID_PAYLOAD, refusal(DEFAULT, auth("displayName", "x".repeat(51))));
        assertEquals(ErrorCode.INVALID_PAYLOAD, refusal(DEFAULT, auth("displayName", 12)));
        assertEquals(
                "x".repeat(50),
                DEFAULT.authenticate(auth("displayName", "x".repeat(50))).displayName());
    }

    @Test
    void guestsCanBeSwitchedOff() {
        HandshakeAuthenticator noGuests = authenticator(Map.of("JWT_SECRET", SECRET, "ALLOW_GUESTS", "false"));
        assertEquals(ErrorCode.GUESTS_NOT_ALLOWED, refusal(noGuests, auth("displayName", "G")));
        assertEquals(ErrorCode.GUESTS_NOT_ALLOWED, refusal(noGuests, null));
    }

    @Test
    void issuerAndAudienceAreEnforcedWhenConfigured() {
        HandshakeAuthenticator strict =
                authenticator(Map.of("JWT_SECRET", SECRET, "JWT_ISSUER", "meet", "JWT_AUDIENCE", "sig"));
        String wrong = Jwts.builder()
                .subject("a")
                .issuer("other")
                .audience()
                .add("sig")
                .and()
                .expiration(Date.from(Instant.now().plusSeconds(60)))
                .claim("name", "A")
                .signWith(KEY)
                .compact();
        String right = Jwts.builder()
                .subject("a")
                .issuer("meet")
                .audience()
                .add("sig")
                .and()
                .expiration(Date.from(Instant.now().plusSeconds(60)))
                .claim("name", "A")
                .signWith(KEY)
                .compact();
        assertEquals(ErrorCode.AUTH_FAILED, refusal(strict, auth("token", wrong)));
        assertEquals("a", strict.authenticate(auth("token", right)).userId());
    }

    @Test
    void rs256TokensVerifyWithThePublicKey() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair pair = generator.generateKeyPair();
        String pem = "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder().encodeToString(pair.getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
        HandshakeAuthenticator rsa = authenticator(Map.of("JWT_PUBLIC_KEY", pem));
        String t = Jwts.builder()
                .subject("r")
                .claim("name", "R")
                .expiration(Date.from(Instant.now().plusSeconds(60)))
                .signWith(pair.getPrivate(), Jwts.SIG.RS256)
                .compact();
        assertEquals("r", rsa.authenticate(auth("token", t)).userId());
        assertEquals(
                ErrorCode.AUTH_FAILED,
                refusal(rsa, auth("token", token("a", "A", Instant.now().plusSeconds(60)))));
    }

    @Test
    void devTokensVerify() {
        NodeConfig config = NodeConfig.from(Map.of("JWT_SECRET", SECRET));
        String t = DevTokens.mint(config.auth(), "dev", "Dev", Duration.ofMinutes(5));
        Identity id = DEFAULT.authenticate(auth("token", t));
        assertEquals("dev", id.userId());
        assertEquals(Optional.of(SECRET), config.auth().jwtSecret());
    }

    @Test
    void theNameClaimAndTheHandshakeNameFollowTheSameRules() {
        Instant exp = Instant.now().plusSeconds(60);
        assertEquals(
                "Alice",
                DEFAULT.authenticate(auth("token", token("alice", "A\u200blice\u202e", exp)))
                        .displayName());
        assertEquals(
                ErrorCode.DISPLAY_NAME_REQUIRED, refusal(DEFAULT, auth("token", token("alice", "\u200b\u2066", exp))));
        assertEquals(ErrorCode.INVALID_PAYLOAD, refusal(DEFAULT, auth("token", token("alice", "y".repeat(51), exp))));
        String numericName = Jwts.builder()
                .subject("alice")
                .claim("name", 7)
                .expiration(Date.from(exp))
                .signWith(KEY, Jwts.SIG.HS256)
                .compact();
        assertEquals(ErrorCode.INVALID_PAYLOAD, refusal(DEFAULT, auth("token", numericName)));
        assertEquals(
                "Chosen",
                DEFAULT.authenticate(auth("token", numericName, "displayName", "\u200fChosen"))
                        .displayName());
        assertEquals(ErrorCode.DISPLAY_NAME_REQUIRED, refusal(DEFAULT, auth("displayName", "\u200b \u200c")));
    }
}
