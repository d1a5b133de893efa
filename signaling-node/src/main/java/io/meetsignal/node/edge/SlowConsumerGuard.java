package io.meetsignal.node.edge;

import io.meetsignal.node.ops.Metrics;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds what the node holds for one connection that does not read (PROTOCOL.md §7). The channel turns unwritable
 * once {@link #BOUND_BYTES} wait in its outbound buffer; a connection that stays so for {@link #GRACE_MILLIS} is
 * closed, and one that gets {@link #HARD_LIMIT_FACTOR} times the bound queued is closed at once. For a Socket.IO
 * client that is a lost transport (§9): its seat waits for recovery like after any network drop.
 */
final class SlowConsumerGuard extends ChannelDuplexHandler {

    private static final Logger log = LoggerFactory.getLogger(SlowConsumerGuard.class);

    /** What may wait unread for one connection before it counts as a slow consumer. */
    static final int BOUND_BYTES = 1 << 20;
    /** How long a connection may stay over the bound. */
    static final long GRACE_MILLIS = 5_000;
    /** Over this many times the bound the connection is closed without grace. */
    static final int HARD_LIMIT_FACTOR = 4;

    private final Metrics metrics;
    private ScheduledFuture<?> check;
    private boolean closing;

    SlowConsumerGuard(Metrics metrics) {
        this.metrics = metrics;
    }

    /** Sets the channel's water marks so that it turns unwritable at the bound. */
    static void bound(Channel channel) {
        channel.config().setWriteBufferWaterMark(new WriteBufferWaterMark(BOUND_BYTES / 2, BOUND_BYTES));
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        Channel channel = ctx.channel();
        if (!channel.isWritable() && check == null) {
            check = ctx.executor()
                    .schedule(
                            () -> {
                                check = null;
                                if (!channel.isWritable()) {
                                    close(
                                            ctx,
                                            "stayed over " + BOUND_BYTES + " unread bytes for " + GRACE_MILLIS + " ms");
                                }
                            },
                            GRACE_MILLIS,
                            TimeUnit.MILLISECONDS);
        } else if (channel.isWritable() && check != null) {
            check.cancel(false);
            check = null;
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (closing) {
            ReferenceCountUtil.release(msg);
            promise.setFailure(new IllegalStateException("slow consumer closed"));
            return;
        }
        ChannelOutboundBuffer buffer = ctx.channel().unsafe().outboundBuffer();
        if (buffer != null && buffer.totalPendingWriteBytes() > (long) HARD_LIMIT_FACTOR * BOUND_BYTES) {
            ReferenceCountUtil.release(msg);
            promise.setFailure(new IllegalStateException("slow consumer closed"));
            close(ctx, "has over " + HARD_LIMIT_FACTOR * BOUND_BYTES + " unread bytes queued");
            return;
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (check != null) {
            check.cancel(false);
            check = null;
        }
        ctx.fireChannelInactive();
    }

    private void close(ChannelHandlerContext ctx, String why) {
        if (closing) {
            return;
        }
        closing = true;
        metrics.slowConsumerClosed();
        log.info("Closed connection {}: it {}", ctx.channel().remoteAddress(), why);
        ctx.channel().close();
    }
}
