package io.meetsignal.node.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LimitsTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void bucketAllowsTheBurstThenTheRate() {
        TokenBucket bucket = new TokenBucket(50, 100);
        long t = System.nanoTime();
        int taken = 0;
        for (int i = 0; i < 150; i++) {
            if (bucket.tryTake(t)) {
                taken++;
            }
        }
        assertEquals(100, taken);
        assertFalse(bucket.tryTake(t));
        int later = 0;
        for (int i = 0; i < 100; i++) {
            if (bucket.tryTake(t + SECOND)) {
                later++;
            }
        }
        assertEquals(50, later);
    }

    @Test
    void floodIsNoticedOnlyAfterTenSecondsAtTenTimesTheLimit() {
        FloodDetector detector = new FloodDetector(500, 10);
        long start = System.nanoTime();
        boolean flagged = false;
        int flaggedAtSecond = -1;
        for (int second = 0; second < 12 && !flagged; second++) {
            for (int i = 0; i < 600 && !flagged; i++) {
                flagged = detector.record(start + second * SECOND + i * (SECOND / 600));
                if (flagged) {
                    flaggedAtSecond = second;
                }
            }
        }
        assertTrue(flagged);
        assertEquals(9, flaggedAtSecond);
    }

    @Test
    void aPauseResetsTheFloodCount() {
        FloodDetector detector = new FloodDetector(500, 10);
        long start = System.nanoTime();
        boolean flagged = false;
        for (int second = 0; second < 20; second++) {
            if (second == 8) {
                continue; // a quiet second
            }
            for (int i = 0; i < 600; i++) {
                flagged |= detector.record(start + second * SECOND + i * (SECOND / 600));
            }
            if (second < 17) {
                assertFalse(flagged, "flagged at second " + second);
            }
        }
        assertTrue(flagged);
    }
}
