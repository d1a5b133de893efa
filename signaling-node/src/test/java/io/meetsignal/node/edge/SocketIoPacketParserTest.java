package io.meetsignal.node.edge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meetsignal.node.edge.SocketIoPacketParser.Binary;
import io.meetsignal.node.edge.SocketIoPacketParser.Connect;
import io.meetsignal.node.edge.SocketIoPacketParser.Disconnect;
import io.meetsignal.node.edge.SocketIoPacketParser.Event;
import io.meetsignal.node.edge.SocketIoPacketParser.Flaw;
import io.meetsignal.node.edge.SocketIoPacketParser.Ignored;
import io.meetsignal.node.edge.SocketIoPacketParser.Malformed;
import io.meetsignal.node.edge.SocketIoPacketParser.Packet;
import io.meetsignal.node.edge.SocketIoPacketParser.TooLarge;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SocketIoPacketParserTest {

    private static final int LIMIT = 64 * 1024;

    /**
     * Parses {@code engineMessage} (an Engine.IO message packet, {@code 4…}, as a client writes it) the way the handler
     * does: from a larger buffer, at an offset, the Engine.IO type skipped.
     */
    private static Packet parse(String engineMessage, int limit) {
        byte[] bytes = engineMessage.getBytes(StandardCharsets.UTF_8);
        assertEquals('4', bytes[0], "an Engine.IO message packet");
        ByteBuf content = Unpooled.buffer();
        content.writeBytes("garbage\u001e".getBytes(StandardCharsets.US_ASCII));
        int offset = content.writerIndex() + 1;
        content.writeBytes(bytes);
        content.writeBytes("\u001e42[\"after\"]".getBytes(StandardCharsets.US_ASCII));
        try {
            return SocketIoPacketParser.parse(content, offset, bytes.length - 1, limit);
        } finally {
            content.release();
        }
    }

    private static Packet parse(String engineMessage) {
        return parse(engineMessage, LIMIT);
    }

    private static Event event(String engineMessage) {
        return assertInstanceOf(Event.class, parse(engineMessage));
    }

    private static Malformed malformed(String engineMessage) {
        return assertInstanceOf(Malformed.class, parse(engineMessage));
    }

    private static Long ackIdOf(String engineMessage) {
        ByteBuf content = Unpooled.copiedBuffer(engineMessage, StandardCharsets.UTF_8);
        try {
            return SocketIoPacketParser.ackId(content, 1, content.readableBytes() - 1);
        } finally {
            content.release();
        }
    }

    // ---- events -----------------------------------------------------------------------------------

    @Test
    void anEventCarriesItsNameAndPayloadAndNoAckIdWhenNoneIsAsked() {
        Event event = event("42[\"chat-message\",{\"roomId\":\"r\",\"content\":\"hi\"}]");
        assertEquals("chat-message", event.name());
        assertEquals("hi", event.payload().get("content").textValue());
        assertNull(event.ackId());
        assertEquals("/", event.namespace());
    }

    @Test
    void anEventWithoutPayloadHasANullPayloadAndArgumentsAfterTheFirstAreIgnored() {
        assertNull(event("42[\"leave-room\"]").payload());
        Event extra = event("42[\"leave-room\",{\"roomId\":\"r\"},\"more\",3]");
        assertEquals("r", extra.payload().get("roomId").textValue());
    }

    @Test
    void aPayloadNeedNotBeAnObject() {
        assertTrue(event("42[\"chat-message\",\"text\"]").payload().isTextual());
        assertTrue(event("42[\"chat-message\",null]").payload().isNull());
    }

    @Test
    void anEmptyEventNameIsStillAName() {
        assertEquals("", event("42[\"\",{}]").name());
    }

    @Test
    void whatFollowsTheArrayIsIgnored() {
        assertEquals("offer", event("42[\"offer\",{}]  trailing").name());
    }

    // ---- ack ids ----------------------------------------------------------------------------------

    @Test
    void theAckIdIsTheDigitsBeforeTheData() {
        assertEquals(7L, event("427[\"join-room\",{\"roomCode\":\"abc\"}]").ackId());
        assertEquals(0L, event("420[\"join-room\"]").ackId());
    }

    @Test
    void theLargestAckIdAJavaScriptClientMakesIsReadExactly() {
        long max = (1L << 53) - 1;
        assertEquals(max, event("42" + max + "[\"offer\",{}]").ackId());
        assertEquals(max + 1, event("42" + (max + 1) + "[\"offer\",{}]").ackId());
        assertEquals(
                999_999_999_999_999_999L,
                event("42999999999999999999[\"offer\",{}]").ackId());
    }

    @Test
    void digitsBeyondEighteenBelongToTheDataWhichIsThenMalformed() {
        // 19 digits: the first 18 are the ack id, the 19th starts the data ("9[…]" is no JSON document)
        Malformed tooLong = malformed("421234567890123456789[\"offer\",{}]");
        assertEquals(123_456_789_012_345_678L, tooLong.ackId());
        assertEquals(Flaw.NOT_JSON, tooLong.flaw());
        assertEquals(
                Flaw.NOT_AN_ARRAY,
                malformed("421234567890123456789 [\"offer\",{}]").flaw());
    }

    @Test
    void leadingZerosAreReadAsTheNumber() {
        assertEquals(12L, event("4200012[\"offer\",{}]").ackId());
    }

    @Test
    void theAckIdOfAPacketCanBeReadWithoutItsData() {
        assertEquals(5L, ackIdOf("425[\"chat-message\",{bad"));
        assertEquals(3L, ackIdOf("42/x,3[\"chat-message\"]"));
        assertNull(ackIdOf("42[\"chat-message\"]"));
        assertNull(ackIdOf("4"));
    }

    // ---- malformed events (test/bad-input.test.js, hardening, limits) -----------------------------

    @Test
    void badJsonIsMalformedAndKeepsItsAckId() {
        assertEquals(Flaw.NOT_JSON, malformed("42[\"chat-message\",{bad").flaw());
        Malformed cut = malformed("421[\"chat-message\",{\"roomId\":");
        assertEquals(Flaw.NOT_JSON, cut.flaw());
        assertEquals(1L, cut.ackId());
        assertEquals(Flaw.NOT_JSON, malformed("42[\"chat-message\"").flaw());
        assertEquals(Flaw.NOT_JSON, malformed("42]").flaw());
    }

    @Test
    void dataThatIsNoArrayIsMalformed() {
        assertEquals(Flaw.NOT_AN_ARRAY, malformed("42{\"not\":\"an array\"}").flaw());
        assertEquals(Flaw.NOT_AN_ARRAY, malformed("42\"join-room\"").flaw());
        assertEquals(Flaw.NOT_AN_ARRAY, malformed("42null").flaw());
        assertEquals(Flaw.NOT_AN_ARRAY, malformed("42").flaw());
        assertEquals(Flaw.NOT_AN_ARRAY, malformed("421").flaw());
    }

    @Test
    void anArrayWithoutANameFirstIsMalformed() {
        assertEquals(Flaw.NO_NAME, malformed("42[]").flaw());
        assertEquals(Flaw.NO_NAME, malformed("42[1,{}]").flaw());
        assertEquals(Flaw.NO_NAME, malformed("42[null]").flaw());
        assertEquals(Flaw.NO_NAME, malformed("42[{\"event\":\"offer\"}]").flaw());
    }

    @Test
    void hugeNumbersInTheDataDoNotBreakTheParser() {
        // longer than the JSON reader allows: refused as not JSON, not thrown
        assertEquals(
                Flaw.NOT_JSON,
                malformed("42[\"offer\",{\"n\":" + "9".repeat(5_000) + "}]").flaw());
        assertTrue(event("42[\"offer\",{\"n\":1e999999}]").payload().get("n").isNumber());
        assertTrue(event("42[\"offer\",{\"n\":" + "9".repeat(500) + "}]")
                .payload()
                .get("n")
                .isBigInteger());
    }

    @Test
    void invalidUtf8IsNotJson() {
        ByteBuf content = Unpooled.buffer();
        content.writeBytes("2[\"chat-message\",\"".getBytes(StandardCharsets.US_ASCII));
        content.writeByte(0xC3).writeByte(0x28);
        content.writeBytes("\"]".getBytes(StandardCharsets.US_ASCII));
        try {
            Packet packet = SocketIoPacketParser.parse(content, 0, content.readableBytes(), LIMIT);
            assertEquals(
                    Flaw.NOT_JSON, assertInstanceOf(Malformed.class, packet).flaw());
        } finally {
            content.release();
        }
    }

    // ---- size -------------------------------------------------------------------------------------

    @Test
    void anEventOverTheLimitIsNotReadButKeepsItsAckId() {
        String big = "429[\"chat-message\",{\"content\":\"" + "x".repeat(100) + "\"}]";
        int socketIoLength = big.length() - 1;
        TooLarge refused = assertInstanceOf(TooLarge.class, parse(big, socketIoLength - 1));
        assertEquals(9L, refused.ackId());
        assertEquals(socketIoLength - 1, refused.limit());
        assertInstanceOf(Event.class, parse(big, socketIoLength), "exactly the limit is allowed");
        assertInstanceOf(
                TooLarge.class,
                parse("42[\"chat-message\",{bad" + "x".repeat(50), 10),
                "the size is checked before the JSON");
    }

    @Test
    void theLimitIsForEventsOnly() {
        assertInstanceOf(Connect.class, parse("40{\"displayName\":\"" + "x".repeat(100) + "\"}", 10));
    }

    // ---- namespaces, CONNECT, DISCONNECT ----------------------------------------------------------

    @Test
    void aConnectCarriesItsNamespaceAndTheRawAuth() {
        Connect plain = assertInstanceOf(Connect.class, parse("40"));
        assertEquals("/", plain.namespace());
        assertNull(plain.auth());
        Connect withAuth = assertInstanceOf(Connect.class, parse("40{\"displayName\":\"Ann\"}"));
        assertArrayEquals("{\"displayName\":\"Ann\"}".getBytes(StandardCharsets.UTF_8), withAuth.auth());
        Connect admin = assertInstanceOf(Connect.class, parse("40/admin,{\"displayName\":\"Admin\"}"));
        assertEquals("/admin", admin.namespace());
        assertArrayEquals("{\"displayName\":\"Admin\"}".getBytes(StandardCharsets.UTF_8), admin.auth());
    }

    @Test
    void aNamespaceRunsToTheFirstCommaOrTheEnd() {
        assertEquals(
                "/admin", assertInstanceOf(Connect.class, parse("40/admin")).namespace());
        assertEquals("/", assertInstanceOf(Connect.class, parse("40/,{}")).namespace());
        assertEquals("/ü", assertInstanceOf(Connect.class, parse("40/ü,")).namespace());
        Event elsewhere = event("42/admin,1[\"join-room\",{\"roomCode\":\"abc\"}]");
        assertEquals("/admin", elsewhere.namespace());
        assertEquals(1L, elsewhere.ackId());
        assertEquals("join-room", elsewhere.name());
    }

    @Test
    void authThatIsNotJsonIsPassedOnRawForTheHandshakeToRefuse() {
        Connect connect = assertInstanceOf(Connect.class, parse("40{not json"));
        assertArrayEquals("{not json".getBytes(StandardCharsets.US_ASCII), connect.auth());
    }

    @Test
    void aDisconnectIsADisconnectWhateverItNames() {
        assertInstanceOf(Disconnect.class, parse("41"));
        assertInstanceOf(Disconnect.class, parse("41/admin,"));
    }

    // ---- the rest ---------------------------------------------------------------------------------

    @Test
    void binaryPacketsAreRecognisedForRefusal() {
        assertInstanceOf(Binary.class, parse("451-[\"offer\",{\"_placeholder\":true,\"num\":0}]"));
        assertInstanceOf(Binary.class, parse("46"));
    }

    @Test
    void aBinaryPacketsAckIdComesAfterItsAttachmentCount() {
        assertEquals(
                null,
                assertInstanceOf(Binary.class, parse("451-[\"offer\",{\"_placeholder\":true,\"num\":0}]"))
                        .ackId());
        assertEquals(
                7L, assertInstanceOf(Binary.class, parse("452-7[\"offer\",{}]")).ackId());
        assertEquals(
                12L, assertInstanceOf(Binary.class, parse("461-/admin,12[{}]")).ackId());
    }

    @Test
    void acknowledgementsErrorsAndUnknownTypesAreIgnored() {
        assertEquals('3', assertInstanceOf(Ignored.class, parse("431[{}]")).type());
        assertEquals(
                '4',
                assertInstanceOf(Ignored.class, parse("44{\"message\":\"x\"}")).type());
        assertEquals(
                '9',
                assertInstanceOf(Ignored.class, parse("49[\"chat-message\",{}]"))
                        .type());
        assertEquals((char) 0, assertInstanceOf(Ignored.class, parse("4")).type());
    }

    @Test
    void onlyTheEventTypeIsAnEvent() {
        ByteBuf content = Unpooled.copiedBuffer("2[\"x\"]0{}", StandardCharsets.US_ASCII);
        try {
            assertTrue(SocketIoPacketParser.isEvent(content, 0, 6));
            assertFalse(SocketIoPacketParser.isEvent(content, 6, 3));
            assertFalse(SocketIoPacketParser.isEvent(content, 0, 0));
        } finally {
            content.release();
        }
    }
}
