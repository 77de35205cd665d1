package io.ambit.waypoint.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.util.ReferenceCountUtil;

/**
 * Turns an HBONE stream into a byte stream for the HTTP/1.1 codecs above it: DATA frames in are
 * their bytes, bytes out are DATA frames; the peer's END_STREAM (its half-close) is passed up as
 * {@link #PEER_ENDED}; a reset closes the stream. Reads stay manual: whoever sits above decides
 * when to read, which is the backpressure.
 */
final class TunnelFrames extends ChannelDuplexHandler {

    /** Bytes received so far: tells an idle tunnel from one whose request is arriving slowly. */
    private long bytesIn;

    long bytesIn() {
        return bytesIn;
    }

    /** The peer ended its side of the tunnel (END_STREAM): like a TCP FIN. */
    static final Object PEER_ENDED = new Object() {
        @Override
        public String toString() {
            return "PEER_ENDED";
        }
    };

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Http2DataFrame data) {
            boolean end = data.isEndStream();
            if (data.content().isReadable()) {
                bytesIn += data.content().readableBytes();
                ctx.fireChannelRead(data.content().retain());
            } else if (!end) {
                ctx.read(); // an empty frame carries nothing: keep reading
            }
            data.release();
            if (end) {
                ctx.fireUserEventTriggered(PEER_ENDED);
            }
            return;
        }
        if (msg instanceof Http2HeadersFrame headers && headers.isEndStream()) {
            ctx.fireUserEventTriggered(PEER_ENDED); // trailers on a CONNECT stream carry nothing for us
            return;
        }
        ReferenceCountUtil.release(msg);
        ctx.read();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof Http2ResetFrame) {
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf buf) {
            if (!buf.isReadable()) {
                // an HTTP/1.1 codec's empty buffer (the end of a body framed by length): no empty DATA frame for it
                buf.release();
                promise.trySuccess();
                return;
            }
            ctx.write(new DefaultHttp2DataFrame(buf, false), promise);
        } else {
            ctx.write(msg, promise);
        }
    }

    /** Ends our side (END_STREAM) once everything written before has gone, then closes the stream. */
    static void endAndClose(Channel stream) {
        if (!stream.isActive()) {
            return;
        }
        stream.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.EMPTY_BUFFER, true)).addListener(ChannelFutureListener.CLOSE);
    }
}
