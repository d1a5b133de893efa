package io.meetsignal.node.auth;

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
import io.meetsignal.node.protocol.ErrorCode;
import io.meetsignal.node.protocol.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.security.PublicKey;
import java.time.Duration;
import java.util.Optional;
import javax.crypto.SecretKey;

/**
 * Verifies JWTs: HS256 with {@code JWT_SECRET} and/or RS256 with {@code JWT_PUBLIC_KEY}, optional issuer and
 * audience. Unsigned tokens ({@code alg: none}) are always refused.
 */
public final class TokenVerifier {

    /** What a verified token proves. */
    public record Verified(String subject, String name) {
    }

    private final JwtParser parser;

    public TokenVerifier(NodeConfig.Auth auth) {
        SecretKey secret = auth.jwtSecret()
                .map(s -> Keys.hmacShaKeyFor(s.getBytes(StandardCharsets.UTF_8)))
                .orElse(null);
        PublicKey publicKey = auth.jwtPublicKey().map(Pem::publicKey).orElse(null);
        if (secret == null && publicKey == null) {
            parser = null;
            return;
        }
        JwtParserBuilder builder = Jwts.parser()
                .clockSkewSeconds(Duration.ofSeconds(5).toSeconds())
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
            throw ProtocolException.of(ErrorCode.AUTH_FAILED, "Tokens are not accepted by this server");
        }
        try {
            Claims claims = parser.parseSignedClaims(token).getPayload();
            String subject = claims.getSubject();
            if (subject == null || subject.isBlank()) {
                throw ProtocolException.of(ErrorCode.AUTH_FAILED, "Token has no subject");
            }
            Object name = claims.get("name");
            return new Verified(subject, name instanceof String s ? s : null);
        } catch (JwtException | IllegalArgumentException e) {
            throw ProtocolException.of(ErrorCode.AUTH_FAILED, "Invalid token");
        }
    }

    /** A verified subject from an {@code Authorization: Bearer} header value. */
    public Optional<Verified> bearer(String header) {
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        return Optional.of(verify(header.substring(7).strip()));
    }
}
