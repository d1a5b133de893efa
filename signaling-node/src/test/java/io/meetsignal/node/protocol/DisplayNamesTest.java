package io.meetsignal.node.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class DisplayNamesTest {

    private static ErrorCode refusal(Object raw) {
        return assertThrows(ProtocolException.class, () -> DisplayNames.cleanClaim(raw))
                .code();
    }

    @Test
    void controlAndFormatCharactersAreRemovedThenTheNameIsTrimmed() {
        assertEquals("Alice", DisplayNames.clean("  Al\u200bice\n "));
        assertEquals("evilexe.gpj", DisplayNames.clean("evil\u202eexe.gpj"));
        assertEquals("Bob", DisplayNames.clean("\u2066Bob\u2069\u200d\ufeff"));
        assertEquals("Tag", DisplayNames.clean("T\udb40\udc01ag"));
        assertEquals("Lone", DisplayNames.clean("Lo\ud800ne"));
        assertEquals("Zoë 🎉 李", DisplayNames.clean("\u00a0Zoë 🎉 李\u3000"));
    }

    @Test
    void aNameOfOnlyInvisibleCharactersIsMissing() {
        for (String blank :
                List.of("", "   ", "\u200b\u200c\u200d", "\u202e\u202d", "\n\r\t", " \u00a0\u3000 \ufeff")) {
            assertEquals(ErrorCode.DISPLAY_NAME_REQUIRED, refusal(blank), blank);
        }
        assertEquals(ErrorCode.DISPLAY_NAME_REQUIRED, refusal(null));
    }

    @Test
    void fiftyCharactersAreCountedAfterCleaning() {
        assertEquals("x".repeat(50), DisplayNames.clean("x".repeat(50) + "\u200b".repeat(100)));
        assertEquals("🎉".repeat(50), DisplayNames.clean("🎉".repeat(50)));
        assertEquals(ErrorCode.INVALID_PAYLOAD, refusal("x".repeat(51)));
        assertEquals(ErrorCode.INVALID_PAYLOAD, refusal("🎉".repeat(51)));
    }

    @Test
    void aClaimThatIsNotAStringIsInvalid() {
        assertEquals(ErrorCode.INVALID_PAYLOAD, refusal(42));
        assertEquals(ErrorCode.INVALID_PAYLOAD, refusal(List.of("a")));
        assertEquals(ErrorCode.INVALID_PAYLOAD, refusal(true));
    }
}
