package io.ambit.hbone;

import java.util.concurrent.CompletableFuture;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;

/**
 * Waits for the answer to one CONNECT: 200 completes the tunnel (and this handler steps aside),
 * any other final status fails it with {@link TunnelRefusedException}, a reset or a closed stream
 * with {@link HboneConnectionException}.
 */
final class ConnectResponseHandler extends ChannelInboundHandlerAdapter {

    private final String authority;
    private final HboneConnection connection;
    private final CompletableFuture<HboneTunnel> result;

    ConnectResponseHandler(String authority, HboneConnection connection, CompletableFuture<HboneTunnel> result) {
        this.authority = authority;
        this.connection = connection;
        this.result = result;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Http2HeadersFrame response)) {
            // DATA before a response is a broken server; a tunnel must not start with it.
            ReferenceCountUtil.release(msg);
            fail(ctx, new HboneConnectionException("HBONE server sent data before answering CONNECT " + authority, null));
            return;
        }
        int status = parseStatus(response.headers().status());
        if (status >= 100 && status < 200) {
            ctx.read(); // informational; the final answer follows
            return;
        }
        if (status == 200 && !response.isEndStream()) {
            ctx.pipeline().remove(this);
            result.complete(new HboneTunnel((Http2StreamChannel) ctx.channel(), connection));
            return;
        }
        fail(ctx, new TunnelRefusedException(authority, status));
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof Http2ResetFrame reset) {
            fail(ctx, new HboneConnectionException("HBONE server reset the CONNECT " + authority
                    + " stream (" + reset.errorCode() + ")", null));
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        fail(ctx, new HboneConnectionException("HBONE stream for " + authority
                + " closed before the server answered", null));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(ctx, new HboneConnectionException("HBONE stream for " + authority + " failed", cause));
    }

    private void fail(ChannelHandlerContext ctx, HboneException error) {
        result.completeExceptionally(error);
        ctx.close();
    }

    private static int parseStatus(CharSequence status) {
        try {
            return status == null ? -1 : Integer.parseInt(status.toString());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
