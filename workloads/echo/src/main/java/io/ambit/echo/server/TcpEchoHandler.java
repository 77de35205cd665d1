package io.ambit.echo.server;

import io.ambit.echo.Addresses;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;

/**
 * Writes back every byte it reads, unchanged. The connection runs with {@code AUTO_READ} off and
 * reads the next chunk only once the last one is written, so a client that does not read stalls
 * the echo instead of filling the server's memory. On the client's FIN the echo finishes, then
 * the server sends its own FIN.
 */
final class TcpEchoHandler extends ChannelInboundHandlerAdapter {

    private final String protocol;
    private final AccessLog accessLog;
    private long bytes;

    TcpEchoHandler(String protocol, AccessLog accessLog) {
        this.protocol = protocol;
        this.accessLog = accessLog;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.read();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf buf) {
            bytes += buf.readableBytes();
        }
        ctx.writeAndFlush(msg).addListener((ChannelFutureListener) written -> {
            if (written.isSuccess()) {
                ctx.read();
            } else {
                ctx.close();
            }
        });
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            // everything read has been written (reads wait for writes): flush, then half-close
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) flushed ->
                    ((DuplexChannel) ctx.channel()).shutdownOutput().addListener(ChannelFutureListener.CLOSE));
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        accessLog.record(protocol + " " + Addresses.format(ctx.channel().remoteAddress()) + " closed, echoed " + bytes + " bytes");
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
