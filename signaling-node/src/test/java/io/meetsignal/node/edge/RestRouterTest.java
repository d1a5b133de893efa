package io.meetsignal.node.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.HttpMethod;
import java.util.List;
import org.junit.jupiter.api.Test;

class RestRouterTest {

    private final RestRouter.Endpoint create = (request, params) -> null;
    private final RestRouter.Endpoint byCode = (request, params) -> null;
    private final RestRouter.Endpoint room = (request, params) -> null;
    private final RestRouter.Endpoint settings = (request, params) -> null;
    private final RestRouter router = new RestRouter()
            .add(HttpMethod.POST, "rooms", create)
            .add(HttpMethod.GET, "rooms/code/{code}", byCode)
            .add(HttpMethod.GET, "rooms/{id}", room)
            .add(HttpMethod.PATCH, "rooms/{id}/settings", settings);

    private static String[] path(String path) {
        return path.split("/", -1);
    }

    @Test
    void aRouteMatchesItsMethodAndPathAndPassesItsParameters() {
        RestRouter.Match match =
                router.match(HttpMethod.PATCH, path("rooms/abc/settings")).orElseThrow();
        assertSame(settings, match.endpoint());
        assertEquals(List.of("abc"), match.params());
        assertSame(
                create,
                router.match(HttpMethod.POST, path("rooms")).orElseThrow().endpoint());
        assertEquals(
                List.of(),
                router.match(HttpMethod.POST, path("rooms")).orElseThrow().params());
    }

    @Test
    void literalSegmentsMustMatchExactlyAndTheFirstRouteAddedWins() {
        assertSame(
                byCode,
                router.match(HttpMethod.GET, path("rooms/code/abc"))
                        .orElseThrow()
                        .endpoint());
        assertSame(
                room,
                router.match(HttpMethod.GET, path("rooms/code")).orElseThrow().endpoint());
        assertTrue(router.match(HttpMethod.PATCH, path("rooms/abc/other")).isEmpty());
        assertTrue(router.match(HttpMethod.GET, path("Rooms/abc")).isEmpty());
    }

    @Test
    void anotherMethodOrAnotherNumberOfSegmentsMatchesNothing() {
        assertTrue(router.match(HttpMethod.DELETE, path("rooms/abc")).isEmpty());
        assertTrue(router.match(HttpMethod.GET, path("rooms")).isEmpty());
        assertTrue(router.match(HttpMethod.GET, path("rooms/a/b/c")).isEmpty());
        assertTrue(router.match(HttpMethod.POST, path("rooms/")).isEmpty());
    }

    @Test
    void aParameterMatchesAnySegmentEvenAnEmptyOne() {
        assertEquals(
                List.of(""),
                router.match(HttpMethod.GET, path("rooms/")).orElseThrow().params());
        // the caller decodes segments first: an encoded slash stays inside its segment
        assertEquals(
                List.of("a/b"),
                router.match(HttpMethod.GET, new String[] {"rooms", "a/b"})
                        .orElseThrow()
                        .params());
    }
}
