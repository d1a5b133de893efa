package io.meetsignal.node.service;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import io.meetsignal.node.protocol.Json;

/** Successful acknowledgement bodies: {@code { success: true, ... }}. */
public final class Acks {

    private static final String OK_OPEN = "{\"success\":true";

    private Acks() {
    }

    public static ObjectNode ok() {
        return Json.MAPPER.createObjectNode().put("success", true);
    }

    /** {@code { success: true }} followed by the fields of {@code data}, which serializes to a JSON object. */
    public static RawValue ok(Object data) {
        return okWith(Json.write(data));
    }

    /**
     * {@code { success: true }} followed by the fields of an object already serialized, so that a large body
     * sent twice (the join's ack and its {@code room-joined}) is written once.
     */
    public static RawValue okWith(String objectJson) {
        if (objectJson.length() < 2 || objectJson.charAt(0) != '{') {
            throw new IllegalArgumentException("not a JSON object: " + objectJson);
        }
        String fields = objectJson.substring(1).strip();
        return new RawValue(fields.equals("}") ? OK_OPEN + "}" : OK_OPEN + "," + fields);
    }
}
