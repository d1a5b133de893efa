package io.meetsignal.node.edge;

import com.corundumstudio.socketio.protocol.JacksonJsonSupport;
import com.fasterxml.jackson.databind.util.RawValue;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * netty-socketio's JSON support, with a short way for what the node sends most: an event or acknowledgement whose
 * arguments are JSON text the node serialized once (a {@link RawValue}) and short plain strings (event name,
 * offset). Those are copied into the frame as UTF-8 directly instead of going through a JSON generator for every
 * socket that receives them; everything else is written by the library as before.
 */
final class RawJsonSupport extends JacksonJsonSupport {

    @Override
    public void writeValue(ByteBufOutputStream out, Object value) throws IOException {
        if (!(value instanceof List<?> list) || !writable(list)) {
            super.writeValue(out, value);
            return;
        }
        modifier.getSerializer().clear(); // no binary attachments in this frame
        ByteBuf buffer = out.buffer();
        buffer.writeByte('[');
        for (int i = 0; i < list.size(); i++) {
            if (i > 0) {
                buffer.writeByte(',');
            }
            Object item = list.get(i);
            if (item instanceof String text) {
                buffer.writeByte('"');
                buffer.writeCharSequence(text, StandardCharsets.US_ASCII);
                buffer.writeByte('"');
            } else {
                buffer.writeCharSequence((String) ((RawValue) item).rawValue(), StandardCharsets.UTF_8);
            }
        }
        buffer.writeByte(']');
    }

    /** Only raw JSON text and strings that need no escaping in JSON take the short way. */
    private static boolean writable(List<?> list) {
        for (Object item : list) {
            if (item instanceof String text) {
                if (!plain(text)) {
                    return false;
                }
            } else if (!(item instanceof RawValue raw) || !(raw.rawValue() instanceof String)) {
                return false;
            }
        }
        return true;
    }

    private static boolean plain(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
                return false;
            }
        }
        return true;
    }
}
