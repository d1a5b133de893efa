package io.meetsignal.node.edge;

import com.fasterxml.jackson.databind.JsonNode;
import io.meetsignal.node.protocol.Json;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;

/**
 * Reads one Socket.IO packet, {@code <type>[/<nsp>,][<ack id>][<json>]}, the Engine.IO message type {@code 4}
 * already taken off, into a {@link Packet}. Pure: no channel, no session, no limit other than the event size it is
 * given; the caller decides what each result means for the connection.
 *
 * <p>What it accepts is what the node has always accepted, since clients and the conformance suite pin it:
 * <ul>
 *   <li>a namespace runs from {@code /} to the first comma (or the end of the packet);</li>
 *   <li>an ack id is the run of at most {@value #MAX_ACK_DIGITS} ASCII digits that follows (so every id up to
 *       2<sup>53</sup>−1, the largest a JavaScript client makes, and leading zeros are read as a number); digits
 *       beyond that belong to the data, which then is not an array;</li>
 *   <li>an event's data is a JSON array whose first element, a string, is the event name; the second, if any,
 *       is its payload; further elements are ignored, as is anything after the array.</li>
 * </ul>
 */
final class SocketIoPacketParser {

    /** The most digits read as an ack id: every 18-digit number fits a {@code long}. */
    static final int MAX_ACK_DIGITS = 18;

    private SocketIoPacketParser() {}

    /** One Socket.IO packet as the node understands it. */
    sealed interface Packet {}

    /** CONNECT to {@code namespace}; {@code auth} is the raw JSON of the auth object, null when there is none. */
    record Connect(String namespace, byte[] auth) implements Packet {}

    /** DISCONNECT: the client leaves (whatever namespace it names). */
    record Disconnect() implements Packet {}

    /** EVENT {@code name} with its payload (null when the array has none); {@code ackId} null when none is asked. */
    record Event(String namespace, Long ackId, String name, JsonNode payload) implements Packet {}

    /** An EVENT larger than the limit the caller gave; its data was not read. */
    record TooLarge(Long ackId, int limit) implements Packet {}

    /** An EVENT whose data is not {@code ["<name>", …]}. */
    record Malformed(Long ackId, Flaw flaw) implements Packet {}

    /** BINARY_EVENT or BINARY_ACK: the protocol carries no binary payloads. */
    record Binary(Long ackId) implements Packet {}

    /**
     * Nothing to do: an empty packet ({@code type} 0), an acknowledgement from the client (the server asks for none),
     * or a type a client does not send.
     */
    record Ignored(char type) implements Packet {}

    /** What is wrong with a malformed event. */
    enum Flaw {
        /** The data is not JSON. */
        NOT_JSON,
        /** The data is JSON but not an array (or absent). */
        NOT_AN_ARRAY,
        /** The array is empty or does not start with a string. */
        NO_NAME
    }

    /** Whether the packet is an EVENT, from its type alone. */
    static boolean isEvent(ByteBuf content, int offset, int length) {
        return length > 0 && content.getByte(offset) == '2';
    }

    /**
     * Reads the packet at {@code offset} of {@code content}. An event longer than {@code maxEventBytes} (counting
     * the whole Socket.IO packet) is {@link TooLarge}, its data left unread.
     */
    static Packet parse(ByteBuf content, int offset, int length, int maxEventBytes) {
        if (length <= 0) {
            return new Ignored((char) 0);
        }
        Header header = header(content, offset, length);
        int end = offset + length;
        return switch (header.type) {
            case '0' ->
                new Connect(
                        header.namespace,
                        header.data < end ? ByteBufUtil.getBytes(content, header.data, end - header.data) : null);
            case '1' -> new Disconnect();
            case '2' ->
                length > maxEventBytes
                        ? new TooLarge(header.ackId, maxEventBytes)
                        : event(header, ByteBufUtil.getBytes(content, header.data, end - header.data));
            case '5', '6' -> new Binary(header.ackId);
            default -> new Ignored(header.type);
        };
    }

    /** The ack id of the packet, without reading its data (for an event refused before it is parsed). */
    static Long ackId(ByteBuf content, int offset, int length) {
        return length <= 0 ? null : header(content, offset, length).ackId;
    }

    private record Header(char type, String namespace, Long ackId, int data) {}

    private static Header header(ByteBuf content, int offset, int length) {
        int end = offset + length;
        char type = (char) content.getByte(offset);
        int i = offset + 1;
        if (type == '5' || type == '6') {
            // binary: the attachment count and a dash come first ("451-[...]", "461-/admin,7[...]")
            int dash = content.indexOf(i, end, (byte) '-');
            if (dash >= 0) {
                i = dash + 1;
            }
        }
        String namespace = "/";
        if (i < end && content.getByte(i) == '/') {
            int comma = content.indexOf(i, end, (byte) ',');
            int nspEnd = comma < 0 ? end : comma;
            namespace = content.toString(i, nspEnd - i, StandardCharsets.UTF_8);
            i = comma < 0 ? end : comma + 1;
        }
        Long ackId = null;
        int digits = i;
        while (i < end && i - digits < MAX_ACK_DIGITS && isAsciiDigit(content.getByte(i))) {
            i++;
        }
        if (i > digits) {
            ackId = Long.parseLong(content.toString(digits, i - digits, StandardCharsets.US_ASCII));
        }
        return new Header(type, namespace, ackId, i);
    }

    private static Packet event(Header header, byte[] data) {
        JsonNode array;
        try {
            array = Json.MAPPER.readTree(data);
        } catch (Exception e) {
            return new Malformed(header.ackId, Flaw.NOT_JSON);
        }
        if (array == null || !array.isArray()) {
            return new Malformed(header.ackId, Flaw.NOT_AN_ARRAY);
        }
        if (array.isEmpty() || !array.get(0).isTextual()) {
            return new Malformed(header.ackId, Flaw.NO_NAME);
        }
        return new Event(
                header.namespace, header.ackId, array.get(0).textValue(), array.size() > 1 ? array.get(1) : null);
    }

    private static boolean isAsciiDigit(byte b) {
        return b >= '0' && b <= '9';
    }
}
