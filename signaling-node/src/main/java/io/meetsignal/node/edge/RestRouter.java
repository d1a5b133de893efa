package io.meetsignal.node.edge;

import static java.util.Objects.requireNonNull;

import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The REST route table: method and path pattern → endpoint. A pattern is the path after the API prefix, its segments
 * separated by {@code /}; a segment {@code {name}} matches any one (decoded) segment and is passed to the endpoint,
 * in order. Routes are tried in the order they were added; the first that matches serves the request.
 */
final class RestRouter {

    /** Serves one request; {@code params} are the segments the pattern's {@code {…}} matched. */
    @FunctionalInterface
    interface Endpoint {
        CompletionStage<RestApi.Reply> serve(FullHttpRequest request, List<String> params);
    }

    /** A route that matched: its endpoint and the values of its parameters. */
    record Match(Endpoint endpoint, List<String> params) {}

    private record Route(HttpMethod method, String[] pattern, Endpoint endpoint) {}

    private final List<Route> routes = new ArrayList<>();

    /** Adds a route; returns this router. */
    RestRouter add(HttpMethod method, String pattern, Endpoint endpoint) {
        routes.add(new Route(
                requireNonNull(method, "method"),
                requireNonNull(pattern, "pattern").split("/", -1),
                requireNonNull(endpoint, "endpoint")));
        return this;
    }

    /** The first route for {@code method} whose pattern matches the decoded path {@code segments}. */
    Optional<Match> match(HttpMethod method, String[] segments) {
        for (Route route : routes) {
            if (route.method.equals(method) && route.pattern.length == segments.length) {
                List<String> params = matchPattern(route.pattern, segments);
                if (params != null) {
                    return Optional.of(new Match(route.endpoint, params));
                }
            }
        }
        return Optional.empty();
    }

    private static List<String> matchPattern(String[] pattern, String[] segments) {
        List<String> params = new ArrayList<>(2);
        for (int i = 0; i < pattern.length; i++) {
            if (pattern[i].startsWith("{") && pattern[i].endsWith("}")) {
                params.add(segments[i]);
            } else if (!pattern[i].equals(segments[i])) {
                return null;
            }
        }
        return List.copyOf(params);
    }
}
