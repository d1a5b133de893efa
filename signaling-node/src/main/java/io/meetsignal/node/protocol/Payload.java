package io.meetsignal.node.protocol;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** Small event payloads built from key/value pairs; {@code null} values are left out. */
public final class Payload {

    private Payload() {
    }

    public static ObjectNode of(Object... keysAndValues) {
        if (keysAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("keysAndValues: odd length " + keysAndValues.length);
        }
        ObjectNode node = Json.MAPPER.createObjectNode();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            Object value = keysAndValues[i + 1];
            if (value != null) {
                node.set((String) keysAndValues[i], Json.tree(value));
            }
        }
        return node;
    }
}
