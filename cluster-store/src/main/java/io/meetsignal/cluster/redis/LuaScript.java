package io.meetsignal.cluster.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * The Lua scripts of the store, one per check-and-change. Each is {@link RedisKeys#luaPrelude()}, then
 * {@code lib.lua}, then its own file from this package's resources.
 */
enum LuaScript {
    CREATE_ROOM,
    ROOM_BY_CODE,
    UPDATE_SETTINGS,
    SET_LOCKED,
    END_ROOM,
    JOIN,
    ADMIT,
    REMOVE_WAITING,
    LEAVE,
    REMOVE_AND_BAN,
    PARTICIPANTS,
    UPDATE_MEDIA,
    APPEND_CHAT,
    LOST_NODES,
    RELEASE_NODE,
    RESTORE,
    ACTIVE_ROOM_COUNT;

    private final String source;
    private final String sha;

    LuaScript() {
        this.source = RedisKeys.luaPrelude() + resource("lib.lua") + "\n-- " + fileName() + "\n"
                + resource(fileName());
        this.sha = sha1(source);
    }

    String fileName() {
        return name().toLowerCase(Locale.ROOT) + ".lua";
    }

    String source() {
        return source;
    }

    /** The SHA-1 under which Redis caches the script ({@code EVALSHA}). */
    String sha() {
        return sha;
    }

    private static String resource(String name) {
        try (InputStream in = LuaScript.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing Lua resource: " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha1(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
