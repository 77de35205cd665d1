package io.ambit.echo.server;

import java.nio.charset.StandardCharsets;

import io.ambit.echo.Addresses;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Server-speaks-first: on accept, before reading anything, writes
 * {@code HELLO pod=<pod> peer=<ip:port>\n}, then leaves the connection to {@link TcpEchoHandler}.
 * This is the case a proxy that waits for the client's first bytes (protocol sniffing) breaks.
 */
final class ServerFirstBanner extends ChannelInboundHandlerAdapter {

    private final ServerIdentity identity;

    ServerFirstBanner(ServerIdentity identity) {
        this.identity = identity;
    }

    static String banner(String pod, String peer) {
        return "HELLO pod=" + pod + " peer=" + peer + "\n";
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        String line = banner(identity.pod(), Addresses.format(ctx.channel().remoteAddress()));
        ctx.writeAndFlush(Unpooled.copiedBuffer(line, StandardCharsets.UTF_8));
        ctx.pipeline().remove(this);
        ctx.fireChannelActive();
    }
}
