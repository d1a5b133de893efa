package io.meetsignal.node.service;

import static org.junit.jupiter.api.Assertions.assertThrows;

import io.meetsignal.node.protocol.ProtocolException;
import org.junit.jupiter.api.AfterEach;

/** A service test on one node of the in-memory store ({@link MeetingFixture}), closed after each test. */
abstract class MeetingTest {

    protected final MeetingFixture f = new MeetingFixture();

    @AfterEach
    void closeFixture() {
        f.close();
    }

    /** The refusal {@code action} throws; fails when it throws none. */
    static ProtocolException refused(Runnable action) {
        return assertThrows(ProtocolException.class, action::run);
    }
}
