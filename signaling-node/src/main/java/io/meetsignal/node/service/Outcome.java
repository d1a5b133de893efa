package io.meetsignal.node.service;

import static java.util.Objects.requireNonNull;

import io.meetsignal.cluster.ChatMessage;
import io.meetsignal.node.protocol.Json;
import io.meetsignal.node.protocol.ServerEvent.RoomJoined;

/**
 * What a client event achieved, as a service reports it; the edge ({@code Replies}) alone turns it into an
 * acknowledgement ({@code { success: true, ... }}, PROTOCOL.md §5). A refusal is a failed stage, never an outcome.
 */
public sealed interface Outcome {

    /** Done, nothing to report: {@code { success: true }}. */
    Done DONE = new Done();

    static Outcome done() {
        return DONE;
    }

    record Done() implements Outcome {}

    /**
     * Seated in a room: the ack carries the {@code room-joined} body, which the socket was also sent as the event;
     * {@code json} is that body written once, for both.
     */
    record Seated(RoomJoined joined, String json) implements Outcome {
        public Seated {
            requireNonNull(joined, "joined");
            requireNonNull(json, "json");
        }

        public static Seated of(RoomJoined joined) {
            return new Seated(joined, Json.write(joined));
        }
    }

    /** Queued in the waiting room of {@code roomId}: {@code { success: true, waiting: true }}. */
    record Queued(String roomId) implements Outcome {
        public Queued {
            requireNonNull(roomId, "roomId");
        }
    }

    /** A chat message was posted: {@code { success: true, message }}. */
    record Posted(ChatMessage message) implements Outcome {
        public Posted {
            requireNonNull(message, "message");
        }
    }

    /** Done; {@code after} runs once the acknowledgement was sent (as {@link Done}). */
    record DoneThen(Runnable after) implements Outcome {
        public DoneThen {
            requireNonNull(after, "after");
        }
    }
}
