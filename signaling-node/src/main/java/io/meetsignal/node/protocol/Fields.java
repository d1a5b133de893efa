package io.meetsignal.node.protocol;

import com.fasterxml.jackson.databind.JsonNode;

/** Reads typed fields from an event payload; every mismatch is {@code INVALID_PAYLOAD}. */
public final class Fields {

    private final JsonNode node;

    private Fields(JsonNode node) {
        this.node = node;
    }

    public static Fields of(JsonNode payload) {
        if (payload == null || !payload.isObject()) {
            throw Refusals.invalid("payload: expected an object");
        }
        return new Fields(payload);
    }

    public String string(String name) {
        JsonNode value = node.get(name);
        if (value == null || value.isNull()) {
            throw Refusals.invalid(name + ": required");
        }
        if (!value.isTextual()) {
            throw Refusals.invalid(name + ": expected a string");
        }
        return value.textValue();
    }

    /** A string field that may be absent (or null); present with another type is refused. */
    public String optionalString(String name) {
        JsonNode value = node.get(name);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw Refusals.invalid(name + ": expected a string");
        }
        return value.textValue();
    }

    public boolean bool(String name) {
        JsonNode value = node.get(name);
        if (value == null || !value.isBoolean()) {
            throw Refusals.invalid(name + ": expected a boolean");
        }
        return value.booleanValue();
    }

    public JsonNode object(String name) {
        JsonNode value = node.get(name);
        if (value == null || !value.isObject()) {
            throw Refusals.invalid(name + ": expected an object");
        }
        return value;
    }

    /** The first present string field among {@code names}. */
    public String firstString(String... names) {
        for (String name : names) {
            String value = optionalString(name);
            if (value != null) {
                return value;
            }
        }
        throw Refusals.invalid(names[0] + ": required");
    }
}
