package io.ambit.waypoint.proxy;

import java.nio.charset.StandardCharsets;

import io.ambit.hbone.ConnectRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.ReferenceCountUtil;

/**
 * Tells HTTP/2 with prior knowledge (h2c: the client preface {@code PRI * HTTP/2.0}) from HTTP/1.1
 * at the start of a tunnel, then installs the matching server. HTTP/2 gets one
 * {@link InboundHttpHandler} per stream over Netty's frame-to-HTTP-object codec, so both protocols
 * share the same request handling; trailers (gRPC's {@code grpc-status}) pass through.
 */
final class ProtocolSniffer extends ChannelInboundHandlerAdapter {

    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    static final int MAX_RESETS = 100;
    static final int RESET_WINDOW_SECONDS = 30;

    private final ProxyContext proxy;
    private final ConnectRequest connect;
    /** The original client's address, the same for every request of the tunnel: parsed once. */
    private final java.net.InetAddress source;
    /** The configuration the tunnel was accepted with: what serves it while it drains after its chain is removed. */
    private final io.ambit.waypoint.config.WaypointSnapshot acceptedWith;
    private ByteBuf seen;

    ProtocolSniffer(ProxyContext proxy, ConnectRequest connect) {
        this.proxy = proxy;
        this.connect = connect;
        this.acceptedWith = proxy.config().get();
        this.source = Exchange.forwardedFor(connect).orElse(connect.peer().getAddress());
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        seen = ctx.alloc().buffer(PREFACE.length);
        ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf)) {
            ReferenceCountUtil.release(msg);
            ctx.read();
            return;
        }
        seen.writeBytes(buf);
        buf.release();
        int n = Math.min(seen.readableBytes(), PREFACE.length);
        boolean prefix = ByteBufUtil.equals(seen, seen.readerIndex(), io.netty.buffer.Unpooled.wrappedBuffer(PREFACE), 0, n);
        if (prefix && n < PREFACE.length) {
            ctx.read(); // not enough yet to tell
            return;
        }
        ChannelPipeline pipeline = ctx.pipeline();
        if (prefix) {
            http2(pipeline);
        } else {
            HttpDecoderConfig decoder = new HttpDecoderConfig()
                    .setMaxInitialLineLength(proxy.limits().maxRequestLine())
                    .setMaxHeaderSize(proxy.limits().maxHeaderBytes())
                    .setAllowDuplicateContentLengths(false);
            pipeline.addAfter(ctx.name(), "http1", new HttpServerCodec(decoder));
            pipeline.addAfter("http1", "exchange", new InboundHttpHandler(proxy, connect, false, source, acceptedWith));
        }
        ByteBuf first = seen;
        seen = null;
        ctx.fireChannelRead(first); // to the server just installed after this handler, not through TunnelFrames again
        pipeline.remove(this);
    }

    private void http2(ChannelPipeline pipeline) {
        Http2Settings settings = Http2Settings.defaultSettings()
                .maxConcurrentStreams(100)
                .maxHeaderListSize(proxy.limits().maxHeaderBytes());
        // rapid reset (CVE-2023-44487): more than 100 RST_STREAMs from the client within 30 s is
        // answered GOAWAY(ENHANCE_YOUR_CALM) and the tunnel closed; CONTINUATION floods end at the
        // header list limit, which Netty enforces across CONTINUATION frames
        //
        // Http2MultiplexCodec, not Http2FrameCodec + Http2MultiplexHandler: the handler tells server
        // from client by `channel.parent() instanceof ServerChannel`, which is false for an HTTP/2
        // connection nested in an HBONE stream, so it took stream 1 (the first stream of curl,
        // h2load, Go and Envoy; Netty and grpc-java start at 3) for a client-side upgrade stream
        // and dropped it (a NullPointerException, the request reset). The codec asks its connection.
        @SuppressWarnings("deprecation")
        var codec = io.netty.handler.codec.http2.Http2MultiplexCodecBuilder.forServer(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel stream) {
                stream.config().setAutoRead(false);
                stream.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true), new InboundHttpHandler(proxy, connect, true, source, acceptedWith));
            }
        }).initialSettings(settings).decoderEnforceMaxRstFramesPerWindow(MAX_RESETS, RESET_WINDOW_SECONDS)
                .frameLogger(new ResetCounter(proxy)).decoupleCloseAndGoAway(false).build();
        // Flushes gathered per event-loop turn: the answers of many streams (written while the
        // upstream connection is read, not this one) leave in one HBONE DATA write and one TLS
        // record rather than one per frame, as a proxy that batches its writes (issue 14).
        pipeline.addAfter(pipeline.context(this).name(), "h2-flush",
                new FlushConsolidationHandler(FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
        pipeline.addAfter("h2-flush", "h2", codec);
        // inside HTTP/2, each stream's flow control is the backpressure; the tunnel itself is read freely
        pipeline.channel().config().setAutoRead(true);
    }

    /**
     * Counts every RST_STREAM a client sends, at the connection (a flood of them is what the reset
     * limit stops), including those for streams that never got a channel; logs like its parent.
     */
    private static final class ResetCounter extends io.netty.handler.codec.http2.Http2FrameLogger {
        private final ProxyContext proxy;

        ResetCounter(ProxyContext proxy) {
            super(io.netty.handler.logging.LogLevel.TRACE, ProtocolSniffer.class);
            this.proxy = proxy;
        }

        @Override
        public void logRstStream(Direction direction, ChannelHandlerContext ctx, int streamId, long errorCode) {
            if (direction == Direction.INBOUND) {
                proxy.telemetry().http2StreamReset();
            }
            super.logRstStream(direction, ctx, streamId, errorCode);
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (seen != null) {
            seen.release();
            seen = null;
        }
    }
}
