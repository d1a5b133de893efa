package io.meetsignal.node.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meetsignal.node.protocol.Json;

/** Successful acknowledgement bodies: {@code { success: true, ... }}. */
public final class Acks {

    private Acks() {
    }

    public static ObjectNode ok() {
        return Json.MAPPER.createObjectNode().put("success", true);
    }

    /** {@code { success: true }} followed by the fields of {@code data}. */
    public static ObjectNode ok(Object data) {
        ObjectNode ack = ok();
        JsonNode fields = Json.tree(data);
        if (fields instanceof ObjectNode object) {
            ack.setAll(object);
        }
        return ack;
    }
}
