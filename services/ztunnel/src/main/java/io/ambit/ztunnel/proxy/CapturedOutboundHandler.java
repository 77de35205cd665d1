package io.ambit.ztunnel.proxy;

import java.net.InetSocketAddress;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * A connection the pod's redirect rules sent to 15001: its real destination comes from
 * {@code SO_ORIGINAL_DST}; then it goes {@link Outbound}. Behind an {@code InboundHold}, with
 * auto-read off, so nothing the application sends early is lost or read before the relay.
 */
final class CapturedOutboundHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(CapturedOutboundHandler.class);

    private final Outbound outbound;
    private final PodSockets sockets;

    CapturedOutboundHandler(Outbound outbound, PodSockets sockets) {
        this.outbound = outbound;
        this.sockets = sockets;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.pipeline().remove(this);
        InetSocketAddress destination;
        try {
            destination = sockets.originalDestination(ctx.channel());
        } catch (PodSockets.CaptureException e) {
            log.warn("closing captured connection {}: {}", ctx.channel(), e.getMessage());
            Outbound.reset(ctx.channel());
            return;
        }
        outbound.forward(ctx.channel(), destination, Outbound.Progress.captured(ctx.channel()));
    }
}
