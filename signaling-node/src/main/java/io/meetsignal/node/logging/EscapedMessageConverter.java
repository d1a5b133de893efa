package io.meetsignal.node.logging;

import ch.qos.logback.classic.pattern.MessageConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/** {@code %msg} with {@link LogText#escape}: the formatted message never spans or starts a line. */
public final class EscapedMessageConverter extends MessageConverter {

    @Override
    public String convert(ILoggingEvent event) {
        return LogText.escape(super.convert(event));
    }
}
