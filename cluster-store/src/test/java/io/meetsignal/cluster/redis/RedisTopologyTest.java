package io.meetsignal.cluster.redis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RedisTopologyTest {

    @Test
    void theSchemeNamesTheTopology() {
        assertEquals(RedisTopology.STANDALONE, RedisTopology.of("redis://127.0.0.1:6379"));
        assertEquals(RedisTopology.STANDALONE, RedisTopology.of("rediss://user:pw@cache.example:6380/2"));
        assertEquals(RedisTopology.SENTINEL, RedisTopology.of("redis-sentinel://127.0.0.1:26379,127.0.0.1:26380#main"));
        assertEquals(RedisTopology.SENTINEL, RedisTopology.of("rediss-sentinel://pw@s1.example:26379/1#main"));
    }

    @Test
    void whatIsNotServedIsRefusedWithAMessageThatSaysWhy() {
        assertTrue(RedisTopology.problem("redis-cluster://127.0.0.1:7000,127.0.0.1:7001")
                .orElseThrow()
                .contains("not supported by this version"));
        assertTrue(RedisTopology.problem("http://127.0.0.1:6379").orElseThrow().startsWith("expected redis://"));
        assertTrue(RedisTopology.problem("redis-sentinel://127.0.0.1:26379")
                .orElseThrow()
                .contains("names its master after '#'"));
        assertThrows(IllegalArgumentException.class, () -> RedisTopology.of("redis-cluster://127.0.0.1:7000"));
        assertFalse(RedisTopology.problem("redis-sentinel://127.0.0.1:26379#m").isPresent());
    }

    @Test
    void aLogLineNamesTheTopologyAndAddressesWithoutThePassword() {
        String sentinel = RedisTopology.describe("redis-sentinel://secret@127.0.0.1:26379,127.0.0.1:26380#main");
        assertEquals("Redis Sentinel master 'main' (sentinels 127.0.0.1:26379, 127.0.0.1:26380)", sentinel);
        assertEquals("Redis at cache.example:6380", RedisTopology.describe("redis://user:secret@cache.example:6380/0"));
    }

    @Test
    void credentialsComeFromTheUserInfo() {
        assertArrayEquals(
                new String[] {null, "p@ss"},
                RedisTopology.credentials("redis-sentinel://p%40ss@127.0.0.1:26379#m")
                        .orElseThrow());
        assertArrayEquals(
                new String[] {"app", "pw"},
                RedisTopology.credentials("redis-sentinel://app:pw@127.0.0.1:26379#m")
                        .orElseThrow());
        assertTrue(
                RedisTopology.credentials("redis-sentinel://127.0.0.1:26379#m").isEmpty());
        assertTrue(RedisTopology.credentials("redis://127.0.0.1:6379/0").isEmpty());
    }
}
