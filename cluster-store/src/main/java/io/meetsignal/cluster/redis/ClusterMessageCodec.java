package io.meetsignal.cluster.redis;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.meetsignal.cluster.ClusterMessage;

/**
 * {@link ClusterMessage}s as text (the offset is not part of it: the bus carries it beside). A message with a
 * payload is a <em>header</em> and the payload as it is:
 *
 * <pre>R{"type":"room","roomId":…,"event":"offer","payload":""}\n{"senderId":…,"sdp":…}</pre>
 *
 * <p>The header is the record's fields as JSON plus {@code "type": "room" | "seat" | "socket"}, with an empty
 * payload; it holds no line feed (JSON escapes those in strings), so the payload starts after the first one. The
 * payload is neither escaped on the way out nor unescaped on the way in: a 3 KB SDP costs a copy, not a JSON
 * string. A message without a payload (a socket event that only carries an action) is the JSON alone.
 *
 * <p>{@link #decode} also reads the format of earlier versions, where the whole message is one JSON object and the
 * payload a JSON string in it, so that nodes of this version read what older ones publish (and what they logged)
 * during a rolling upgrade; and it writes that format when asked to ({@link RedisConfig#BUS_FORMAT_JSON}), so that
 * older nodes read what this one publishes while both run. Unknown fields are ignored.
 */
final class ClusterMessageCodec {

    /** Starts the text of a message with a header line; JSON (the earlier format) starts with a brace. */
    static final char HEADER_MARK = 'R';

    @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
    @JsonSubTypes({
        @JsonSubTypes.Type(value = ClusterMessage.RoomEvent.class, name = "room"),
        @JsonSubTypes.Type(value = ClusterMessage.SeatEvent.class, name = "seat"),
        @JsonSubTypes.Type(value = ClusterMessage.SocketEvent.class, name = "socket")
    })
    private interface Typed {}

    private final ObjectWriter writer;
    private final ObjectReader reader;
    private final boolean headerFormat;

    ClusterMessageCodec() {
        this(RedisConfig.BUS_FORMAT_HEADER);
    }

    /** A codec that writes {@code format} ({@link RedisConfig#BUS_FORMAT_JSON} or {@code _HEADER}). */
    ClusterMessageCodec(int format) {
        this.headerFormat = format == RedisConfig.BUS_FORMAT_HEADER;
        var mapper = RedisJson.MAPPER.copy().addMixIn(ClusterMessage.class, Typed.class);
        this.writer = mapper.writerFor(ClusterMessage.class);
        this.reader = mapper.readerFor(ClusterMessage.class);
    }

    String encode(ClusterMessage message) {
        String payload = payload(message);
        try {
            if (payload == null || !headerFormat) {
                return writer.writeValueAsString(message);
            }
            String header = writer.writeValueAsString(withPayload(message, ""));
            return new StringBuilder(header.length() + payload.length() + 2)
                    .append(HEADER_MARK)
                    .append(header)
                    .append('\n')
                    .append(payload)
                    .toString();
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    "cannot encode " + message.getClass().getSimpleName(), e);
        }
    }

    /** The message in {@code text}; fails with {@link JsonProcessingException} when it is not one. */
    ClusterMessage decode(String text) throws JsonProcessingException {
        if (text.isEmpty() || text.charAt(0) != HEADER_MARK) {
            return reader.readValue(text); // without a payload, or from a node of an earlier version
        }
        int end = text.indexOf('\n');
        if (end < 0) {
            throw new JsonParseException(null, "header without payload");
        }
        ClusterMessage header = reader.readValue(text.substring(1, end));
        return withPayload(header, text.substring(end + 1));
    }

    private static String payload(ClusterMessage message) {
        if (message instanceof ClusterMessage.RoomEvent event) {
            return event.payload();
        }
        if (message instanceof ClusterMessage.SeatEvent event) {
            return event.payload();
        }
        return ((ClusterMessage.SocketEvent) message).payload();
    }

    private static ClusterMessage withPayload(ClusterMessage message, String payload) {
        if (message instanceof ClusterMessage.RoomEvent e) {
            return new ClusterMessage.RoomEvent(
                    e.roomId(), e.exceptSocketId(), e.event(), payload, e.roster(), e.offset());
        }
        if (message instanceof ClusterMessage.SeatEvent e) {
            return new ClusterMessage.SeatEvent(e.roomId(), e.socketId(), e.event(), payload, e.action(), e.offset());
        }
        var e = (ClusterMessage.SocketEvent) message;
        return new ClusterMessage.SocketEvent(e.nodeId(), e.socketId(), e.roomId(), e.event(), payload, e.action());
    }
}
