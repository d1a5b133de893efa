package io.meetsignal.node;

import io.meetsignal.node.auth.DevTokens;
import io.meetsignal.node.config.ConfigException;
import io.meetsignal.node.config.NodeConfig;
import java.time.Duration;
import sun.misc.Signal;

/**
 * Starts a node from the environment, or with {@code token <userId> [displayName] [ttlSeconds]} prints a
 * dev token signed with {@code JWT_SECRET}.
 */
public final class Main {

    private Main() {}

    public static void main(String[] args) {
        NodeConfig config;
        try {
            config = NodeConfig.from(System.getenv());
        } catch (ConfigException e) {
            System.err.println("signaling-node: invalid configuration");
            e.problems().forEach(problem -> System.err.println("  " + problem));
            System.exit(2);
            return;
        }
        if (args.length > 0 && args[0].equals("token")) {
            System.exit(token(config, args));
            return;
        }
        SignalingNode node;
        try {
            node = SignalingNode.start(config);
        } catch (Exception e) {
            System.err.println("signaling-node: "
                    + (e instanceof SignalingNode.BindFailure ? e.getMessage() : "failed to start: " + e.getMessage()));
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(node::close, "signaling-shutdown"));
        Signal.handle(
                new Signal("TERM"),
                signal -> new Thread(
                                () -> {
                                    node.drainAndClose();
                                    System.exit(0);
                                },
                                "signaling-drain")
                        .start());
        System.out.println("signaling-node ready: port=" + node.publicAddress().getPort() + " managementPort="
                + node.managementAddress().getPort() + " nodeId=" + config.nodeId());
        System.out.flush();
    }

    private static int token(NodeConfig config, String[] args) {
        if (args.length < 2 || args.length > 4) {
            System.err.println("usage: java -jar signaling-node.jar token <userId> [displayName] [ttlSeconds]");
            return 2;
        }
        if (config.auth().jwtSecret().isEmpty()) {
            System.err.println("signaling-node: JWT_SECRET must be set to mint a token");
            return 2;
        }
        long maxTtl = config.auth().maxLifetime().toSeconds();
        long ttl;
        try {
            ttl = args.length == 4 ? Long.parseLong(args[3]) : Math.min(3600, maxTtl);
        } catch (NumberFormatException e) {
            System.err.println("ttlSeconds: '" + args[3] + "' (expected: a whole number of seconds)");
            return 2;
        }
        if (ttl < 1 || ttl > maxTtl) {
            System.err.println("ttlSeconds: " + ttl + " (expected: 1-" + maxTtl + ", JWT_MAX_LIFETIME)");
            return 2;
        }
        String name = args.length >= 3 ? args[2] : null;
        System.out.println(DevTokens.mint(config.auth(), args[1], name, Duration.ofSeconds(ttl)));
        return 0;
    }
}
