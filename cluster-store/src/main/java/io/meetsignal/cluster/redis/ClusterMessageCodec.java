package io.meetsignal.cluster.redis;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.meetsignal.cluster.ClusterMessage;

/**
 * {@link ClusterMessage}s as JSON: the record's fields plus {@code "type": "room" | "seat" | "socket"}
 * (the offset is not part of the text: the bus carries it beside). Payloads travel as
 * JSON strings; unknown fields are ignored.
 */
final class ClusterMessageCodec {

    @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
    @JsonSubTypes({
        @JsonSubTypes.Type(value = ClusterMessage.RoomEvent.class, name = "room"),
        @JsonSubTypes.Type(value = ClusterMessage.SeatEvent.class, name = "seat"),
        @JsonSubTypes.Type(value = ClusterMessage.SocketEvent.class, name = "socket")
    })
    private interface Typed {
    }

    private final ObjectWriter writer;
    private final ObjectReader reader;

    ClusterMessageCodec() {
        var mapper = RedisJson.MAPPER.copy().addMixIn(ClusterMessage.class, Typed.class);
        this.writer = mapper.writerFor(ClusterMessage.class);
        this.reader = mapper.readerFor(ClusterMessage.class);
    }

    String encode(ClusterMessage message) {
        try {
            return writer.writeValueAsString(message);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot encode " + message.getClass().getSimpleName(), e);
        }
    }

    /** The message in {@code text}; fails with {@link JsonProcessingException} when it is not one. */
    ClusterMessage decode(String text) throws JsonProcessingException {
        return reader.readValue(text);
    }
}
