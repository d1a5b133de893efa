package io.meetsignal.node.session;

import com.fasterxml.jackson.databind.JsonNode;
import io.meetsignal.node.protocol.Json;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/** A client link that records what the node sent, for tests of the rules. */
public final class RecordingLink implements ClientLink {

    /** One event as the client would receive it. */
    public record Sent(String event, JsonNode payload, String offset) {}

    private final List<Sent> events = new CopyOnWriteArrayList<>();
    private final List<JsonNode> acks = new CopyOnWriteArrayList<>();
    private volatile boolean disconnected;
    private volatile boolean transportClosed;

    @Override
    public void sendEvent(String event, String payloadJson, String offset) {
        events.add(new Sent(event, parse(payloadJson), offset));
    }

    @Override
    public void sendAck(long ackId, String payloadJson) {
        acks.add(parse(payloadJson));
    }

    @Override
    public void disconnect() {
        disconnected = true;
    }

    @Override
    public void closeTransport() {
        transportClosed = true;
    }

    public boolean transportClosed() {
        return transportClosed;
    }

    private static JsonNode parse(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (Exception e) {
            throw new AssertionError("invalid JSON sent: " + json, e);
        }
    }

    public List<Sent> events() {
        return List.copyOf(events);
    }

    public List<JsonNode> payloads(String event) {
        return events.stream()
                .filter(s -> s.event().equals(event))
                .map(Sent::payload)
                .collect(Collectors.toList());
    }

    public List<String> names() {
        return events.stream().map(Sent::event).collect(Collectors.toList());
    }

    public boolean disconnected() {
        return disconnected;
    }

    public void clear() {
        events.clear();
        acks.clear();
    }
}
