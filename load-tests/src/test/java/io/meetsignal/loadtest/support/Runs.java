package io.meetsignal.loadtest.support;

import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.http.HttpDsl.http;

import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import java.util.ArrayList;
import java.util.List;

/** What every simulation shares: the HTTP/websocket protocol and the pass/fail assertions. */
public final class Runs {

    private Runs() {}

    /**
     * Answers Engine.IO pings ({@code 2} → {@code 3}) by itself, and keeps frames that arrive while no
     * check waits so that {@link io.meetsignal.loadtest.sio.Sio} can hand them to the client.
     */
    public static HttpProtocolBuilder protocol(Params params) {
        int buffer = params.integer("inboundBuffer", 20_000, 20_000);
        return http.wsAutoReplySocketIo4()
                .wsUnmatchedInboundMessageBufferSize(buffer)
                .acceptHeader("application/json")
                .userAgentHeader("meetsignal-load-tests")
                .disableWarmUp()
                .disableCaching();
    }

    /**
     * Fails the run when the 99th percentile of the response times, over all requests and over each
     * key request, reaches {@code -Dp99Ms}, or when more than {@code -DmaxFailedPct} percent of the
     * requests failed (default 0). Note that Gatling counts every websocket send as a 1 ms request, so
     * the global percentile is diluted; the key requests are the honest figures.
     */
    public static List<Assertion> assertions(Params params, int smokeP99Ms, int fullP99Ms, String... keyRequests) {
        int p99 = params.integer("p99Ms", smokeP99Ms, fullP99Ms);
        double maxFailed = params.decimal("maxFailedPct", 0, 0);
        List<Assertion> assertions = new ArrayList<>();
        assertions.add(global().failedRequests().percent().lte(maxFailed));
        assertions.add(global().responseTime().percentile(99.0).lt(p99));
        for (String key : keyRequests) {
            assertions.add(details(key).responseTime().percentile(99.0).lt(p99));
        }
        return assertions;
    }
}
