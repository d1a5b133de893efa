package io.meetsignal.loadtest.sio;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;

/**
 * Engine.IO 4 / Socket.IO 5 text frames as they travel over a websocket: one packet per frame, the
 * Engine.IO type digit first ({@code 0} open, {@code 2} ping, {@code 3} pong, {@code 4} message), then,
 * for messages, the Socket.IO type digit ({@code 0} connect, {@code 1} disconnect, {@code 2} event,
 * {@code 3} ack, {@code 4} connect error), an optional ack id and the JSON payload.
 */
public final class Frames {

    /** Engine.IO pong. The answer to the server's ping ({@code 2}); harmless when sent unasked. */
    public static final String PONG = "3";

    static final ObjectMapper JSON = new ObjectMapper();

    private Frames() {}

    /** {@code 40{auth}}: the Socket.IO CONNECT to the default namespace with the handshake's auth. */
    public static String connect(Object auth) {
        return "40" + json(auth);
    }

    /** {@code 42["name",payload]}: an event without acknowledgement. */
    public static String event(String name, Object payload) {
        return "42" + json(List.of(name, payload));
    }

    /** {@code 42<id>["name",payload]}: an event whose acknowledgement {@code 43<id>[...]} is awaited. */
    public static String event(long ackId, String name, Object payload) {
        return "42" + ackId + json(List.of(name, payload));
    }

    public static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot serialize " + value.getClass(), e);
        }
    }

    static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + abbreviate(json), e);
        }
    }

    /**
     * The event name of a {@code 42...} frame without parsing the payload, or null when the frame is
     * not an event. Event names never contain quotes.
     */
    static String eventName(String frame) {
        int i = 2;
        while (i < frame.length() && Character.isDigit(frame.charAt(i))) {
            i++;
        }
        if (i + 2 >= frame.length() || frame.charAt(i) != '[' || frame.charAt(i + 1) != '"') {
            return null;
        }
        int end = frame.indexOf('"', i + 2);
        return end < 0 ? null : frame.substring(i + 2, end);
    }

    /** The JSON payload of an event frame (the second element of its array), parsed. */
    static JsonNode eventPayload(String frame) {
        int start = frame.indexOf('[');
        JsonNode array = parse(frame.substring(start));
        return array.size() > 1 ? array.get(1) : JSON.nullNode();
    }

    /**
     * The string value of {@code "field":"..."} at the top of a small JSON text, without a parse. Used
     * for the sender of relayed signals, whose payload (an SDP) can be large. Values with escapes are
     * not supported (socket ids never have any).
     */
    static String quickString(String text, String field) {
        String key = "\"" + field + "\":\"";
        int at = text.indexOf(key);
        if (at < 0) {
            return null;
        }
        int start = at + key.length();
        int end = text.indexOf('"', start);
        return end < 0 ? null : text.substring(start, end);
    }

    static String abbreviate(String text) {
        return text.length() <= 200 ? text : text.substring(0, 200) + "…";
    }
}
