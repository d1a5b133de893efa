package io.meetsignal.node.service;

/** An acknowledgement body and work that must happen only after the client was sent it. */
public record AckThen(Object ack, Runnable then) {
}
