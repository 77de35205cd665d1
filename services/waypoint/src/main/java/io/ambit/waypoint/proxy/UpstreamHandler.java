package io.ambit.waypoint.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.ReferenceCountUtil;

/**
 * The HTTP/1.1 client side of one attempt, on its upstream tunnel: passes the response to the
 * {@link Exchange} on the exchange's loop. Reads are driven by the exchange (backpressure).
 *
 * <p>When the upstream and the exchange share a loop (the usual case: a new upstream connection is
 * opened on the exchange's loop, and an idle one on it is preferred), each event is handed over at
 * once rather than queued as a task: no task queued or run per response head, chunk and
 * close (issue 14). Either every event of this handler runs inline or every one is queued, since the
 * two channels' loops never change, so the exchange still sees them in the order they came.
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
            if (msg instanceof io.netty.handler.codec.http.FullHttpResponse full) {
                // HTTP/2 HEADERS with END_STREAM: the head, then an end of body (with the trailers)
                var last = new io.netty.handler.codec.http.DefaultLastHttpContent(full.content(), full.trailingHeaders());
                onExchangeLoop(() -> {
                    exchange.onResponseHead(attempt, response);
                    exchange.onResponseContent(attempt, last);
                });
            } else {
                onExchangeLoop(() -> exchange.onResponseHead(attempt, response));
            }
            return;
        }
        if (msg instanceof HttpContent content) {
            onExchangeLoop(() -> exchange.onResponseContent(attempt, content));
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
        onExchangeLoop(() -> exchange.onUpstreamClosed(attempt));
        super.channelInactive(ctx);
    }

    /** Runs {@code event} on the exchange's loop: now when this channel is on it, else queued there. */
    private void onExchangeLoop(Runnable event) {
        if (exchange.loop().inEventLoop()) {
            event.run();
        } else {
            exchange.loop().execute(event);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
