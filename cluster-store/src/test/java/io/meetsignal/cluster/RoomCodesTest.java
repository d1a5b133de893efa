package io.meetsignal.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class RoomCodesTest {

    @Test
    void codesCompareIgnoringCaseAndHyphens() {
        assertEquals(Optional.of("abcdefghi"), RoomCodes.normalize("ABC-DEF-GHI"));
        assertEquals(Optional.of("abcdefghi"), RoomCodes.normalize(" abcdefghi "));
        assertEquals(Optional.of("abc123"), RoomCodes.normalize("ABC123"));
    }

    @Test
    void anythingElseIsNotACode() {
        for (String bad : new String[] {null, "", "ab", "a".repeat(33), "abc def", "abc_def", "---", "é-é-é"}) {
            assertTrue(RoomCodes.normalize(bad).isEmpty(), String.valueOf(bad));
        }
    }

    @Test
    void generatedCodesHaveThreeGroupsOfThreeLetters() {
        for (int i = 0; i < 100; i++) {
            assertTrue(RoomCodes.generate().matches("[a-z]{3}-[a-z]{3}-[a-z]{3}"));
        }
    }
}
