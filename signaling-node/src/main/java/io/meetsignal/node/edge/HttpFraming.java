package io.meetsignal.node.edge;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.List;

/**
 * Between the HTTP decoder and the aggregator (PROTOCOL.md §7): a request that is not exactly one HTTP/1.1
 * request — the decoder failed on it, it carries both {@code Content-Length} and {@code Transfer-Encoding}, a
 * transfer coding other than {@code chunked}, or several lengths — and a REST body over
 * {@link RestApi#MAX_BODY_BYTES} (declared or, chunked, counted) are marked failed with a {@link Refused} cause,
 * so that the aggregator hands on a failed request that {@link HttpOrder} answers in its turn and never executes.
 * Everything the connection sends after such a request is dropped (the connection is closed after the answer).
 * Socket.IO polling bodies keep the aggregator's own, larger limit.
 */
final class HttpFraming extends ChannelInboundHandlerAdapter {

    /** Why a request is not executed, and the status it is answered with. */
    static final class Refused extends RuntimeException {
        final String reason;
        final HttpResponseStatus status;

        Refused(String reason, HttpResponseStatus status, String message) {
            super(message, null, false, false);
            this.reason = reason;
            this.status = status;
        }
    }

    private final String restPrefix;
    private final int maxRestBody;
    /** Inside a REST request's body: bytes so far, or -1 when not counting. */
    private long restBody = -1;
    /** A request was refused: nothing more of this connection is passed on. */
    private boolean dropping;

    HttpFraming(String restPrefix, int maxRestBody) {
        this.restPrefix = restPrefix;
        this.maxRestBody = maxRestBody;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (dropping) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpRequest request) {
            Refused refused = check(request);
            if (refused != null) {
                dropping = true;
                request.setDecoderResult(DecoderResult.failure(refused));
                // not executed, so its framing no longer matters: the aggregator must not refuse it by length first
                request.headers().remove(HttpHeaderNames.CONTENT_LENGTH).remove(HttpHeaderNames.TRANSFER_ENCODING);
                ctx.fireChannelRead(msg);
                return;
            }
            restBody = request.uri().startsWith(restPrefix) ? 0 : -1;
        }
        if (msg instanceof HttpContent content && restBody >= 0) {
            restBody += content.content().readableBytes();
            if (restBody > maxRestBody) {
                dropping = true;
                content.release();
                LastHttpContent failed = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER);
                failed.setDecoderResult(DecoderResult.failure(tooLarge()));
                ctx.fireChannelRead(failed);
                return;
            }
        }
        if (msg instanceof LastHttpContent) {
            restBody = -1;
        }
        ctx.fireChannelRead(msg);
    }

    private Refused check(HttpRequest request) {
        HttpHeaders headers = request.headers();
        List<String> lengths = headers.getAll(HttpHeaderNames.CONTENT_LENGTH);
        List<String> codings = headers.getAll(HttpHeaderNames.TRANSFER_ENCODING);
        if (!lengths.isEmpty() && !codings.isEmpty()) {
            return malformed("length_and_chunked");
        }
        if (!codings.isEmpty()
                && (codings.size() != 1
                        || !"chunked".equalsIgnoreCase(codings.get(0).strip()))) {
            return malformed("transfer_encoding");
        }
        long length = -1;
        if (!lengths.isEmpty()) {
            if (lengths.size() != 1 || !lengths.get(0).strip().matches("[0-9]{1,18}")) {
                return malformed("content_length");
            }
            length = Long.parseLong(lengths.get(0).strip());
        }
        if (request.decoderResult().isFailure()) {
            return malformed("decoder");
        }
        if (request.uri().startsWith(restPrefix) && length > maxRestBody) {
            return tooLarge();
        }
        return null;
    }

    private static Refused malformed(String reason) {
        return new Refused(reason, HttpResponseStatus.BAD_REQUEST, "Malformed HTTP request");
    }

    private Refused tooLarge() {
        return new Refused(
                "body_too_large",
                HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                "Body larger than " + maxRestBody + " bytes");
    }
}
