package io.meetsignal.node.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AdmissionTest {

    private static final long LIMIT_MILLIS = 500;

    private long now = 1_000_000_000L;
    private double lag;
    private double heap = Double.NaN;
    private final Admission admission = new Admission(() -> lag, LIMIT_MILLIS, () -> heap, () -> now);

    /** Handshakes arriving evenly at {@code perSecond} for {@code millis}; returns how many were admitted. */
    private int arrive(int perSecond, long millis) {
        long step = TimeUnit.SECONDS.toNanos(1) / perSecond;
        long end = now + TimeUnit.MILLISECONDS.toNanos(millis);
        int admitted = 0;
        while (now < end) {
            now += step;
            if (admission.tryAdmit() == null) {
                admitted++;
            }
        }
        return admitted;
    }

    @Test
    void admitsEveryoneWhileTheLoopsKeepUp() {
        lag = 20;
        assertEquals(5_000, arrive(5_000, 1_000));
        assertEquals(Double.POSITIVE_INFINITY, admission.rate());
    }

    @Test
    void refusesEveryNewClientWhileTheLagIsOverTheLimit() {
        arrive(500, 2_000);
        lag = 600;
        assertEquals(0, arrive(500, 2_000));
    }

    @Test
    void afterAnOverloadAdmitsAtAReducedRateInsteadOfLettingEveryoneQueuedIn() {
        arrive(500, 5_000);
        lag = 600;
        arrive(500, 200);
        double cut = admission.rate();
        assertTrue(cut > 300 && cut < 400, "cut to about 0.7 × 500/s, was " + cut);

        lag = 300; // under the limit, over half of it: the rate holds
        int admitted = arrive(500, 1_000);
        assertTrue(admitted >= 300 && admitted <= 400, "admitted " + admitted + " of 500 at " + cut + "/s");
    }

    @Test
    void keepsCuttingOncePerSecondWhileTheOverloadLasts() {
        arrive(500, 5_000);
        lag = 600;
        arrive(500, 100);
        double first = admission.rate();
        arrive(500, 2_050);
        double later = admission.rate();
        assertEquals(first * Admission.DECREASE * Admission.DECREASE, later, 1e-6);
        arrive(500, 60_000);
        assertEquals(Admission.MIN_RATE, admission.rate(), 1e-9);
    }

    @Test
    void growsBackWhileTheLagStaysLowAndStopsLimitingAfterACalmSpell() {
        arrive(500, 5_000);
        lag = 600;
        arrive(500, 100);
        double cut = admission.rate();
        lag = 10;
        arrive(500, 3_000);
        assertTrue(admission.rate() > cut * 1.5, "grew from " + cut + " to " + admission.rate());
        arrive(500, 7_500);
        assertEquals(Double.POSITIVE_INFINITY, admission.rate());
        assertEquals(500, arrive(500, 1_000));
    }

    @Test
    void aLimitOfZeroAdmitsEveryone() {
        Admission off = new Admission(() -> 60_000, 0, () -> 0.5, () -> now);
        for (int i = 0; i < 1_000; i++) {
            now += 1_000_000;
            assertNull(off.tryAdmit());
        }
    }

    @Test
    void aHeapFullerThanTheLimitAfterCollectionRefusesEveryNewClientWhateverTheLag() {
        heap = 0.5;
        assertEquals(500, arrive(500, 1_000));
        heap = 0.9;
        assertEquals(0, arrive(500, 1_000));
        assertEquals(Admission.Refusal.MEMORY, admission.tryAdmit());
        heap = 0.6; // a collection freed enough
        assertEquals(500, arrive(500, 1_000));
        Admission lagOff = new Admission(() -> 0, 0, () -> 0.95, () -> now);
        assertEquals(Admission.Refusal.MEMORY, lagOff.tryAdmit(), "also with shedding by lag turned off");
    }

    @Test
    void beforeTheFirstCollectionTheHeapIsNoReasonToRefuse() {
        heap = Double.NaN;
        assertEquals(500, arrive(500, 1_000));
    }

    @Test
    void anOverloadIsToldApartFromAFullHeap() {
        lag = 600;
        assertEquals(Admission.Refusal.OVERLOADED, admission.tryAdmit());
    }

    @Test
    void aNegativeLimitIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Admission(() -> 0, -1, () -> 0, () -> now));
    }
}
