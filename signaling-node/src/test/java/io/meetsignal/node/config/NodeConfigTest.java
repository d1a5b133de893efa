package io.meetsignal.node.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeConfigTest {

    @Test
    void defaultsFollowTheProtocol() {
        NodeConfig config = NodeConfig.from(Map.of());
        assertEquals(3001, config.port());
        assertEquals(9091, config.managementPort());
        assertEquals(Duration.ofSeconds(10), config.nodeTtl());
        assertEquals(Duration.ofSeconds(30), config.recoveryWindow());
        assertEquals(Duration.ofSeconds(20), config.drain());
        assertEquals(64 * 1024, config.limits().maxPacketBytes());
        assertEquals(50, config.limits().eventsPerSecond());
        assertEquals(100, config.limits().eventBurst());
        assertEquals(500, config.limits().overloadLagMillis());
        assertTrue(config.auth().allowGuests());
        assertFalse(config.roomsAutoCreate());
        assertTrue(config.corsOrigins().isEmpty());
        assertTrue(config.redisUrl().isEmpty());
        assertEquals("sig:", config.redisPrefix());
        assertEquals(2, config.busFormat());
        assertEquals(1, NodeConfig.from(Map.of("BUS_FORMAT", "1")).busFormat());
        assertFalse(config.nodeId().isBlank());
    }

    @Test
    void everyBadValueIsReportedByName() {
        ConfigException e = assertThrows(
                ConfigException.class,
                () -> NodeConfig.from(Map.of(
                        "PORT", "70000",
                        "ALLOW_GUESTS", "maybe",
                        "NODE_TTL", "-3",
                        "JWT_SECRET", "short",
                        "LOG_FORMAT", "xml",
                        "CORS_ORIGINS", "https://ok.example, not an origin",
                        "REDIS_URL", "localhost:6379",
                        "OVERLOAD_LAG_MS", "-1",
                        "BUS_FORMAT", "3")));
        List<String> problems = e.problems();
        for (String variable : List.of(
                "PORT",
                "ALLOW_GUESTS",
                "NODE_TTL",
                "JWT_SECRET",
                "LOG_FORMAT",
                "CORS_ORIGINS",
                "REDIS_URL",
                "OVERLOAD_LAG_MS",
                "BUS_FORMAT")) {
            assertTrue(problems.stream().anyMatch(p -> p.startsWith(variable + ":")), variable + " in " + problems);
        }
    }

    @Test
    void durationsAcceptSecondsAndUnits() {
        NodeConfig config = NodeConfig.from(Map.of("NODE_TTL", "500ms", "RECOVERY_WINDOW", "2m", "DRAIN_SECONDS", "5"));
        assertEquals(Duration.ofMillis(500), config.nodeTtl());
        assertEquals(Duration.ofMinutes(2), config.recoveryWindow());
        assertEquals(Duration.ofSeconds(5), config.drain());
    }

    @Test
    void aRecoveryWindowOfZeroTurnsRecoveryOffButOtherDurationsMustBePositive() {
        assertEquals(
                Duration.ZERO, NodeConfig.from(Map.of("RECOVERY_WINDOW", "0")).recoveryWindow());
        ConfigException e = assertThrows(
                ConfigException.class,
                () -> NodeConfig.from(Map.of("NODE_TTL", "0", "DRAIN_SECONDS", "0s", "RECOVERY_WINDOW", "-1")));
        for (String variable : List.of("NODE_TTL", "DRAIN_SECONDS", "RECOVERY_WINDOW")) {
            assertTrue(
                    e.problems().stream().anyMatch(p -> p.startsWith(variable + ":")),
                    variable + " in " + e.problems());
        }
    }

    @Test
    void redisUrlNamesOneRedisOrSentinelAndRedisClusterIsRefusedForNow() {
        assertEquals(
                "redis-sentinel://127.0.0.1:26379,127.0.0.1:26380#main",
                NodeConfig.from(Map.of("REDIS_URL", "redis-sentinel://127.0.0.1:26379,127.0.0.1:26380#main"))
                        .redisUrl()
                        .orElseThrow());
        ConfigException e = assertThrows(
                ConfigException.class, () -> NodeConfig.from(Map.of("REDIS_URL", "redis-cluster://127.0.0.1:7000")));
        assertTrue(
                e.problems().stream().anyMatch(p -> p.startsWith("REDIS_URL:") && p.contains("not supported")),
                e.problems().toString());
    }

    @Test
    void theWarmUpIsFiveSecondsByDefaultZeroTurnsItOffAndItIsAtMostTen() {
        assertEquals(Duration.ofSeconds(5), NodeConfig.from(Map.of()).warmup());
        assertEquals(Duration.ZERO, NodeConfig.from(Map.of("WARMUP", "0")).warmup());
        assertEquals(
                Duration.ofSeconds(10), NodeConfig.from(Map.of("WARMUP", "10s")).warmup());
        for (String bad : List.of("11s", "-1", "soon")) {
            ConfigException e = assertThrows(ConfigException.class, () -> NodeConfig.from(Map.of("WARMUP", bad)));
            assertTrue(e.problems().stream().anyMatch(p -> p.startsWith("WARMUP:")), bad + ": " + e.problems());
        }
    }

    @Test
    void corsOriginsAreAListAndStarMustBeExplicit() {
        assertEquals(
                List.of("https://a.example", "http://b.example:8080"),
                NodeConfig.from(Map.of("CORS_ORIGINS", "https://a.example, http://b.example:8080"))
                        .corsOrigins());
        assertEquals(List.of("*"), NodeConfig.from(Map.of("CORS_ORIGINS", "*")).corsOrigins());
    }

    @Test
    void jwtMaxLifetimeDefaultsToADayAndTakesHours() {
        assertEquals(Duration.ofHours(24), NodeConfig.from(Map.of()).auth().maxLifetime());
        assertEquals(
                Duration.ofHours(12),
                NodeConfig.from(Map.of("JWT_MAX_LIFETIME", "12h")).auth().maxLifetime());
        assertEquals(
                Duration.ofMinutes(30),
                NodeConfig.from(Map.of("JWT_MAX_LIFETIME", "30m")).auth().maxLifetime());
        for (String bad : List.of("forever", "0", "-1h", "99999999999999999h")) {
            ConfigException e =
                    assertThrows(ConfigException.class, () -> NodeConfig.from(Map.of("JWT_MAX_LIFETIME", bad)), bad);
            assertTrue(
                    e.problems().stream().anyMatch(p -> p.startsWith("JWT_MAX_LIFETIME:")), bad + ": " + e.problems());
        }
    }

    @Test
    void theManagementPortBindsLoopbackUnlessToldOtherwise() {
        assertEquals("127.0.0.1", NodeConfig.from(Map.of()).managementHost());
        assertEquals("127.0.0.1", NodeConfig.from(Map.of("HOST", "0.0.0.0")).managementHost());
        assertEquals(
                "0.0.0.0", NodeConfig.from(Map.of("MANAGEMENT_HOST", "0.0.0.0")).managementHost());
        assertEquals("::", NodeConfig.from(Map.of("MANAGEMENT_HOST", "[::]")).managementHost());
        assertEquals("::1", NodeConfig.from(Map.of("MANAGEMENT_HOST", "::1")).managementHost());
        assertEquals(
                "mgmt.internal",
                NodeConfig.from(Map.of("MANAGEMENT_HOST", "mgmt.internal")).managementHost());
        for (String bad : List.of("http://0.0.0.0", "10.0.0.1:9091", "two words", "-x", "a/b")) {
            ConfigException e =
                    assertThrows(ConfigException.class, () -> NodeConfig.from(Map.of("MANAGEMENT_HOST", bad)), bad);
            assertTrue(
                    e.problems().stream().anyMatch(p -> p.startsWith("MANAGEMENT_HOST:")), bad + ": " + e.problems());
        }
    }
}
