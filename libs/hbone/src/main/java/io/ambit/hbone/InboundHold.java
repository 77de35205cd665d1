package io.ambit.hbone;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Queue;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.util.ReferenceCountUtil;

/**
 * Keeps what a TCP connection delivers before its {@link Relay} exists. Auto-read off is not
 * enough: when the peer's FIN arrives, Netty's epoll transport reads the socket to the end
 * whatever auto-read says (so that it sees the EOF), and a peer that sends its bytes and FIN at
 * once (a client that half-closes right away, a server-first upstream) would otherwise lose them
 * into a pipeline with no reader yet. Bounded by the socket's receive buffer, since only that
 * drain can bypass auto-read. Put it first in the pipeline of a connection that will be relayed;
 * {@link Relay#bind} replays what it kept and removes it.
 */
public final class InboundHold extends ChannelInboundHandlerAdapter {

    public static final String NAME = "hbone-inbound-hold";

    private static final Logger log = LoggerFactory.getLogger(InboundHold.class);

    private final Queue<Object> held = new ArrayDeque<>();
    private ChannelHandlerContext ctx;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        held.add(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent || evt instanceof ChannelInputShutdownReadComplete) {
            held.add(new HeldEvent(evt));
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // nothing downstream wants it before the relay exists
    }

    /**
     * Errors before the relay exists, when nothing behind the hold handles them yet. A connection
     * that breaks (a client that resets while its tunnel is being opened) is closed, quietly; the
     * relay, if one is still bound, finds it closed and ends. An upstream still connecting can see
     * a read fail (epoll may report it readable before the connect completes): its connect
     * promise reports the outcome, so that error is only logged. Anything else goes on.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!ctx.channel().isActive() && ctx.channel().isOpen()) {
            log.debug("{} failed while connecting: {}", ctx.channel(), cause.toString());
        } else if (cause instanceof IOException) {
            log.debug("closing {} before its relay started: {}", ctx.channel(), cause.toString());
            ctx.close();
        } else {
            ctx.fireExceptionCaught(cause);
        }
    }

    /**
     * Passes everything kept to the handlers behind this one, in order, then steps aside. Event
     * loop only. Replayed reads end with a read-complete, as Netty's own do: an HTTP/2 codec
     * behind this flushes its answers (a SETTINGS ack) and lets its streams flush only then.
     */
    void release() {
        ChannelHandlerContext context = ctx;
        context.pipeline().remove(this);
        boolean replayed = false;
        for (Object item; (item = held.poll()) != null;) {
            if (item instanceof HeldEvent(Object event)) {
                context.fireUserEventTriggered(event);
            } else {
                context.fireChannelRead(item);
                replayed = true;
            }
        }
        if (replayed) {
            context.fireChannelReadComplete();
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        // Removed without release (channel closed): drop what we held.
        if (ctx.channel().isActive()) {
            return;
        }
        for (Object item; (item = held.poll()) != null;) {
            ReferenceCountUtil.release(item);
        }
    }

    private record HeldEvent(Object event) {
    }
}
