package io.meetsignal.node.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ErrorCodeTest {

    @Test
    void theRestCodesHaveTheStatusesOfProtocolSection4() {
        assertEquals(400, ErrorCode.INVALID_PAYLOAD.httpStatus());
        assertEquals(401, ErrorCode.AUTH_FAILED.httpStatus());
        assertEquals(403, ErrorCode.FORBIDDEN.httpStatus());
        assertEquals(404, ErrorCode.ROOM_NOT_FOUND.httpStatus());
        assertEquals(429, ErrorCode.RATE_LIMITED.httpStatus());
        assertEquals(503, ErrorCode.UNAVAILABLE.httpStatus());
        assertEquals(500, ErrorCode.INTERNAL.httpStatus());
    }

    @Test
    void everyCodeIsAnHttpErrorStatus() {
        for (ErrorCode code : ErrorCode.values()) {
            assertTrue(code.httpStatus() >= 400 && code.httpStatus() < 600, code + ": " + code.httpStatus());
        }
    }
}
