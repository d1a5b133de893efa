package io.meetsignal.loadtest.support;

import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.security.Keys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.crypto.SecretKey;

/**
 * The deployment under test and how virtual users identify themselves to it.
 *
 * <ul>
 *   <li>{@code -DbaseUrl} (default {@code http://127.0.0.1:3001}): HAProxy of {@code scripts/cluster},
 *       docker-compose, a Kubernetes ingress (https → wss) or a single node;</li>
 *   <li>{@code -DbaseUrls=url1,url2,...}: several entry points (e.g. the nodes themselves); simulations
 *       that care (relay) spread users over them, others use the first;</li>
 *   <li>{@code JWT_SECRET} (system property or environment; or {@code -DjwtSecretFile=path}): the nodes'
 *       HS256 secret, to mint tokens. Optional {@code -DjwtIssuer}, {@code -DjwtAudience};</li>
 *   <li>{@code -Dauth=token|guest} (default token when a secret is known): users present a JWT or join
 *       as guests with a display name;</li>
 *   <li>{@code -Drooms=rest|auto} (default rest when a secret is known): rooms are created over REST
 *       before the users arrive, or named by the test and created by the first join (the nodes need
 *       {@code ROOMS_AUTO_CREATE=true});</li>
 *   <li>{@code -DrunId} (default random): prefix of every user id and room code of the run.</li>
 * </ul>
 */
public final class Target {

    private static final String SOCKET_PATH = "/socket.io/?EIO=4&transport=websocket";

    private final List<String> baseUrls;
    private final SecretKey key;
    private final String issuer;
    private final String audience;
    private final boolean tokens;
    private final boolean restRooms;
    private final String runId;

    public Target(Params params) {
        String single = trimSlash(params.string("baseUrl", "http://127.0.0.1:3001"));
        String many = params.string("baseUrls", "");
        List<String> urls = new ArrayList<>();
        for (String url : many.split(",")) {
            if (!url.isBlank()) {
                urls.add(trimSlash(url.trim()));
            }
        }
        if (urls.isEmpty()) {
            urls.add(single);
        }
        this.baseUrls = List.copyOf(urls);

        String secret = secret(params);
        this.key = secret == null ? null : Keys.hmacShaKeyFor(secret.getBytes(StandardCharsets.UTF_8));
        params.note("JWT_SECRET", secret == null ? "(none: guests and auto rooms only)" : "(set)");
        this.issuer = emptyToNull(params.string("jwtIssuer", ""));
        this.audience = emptyToNull(params.string("jwtAudience", ""));
        String auth = params.string("auth", key == null ? "guest" : "token");
        String rooms = params.string("rooms", key == null ? "auto" : "rest");
        this.tokens = switch (auth) {
            case "token" -> true;
            case "guest" -> false;
            default -> throw new IllegalArgumentException("-Dauth must be token or guest, got '" + auth + "'");
        };
        this.restRooms = switch (rooms) {
            case "rest" -> true;
            case "auto" -> false;
            default -> throw new IllegalArgumentException("-Drooms must be rest or auto, got '" + rooms + "'");
        };
        if ((tokens || restRooms) && key == null) {
            throw new IllegalArgumentException("-Dauth=token and -Drooms=rest need JWT_SECRET (system property,"
                    + " environment, or -DjwtSecretFile); use -Dauth=guest -Drooms=auto without one");
        }
        this.runId = params.string("runId", randomId());
        if (!runId.matches("[a-z0-9]{1,12}")) {
            throw new IllegalArgumentException("-DrunId must be 1-12 lowercase letters or digits");
        }
    }

    private static String secret(Params params) {
        String file = params.string("jwtSecretFile", "");
        if (!file.isBlank()) {
            try {
                return Files.readString(Path.of(file)).trim();
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read -DjwtSecretFile=" + file + ": " + e.getMessage());
            }
        }
        String value = System.getProperty("JWT_SECRET");
        if (value == null || value.isBlank()) {
            value = System.getenv("JWT_SECRET");
        }
        return value == null || value.isBlank() ? null : value;
    }

    public String baseUrl(int index) {
        return baseUrls.get(index % baseUrls.size());
    }

    public int baseUrlCount() {
        return baseUrls.size();
    }

    /** The Socket.IO websocket URL behind a base URL (http → ws, https → wss). */
    public String socketUrl(int index) {
        String base = baseUrl(index);
        String ws = base.startsWith("https://")
                ? "wss://" + base.substring(8)
                : base.startsWith("http://") ? "ws://" + base.substring(7) : base;
        return ws + SOCKET_PATH;
    }

    public boolean tokens() {
        return tokens;
    }

    public boolean restRooms() {
        return restRooms;
    }

    public String runId() {
        return runId;
    }

    /** A user id unique to this run. */
    public String userId(String role, long n) {
        return "lt-" + runId + "-" + role + n;
    }

    /** A room code unique to this run (3-32 letters, digits, hyphens). */
    public String roomCode(String tag, int room) {
        return "lt-" + runId + "-" + tag + room;
    }

    /** A signed HS256 token for {@code userId} with a {@code name} claim, valid for six hours. */
    public String token(String userId, String name) {
        if (key == null) {
            throw new IllegalStateException("no JWT_SECRET");
        }
        Instant now = Instant.now();
        var builder = Jwts.builder()
                .subject(userId)
                .claim("name", name)
                .issuedAt(java.util.Date.from(now))
                .expiration(java.util.Date.from(now.plusSeconds(6 * 3600)));
        if (issuer != null) {
            builder.issuer(issuer);
        }
        if (audience != null) {
            builder.audience().add(audience);
        }
        return builder.signWith(key, Jwts.SIG.HS256).compact();
    }

    /** The Socket.IO handshake auth of a user: a token, or a guest display name. */
    public Map<String, Object> auth(String userId, String displayName) {
        Map<String, Object> auth = new HashMap<>();
        if (tokens) {
            auth.put("token", token(userId, displayName));
        } else {
            auth.put("displayName", displayName);
        }
        return auth;
    }

    private static String randomId() {
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        SecureRandom random = new SecureRandom();
        StringBuilder id = new StringBuilder();
        for (int i = 0; i < 6; i++) {
            id.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return id.toString();
    }

    private static String trimSlash(String url) {
        String trimmed = url.trim();
        while (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        return trimmed.toLowerCase(Locale.ROOT).startsWith("http") || trimmed.startsWith("ws")
                ? trimmed
                : "http://" + trimmed;
    }

    private static String emptyToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
