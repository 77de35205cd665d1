package io.ambit.waypoint.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.ReferenceCountUtil;

/**
 * The HTTP/1.1 client side of one attempt, on its upstream tunnel: passes the response to the
 * {@link Exchange} on the exchange's loop. Reads are driven by the exchange (backpressure).
 */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {

    private final Exchange exchange;
    private final int attempt;

    UpstreamHandler(Exchange exchange, int attempt) {
        this.exchange = exchange;
        this.attempt = attempt;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpResponse response) {
            if (response.decoderResult().isFailure()) {
                ReferenceCountUtil.release(msg);
                ctx.close(); // an answer we cannot parse is a reset
                return;
            }
            if (response.status().code() >= 100 && response.status().code() < 200) {
                // interim answers (100 Continue, 103 Early Hints): the waypoint answered 100 itself; the final one follows
                ReferenceCountUtil.release(msg);
                ctx.read();
                return;
            }
            exchange.loop().execute(() -> exchange.onResponseHead(attempt, response));
            if (msg instanceof io.netty.handler.codec.http.FullHttpResponse full) {
                // HTTP/2 HEADERS with END_STREAM: the head, then an end of body (with the trailers)
                var last = new io.netty.handler.codec.http.DefaultLastHttpContent(full.content(), full.trailingHeaders());
                exchange.loop().execute(() -> exchange.onResponseContent(attempt, last));
            }
            return;
        }
        if (msg instanceof HttpContent content) {
            exchange.loop().execute(() -> exchange.onResponseContent(attempt, content));
            return;
        }
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == TunnelFrames.PEER_ENDED) {
            ctx.close(); // the destination ended: a close-delimited body ends here, anything else was cut short
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        exchange.loop().execute(() -> exchange.onUpstreamClosed(attempt));
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
