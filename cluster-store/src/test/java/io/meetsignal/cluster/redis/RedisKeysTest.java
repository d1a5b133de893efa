package io.meetsignal.cluster.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RedisKeysTest {

    private final RedisKeys keys = new RedisKeys(RedisConfig.DEFAULT_PREFIX);

    @Test
    void everyKeyIsUnderThePrefix() {
        assertEquals("sig:code:abcdefghi", keys.code("abcdefghi"));
        assertEquals("sig:room:r1", keys.room("r1"));
        assertEquals("sig:room:r1:seats", keys.seats("r1"));
        assertEquals("sig:room:r1:order", keys.order("r1"));
        assertEquals("sig:room:r1:waiting", keys.waiting("r1"));
        assertEquals("sig:room:r1:queue", keys.queue("r1"));
        assertEquals("sig:room:r1:users", keys.users("r1"));
        assertEquals("sig:room:r1:bans", keys.bans("r1"));
        assertEquals("sig:room:r1:chat", keys.chat("r1"));
        assertEquals("sig:socket:s1:unseated", keys.unseated("s1"));
        assertEquals("sig:rooms:active", keys.activeRooms());
        assertEquals("sig:node:n1:alive", keys.alive("n1"));
        assertEquals("sig:node:n1:places", keys.places("n1"));
        assertEquals("sig:nodes", keys.nodes());
        assertEquals("sig:room:r1", keys.roomChannel("r1"));
        assertEquals("sig:room:r1:log", keys.log("r1"));
        assertEquals("sig:room:r1:logcut", keys.logCut("r1"));
        assertEquals("sig:room:r1:logbytes", keys.logBytes("r1"));
        assertEquals("sig:room:a%sb:log", keys.log("a%sb"));
        assertEquals("sig:node:n1", keys.nodeChannel("n1"));
        assertEquals("other:room:r1", new RedisKeys("other:").room("r1"));
    }

    @Test
    void luaPreludeDefinesAFunctionPerKey() {
        String lua = RedisKeys.luaPrelude();

        assertTrue(lua.contains("local function key_seats(id) return P .. 'room:' .. id .. ':seats' end"), lua);
        assertTrue(lua.contains("local function key_nodes() return P .. 'nodes' end"), lua);
        assertTrue(lua.contains("local function key_code(id) return P .. 'code:' .. id .. '' end"), lua);
    }

    @Test
    void everyScriptLoadsWithItsOwnSha() {
        for (LuaScript script : LuaScript.values()) {
            boolean bare = script == LuaScript.PUBLISH_LOGGED || script == LuaScript.REPLAY;
            assertEquals(!bare, script.source().contains("local function touch("), script.name());
            assertEquals(!bare, script.source().contains("local function key_log("), script.name());
            assertEquals(40, script.sha().length());
        }
        assertNotEquals(LuaScript.JOIN.sha(), LuaScript.ADMIT.sha());
    }

    @Test
    void configRejectsBadValues() {
        assertThrows(IllegalArgumentException.class, () -> RedisConfig.of(" "));
        assertThrows(
                IllegalArgumentException.class,
                () -> RedisConfig.of("redis://x").withPrefix("a b"));
        assertThrows(
                IllegalArgumentException.class,
                () -> RedisConfig.of("redis://x").withPrefix("a*"));
        assertThrows(IllegalArgumentException.class, () -> new RedisConfig("redis://x", "p:", Duration.ZERO));
        assertThrows(
                IllegalArgumentException.class,
                () -> RedisConfig.of("redis://x").withRoomTtl(Duration.ZERO));
        assertEquals(RedisConfig.DEFAULT_ROOM_TTL, new RedisConfig("redis://x", "p:", Duration.ofSeconds(1)).roomTtl());
        assertFalse(RedisConfig.of("redis://user:secret@host:6379/0").toString().contains("secret"));
    }
}
