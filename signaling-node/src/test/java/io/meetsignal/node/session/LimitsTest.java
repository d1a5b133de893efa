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
    void burstsWithPausesBetweenThemAreFloodingToo() {
        FloodDetector detector = new FloodDetector(500, 10);
        long start = System.nanoTime();
        boolean flagged = false;
        int flaggedAtSecond = -1;
        // 5,000 events at once every other second: 2,500 a second on average, with a quiet second after each burst
        for (int second = 0; second < 22 && !flagged; second += 2) {
            for (int i = 0; i < 5_000 && !flagged; i++) {
                flagged = detector.record(start + second * SECOND + i * 1_000L);
                if (flagged) {
                    flaggedAtSecond = second;
                }
            }
        }
        assertTrue(flagged, "bursts with pauses were never taken for flooding");
        assertTrue(flaggedAtSecond <= 10, "flagged only at second " + flaggedAtSecond);
    }

    @Test
    void aBusySocketUnderTheFloodRateIsNeverFlagged() {
        FloodDetector detector = new FloodDetector(500, 10);
        long start = System.nanoTime();
        for (int second = 0; second < 60; second++) {
            // 450 a second, and 800 in second 20: never 5,000 within ten seconds
            int events = second == 20 ? 800 : 450;
            for (int i = 0; i < events; i++) {
                assertFalse(
                        detector.record(start + second * SECOND + i * (SECOND / events)),
                        "flagged at second " + second);
            }
        }
    }
}
