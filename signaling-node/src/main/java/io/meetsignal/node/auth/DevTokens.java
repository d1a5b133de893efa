package io.meetsignal.node.auth;

import io.jsonwebtoken.JwtBuilder;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.security.Keys;
import io.meetsignal.node.config.NodeConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

/** Mints HS256 tokens with the configured secret, for trying authenticated flows by hand. */
public final class DevTokens {

    private DevTokens() {}

    public static String mint(NodeConfig.Auth auth, String userId, String name, Duration ttl) {
        String secret = auth.jwtSecret().orElseThrow(() -> new IllegalStateException("JWT_SECRET is not set"));
        Instant now = Instant.now();
        JwtBuilder builder = Jwts.builder()
                .subject(userId)
                .issuedAt(Date.from(now))
                .expiration(Date.from(now.plus(ttl)))
                .signWith(Keys.hmacShaKeyFor(secret.getBytes(StandardCharsets.UTF_8)), Jwts.SIG.HS256);
        if (name != null) {
            builder.claim("name", name);
        }
        auth.issuer().ifPresent(builder::issuer);
        auth.audience().ifPresent(aud -> builder.audience().add(aud));
        return builder.compact();
    }
}
