package io.meetsignal.node.auth;

import com.fasterxml.jackson.databind.JsonNode;
import io.jsonwebtoken.Claims;
import io.jsonwebtoken.JwsHeader;
import io.jsonwebtoken.JwtException;
import io.jsonwebtoken.JwtParser;
import io.jsonwebtoken.JwtParserBuilder;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.LocatorAdapter;
import io.jsonwebtoken.security.Keys;
import io.meetsignal.node.config.NodeConfig;
import io.meetsignal.node.config.Pem;
import io.meetsignal.node.protocol.Json;
import io.meetsignal.node.protocol.Refusals;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.Optional;
import javax.crypto.SecretKey;

/**
 * Verifies JWTs: HS256 with {@code JWT_SECRET} and/or RS256 with {@code JWT_PUBLIC_KEY}, optional issuer and
 * audience. Unsigned tokens ({@code alg: none}) are always refused, and so are tokens without {@code exp}, with
 * an {@code exp} more than {@code JWT_MAX_LIFETIME} ahead, or with an {@code iat} / {@code nbf} in the future
 * (beyond {@link #CLOCK_SKEW}).
 */
public final class TokenVerifier {

    /** How far the issuer's clock may be ahead of ours. */
    public static final Duration CLOCK_SKEW = Duration.ofSeconds(5);

    /** The last second of the year 9999. */
    private static final BigDecimal MAX_NUMERIC_DATE = BigDecimal.valueOf(253_402_300_799L);

    /** What a verified token proves; {@code nameClaim} is the {@code name} claim as it was (any JSON type, or null). */
    public record Verified(String subject, Object nameClaim) {}

    private final JwtParser parser;
    private final Clock clock;
    private final Duration maxLifetime;

    public TokenVerifier(NodeConfig.Auth auth) {
        this(auth, Clock.systemUTC());
    }

    /** With {@code clock} as "now" for every time claim (tests). */
    public TokenVerifier(NodeConfig.Auth auth, Clock clock) {
        this.clock = clock;
        this.maxLifetime = auth.maxLifetime();
        SecretKey secret = auth.jwtSecret()
                .map(s -> Keys.hmacShaKeyFor(s.getBytes(StandardCharsets.UTF_8)))
                .orElse(null);
        PublicKey publicKey = auth.jwtPublicKey().map(Pem::publicKey).orElse(null);
        if (secret == null && publicKey == null) {
            parser = null;
            return;
        }
        JwtParserBuilder builder = Jwts.parser()
                .clockSkewSeconds(CLOCK_SKEW.toSeconds())
                .clock(() -> Date.from(clock.instant()))
                .keyLocator(new LocatorAdapter<Key>() {
                    @Override
                    protected Key locate(JwsHeader header) {
                        String alg = header.getAlgorithm();
                        if ("HS256".equals(alg) && secret != null) {
                            return secret;
                        }
                        if ("RS256".equals(alg) && publicKey != null) {
                            return publicKey;
                        }
                        throw new io.jsonwebtoken.security.InvalidKeyException("unsupported algorithm " + alg);
                    }
                });
        auth.issuer().ifPresent(builder::requireIssuer);
        auth.audience().ifPresent(builder::requireAudience);
        parser = builder.build();
    }

    /** Whether any key is configured; without one every token is refused. */
    public boolean enabled() {
        return parser != null;
    }

    public Verified verify(String token) {
        if (parser == null) {
            throw Refusals.authFailed("Tokens are not accepted by this server");
        }
        try {
            Claims claims = parser.parseSignedClaims(token).getPayload();
            String subject = claims.getSubject();
            if (subject == null || subject.isBlank()) {
                throw Refusals.authFailed("Token has no subject");
            }
            checkLifetime(token);
            return new Verified(subject, claims.get("name"));
        } catch (JwtException | IllegalArgumentException e) {
            throw Refusals.authFailed("Invalid token");
        }
    }

    /**
     * exp present and not too far ahead; iat and nbf not in the future. Read from the signed payload as written, so
     * that a time claim of 2^64+10 (which a long would hold as 10), 1e400 or "123" cannot pass as another instant.
     */
    private void checkLifetime(String token) {
        JsonNode payload;
        try {
            payload = Json.MAPPER.readTree(Base64.getUrlDecoder().decode(token.split("\\.", 3)[1]));
        } catch (Exception e) {
            throw Refusals.authFailed("Invalid token");
        }
        Instant now = clock.instant();
        Instant exp = numericDate(payload, "exp");
        if (exp == null) {
            throw Refusals.authFailed("Token has no expiry (exp)");
        }
        if (exp.isAfter(now.plus(maxLifetime).plus(CLOCK_SKEW))) {
            throw Refusals.authFailed("Token expires too far in the future");
        }
        if (!exp.isAfter(now.minus(CLOCK_SKEW))) {
            throw Refusals.authFailed("Invalid token");
        }
        Instant latest = now.plus(CLOCK_SKEW);
        Instant iat = numericDate(payload, "iat");
        Instant nbf = numericDate(payload, "nbf");
        if ((iat != null && iat.isAfter(latest)) || (nbf != null && nbf.isAfter(latest))) {
            throw Refusals.authFailed("Token is not valid yet");
        }
    }

    /** A NumericDate claim (RFC 7519: seconds, a JSON number) between 1970 and 9999, or null when absent. */
    private static Instant numericDate(JsonNode payload, String claim) {
        JsonNode value = payload.get(claim);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isNumber() || (value.isFloatingPointNumber() && !Double.isFinite(value.doubleValue()))) {
            throw Refusals.authFailed("Token claim " + claim + ": expected a number of seconds");
        }
        BigDecimal seconds = value.decimalValue();
        if (seconds.signum() < 0 || seconds.compareTo(MAX_NUMERIC_DATE) > 0) {
            throw Refusals.authFailed("Token claim " + claim + ": out of range");
        }
        return Instant.ofEpochSecond(
                seconds.longValue(),
                seconds.remainder(BigDecimal.ONE).movePointRight(9).intValue());
    }

    /** A verified subject from an {@code Authorization: Bearer} header value. */
    public Optional<Verified> bearer(String header) {
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        return Optional.of(verify(header.substring(7).strip()));
    }
}
