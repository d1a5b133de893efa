package io.meetsignal.cluster.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The Lua scripts of the store (one per check-and-change) and of the bus's room logs. Each is
 * {@link RedisKeys#luaPrelude()}, then {@code lib.lua} (both left out of the bus's two), then its own file from this package's resources.
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
    ACTIVE_ROOM_COUNT,
    TAKE_OVER,
    TAKE_OVER_UNSEATED,
    /**
     * On the hot path of every relayed signal: neither the key prelude nor {@code lib.lua}, it gets its keys as
     * arguments and carries nothing it does not use.
     */
    PUBLISH_LOGGED(false),
    REPLAY(false);

    private static final String[] NO_KEYS = new String[0];

    private final String source;
    private final String sha;

    LuaScript() {
        this(true);
    }

    LuaScript(boolean withLib) {
        this.source = (withLib ? RedisKeys.luaPrelude() + resource("lib.lua") : "") + "\n-- " + fileName() + "\n"
                + resource(fileName());
        this.sha = sha1(source);
    }

    /**
     * Runs this script by its SHA, sending its source only when Redis does not have it cached. {@code prefix} and
     * {@code roomTtlMillis} become {@code ARGV[1]} and {@code ARGV[2]} (see {@code lib.lua}), {@code args} follow.
     */
    <T> CompletionStage<T> run(
            RedisAsyncCommands<String, String> redis,
            String prefix,
            String roomTtlMillis,
            ScriptOutputType type,
            String... args) {
        String[] argv = new String[args.length + 2];
        argv[0] = prefix;
        argv[1] = roomTtlMillis;
        System.arraycopy(args, 0, argv, 2, args.length);
        return RedisFailures.guard(() -> redis.<T>evalsha(sha, type, NO_KEYS, argv)
                .exceptionallyCompose(failure -> RedisFailures.unwrap(failure) instanceof RedisNoScriptException
                        ? redis.<T>eval(source, type, NO_KEYS, argv)
                        : CompletableFuture.failedFuture(failure)));
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
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
