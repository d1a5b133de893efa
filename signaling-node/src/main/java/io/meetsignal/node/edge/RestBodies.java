package io.meetsignal.node.edge;

import com.fasterxml.jackson.databind.JsonNode;
import io.meetsignal.cluster.RoomSettings;
import io.meetsignal.cluster.SettingsPatch;
import io.meetsignal.node.protocol.Json;
import io.meetsignal.node.protocol.Refusals;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.FullHttpRequest;
import java.util.UUID;

/**
 * The REST request bodies and path values (PROTOCOL.md §4), parsed and checked: anything ill-typed or out of range
 * is refused with {@code INVALID_PAYLOAD}, never truncated or guessed.
 */
final class RestBodies {

    private static final int MAX_NAME_LENGTH = 100;

    private RestBodies() {}

    /** The room name of a create body: null when absent, 1-100 characters once stripped. */
    static String roomName(JsonNode body) {
        JsonNode name = body.get("name");
        if (name == null || name.isNull()) {
            return null;
        }
        if (!name.isTextual()
                || name.textValue().isBlank()
                || name.textValue().strip().length() > MAX_NAME_LENGTH) {
            throw Refusals.invalid("name: expected 1-" + MAX_NAME_LENGTH + " characters");
        }
        return name.textValue().strip();
    }

    /** The body as a JSON object; an empty body is an empty object. */
    static JsonNode object(FullHttpRequest request) {
        if (request.content().readableBytes() == 0) {
            return Json.MAPPER.createObjectNode();
        }
        JsonNode body;
        try {
            body = Json.MAPPER.readTree(ByteBufUtil.getBytes(request.content()));
        } catch (Exception e) {
            throw Refusals.invalid("Body is not valid JSON");
        }
        if (body == null || !body.isObject()) {
            throw Refusals.invalid("Body must be a JSON object");
        }
        return body;
    }

    static SettingsPatch settingsPatch(JsonNode body) {
        Integer max = null;
        JsonNode maxNode = body.get("maxParticipants");
        if (maxNode != null && !maxNode.isNull()) {
            // canConvertToInt first: asLong() of 2^64+10 is 10 (PROTOCOL.md §7: out of range in any encoding is 400)
            if (!maxNode.isIntegralNumber()
                    || !maxNode.canConvertToInt()
                    || maxNode.intValue() < RoomSettings.MIN_PARTICIPANTS
                    || maxNode.intValue() > RoomSettings.MAX_PARTICIPANTS) {
                throw Refusals.invalid("maxParticipants: expected an integer " + RoomSettings.MIN_PARTICIPANTS + "-"
                        + RoomSettings.MAX_PARTICIPANTS);
            }
            max = maxNode.intValue();
        }
        return new SettingsPatch(
                flag(body, "allowScreenShare"),
                flag(body, "allowChat"),
                flag(body, "allowParticipantAudio"),
                flag(body, "allowParticipantVideo"),
                flag(body, "waitingRoom"),
                max);
    }

    static Boolean flag(JsonNode body, String name) {
        JsonNode value = body.get(name);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isBoolean()) {
            throw Refusals.invalid(name + ": expected a boolean");
        }
        return value.booleanValue();
    }

    static void validate(RoomSettings current, SettingsPatch patch) {
        try {
            current.with(patch);
        } catch (IllegalArgumentException e) {
            throw Refusals.invalid(e.getMessage());
        }
    }

    static boolean isUuid(String text) {
        try {
            UUID.fromString(text);
            return text.length() == 36;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
