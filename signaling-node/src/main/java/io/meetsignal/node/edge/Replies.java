package io.meetsignal.node.edge;

import io.meetsignal.cluster.ChatMessage;
import io.meetsignal.cluster.StoreUnavailableException;
import io.meetsignal.node.ops.Metrics;
import io.meetsignal.node.protocol.ErrorCode;
import io.meetsignal.node.protocol.Json;
import io.meetsignal.node.protocol.ProtocolException;
import io.meetsignal.node.protocol.ServerEvent.ErrorEvent;
import io.meetsignal.node.protocol.ServerEvent.JoinError;
import io.meetsignal.node.service.Outcome;
import io.meetsignal.node.session.Session;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where an outcome becomes an answer: an acknowledgement, an {@code error} event, or a
 * {@code join-error}; unexpected failures are logged once with a correlation id that the client also gets. The
 * services report an {@link Outcome}; only here is one written as JSON.
 */
final class Replies {

    private static final Logger log = LoggerFactory.getLogger(Replies.class);

    /** A failure as the protocol names it. */
    record Refusal(ErrorCode code, String message) {}

    private static final String OK = "{\"success\":true}";
    private static final String QUEUED = "{\"success\":true,\"waiting\":true}";

    /** The acknowledgement of a refused action: {@code { success: false, error, code }}. */
    private record RefusedAck(boolean success, String error, ErrorCode code) {}

    /** The acknowledgement of a posted chat message: {@code { success: true, message }}. */
    private record PostedAck(boolean success, ChatMessage message) {}

    private final Metrics metrics;

    Replies(Metrics metrics) {
        this.metrics = metrics;
    }

    void answer(Session session, String event, Long ackId, Outcome result, Throwable failure) {
        if (failure == null) {
            if (ackId != null) {
                session.ack(ackId, ack(result));
            }
            if (result instanceof Outcome.DoneThen then) {
                then.after().run();
            }
            return;
        }
        refuse(session, event, ackId, refusal(failure, session, event));
    }

    void refuse(Session session, String event, Long ackId, Refusal refusal) {
        metrics.error(refusal.code());
        if (refusal.code() == ErrorCode.JOIN_FAILED) {
            session.send(new JoinError(refusal.code(), refusal.message()));
        } else if (ackId == null && session.mayReportError(System.nanoTime())) {
            // without an ack callback at most one error event a second (PROTOCOL.md §7); the rest are dropped
            session.send(new ErrorEvent(refusal.code(), refusal.message()));
        }
        if (ackId != null) {
            session.ack(ackId, refusedAck(refusal));
        }
    }

    /** The acknowledgement of a successful event: {@code { success: true, ... }}. */
    static String ack(Outcome outcome) {
        if (outcome instanceof Outcome.Seated seated) {
            return okWith(seated.json());
        }
        if (outcome instanceof Outcome.Queued) {
            return QUEUED;
        }
        if (outcome instanceof Outcome.Posted posted) {
            return Json.write(new PostedAck(true, posted.message()));
        }
        if (outcome instanceof Outcome.Done || outcome instanceof Outcome.DoneThen) {
            return OK;
        }
        throw new IllegalArgumentException("outcome: " + outcome);
    }

    /** The acknowledgement of a refused event: {@code { success: false, error, code }}. */
    static String refusedAck(Refusal refusal) {
        return Json.write(new RefusedAck(false, refusal.message(), refusal.code()));
    }

    /**
     * {@code { success: true }} followed by the fields of an object already serialized, so that a large body sent
     * twice (the join's ack and its {@code room-joined}) is written once.
     */
    static String okWith(String objectJson) {
        if (objectJson.length() < 2 || objectJson.charAt(0) != '{') {
            throw new IllegalArgumentException("not a JSON object: " + objectJson);
        }
        String fields = objectJson.substring(1).strip();
        return fields.equals("}") ? OK : OK.substring(0, OK.length() - 1) + "," + fields;
    }

    /** Maps any failure to its protocol code; logs what is not expected. */
    static Refusal refusal(Throwable failure, Object who, String what) {
        Throwable cause = unwrap(failure);
        if (cause instanceof ProtocolException pe) {
            return new Refusal(pe.code(), pe.getMessage());
        }
        if (cause instanceof StoreUnavailableException) {
            log.warn("Shared state unavailable during {} for {}: {}", what, who, cause.getMessage());
            return new Refusal(ErrorCode.UNAVAILABLE, "Service temporarily unavailable, try again");
        }
        String correlationId = UUID.randomUUID().toString();
        log.error("Internal error {} during {} for {}", correlationId, what, who, cause);
        return new Refusal(ErrorCode.INTERNAL, "Internal error (ref " + correlationId + ")");
    }

    static Throwable unwrap(Throwable failure) {
        return io.meetsignal.node.service.Stages.unwrap(failure);
    }
}
