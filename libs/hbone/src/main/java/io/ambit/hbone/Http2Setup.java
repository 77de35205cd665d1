package io.ambit.hbone;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.util.ReferenceCountUtil;

/** The HTTP/2 part of an HBONE pipeline, the same settings on both ends (as ztunnel's h2 builders). */
final class Http2Setup {

    private static final Logger log = LoggerFactory.getLogger(Http2Setup.class);

    static final String CODEC = "h2-codec";
    static final String MULTIPLEX = "h2-multiplex";
    static final String GUARD = "h2-guard";

    /**
     * Netty's servers close a connection (GOAWAY ENHANCE_YOUR_CALM) after 200 resets in 30 s, sent
     * or received, a guard sized for browsers, where a reset is rare. On HBONE a reset is how a
     * TCP connection that ended with RST ends its tunnel, and each RST_STREAM we send when an
     * upstream goes away is followed by the DATA the client had in flight, which Netty answers
     * with one RST_STREAM(STREAM_CLOSED) per frame (RFC 9113 §5.1 says to ignore them): a
     * stream window of small frames is hundreds of those. With the limit on, iperf3 -P 8 ending
     * its data connections took down the HBONE connection and its control connection with it.
     * So resets we send are not limited (each ends its relay and upstream connection at once, so
     * provoking them buys a peer nothing: the MadeYouReset concern is work that outlives the
     * stream), and resets received keep a bound against rapid reset (each CONNECT costs an
     * authorization and an upstream connect), sized for a busy node pair: 50 per second.
     */
    static final int RECEIVED_RESETS_PER_WINDOW = 1_500;
    static final int RESET_WINDOW_SECONDS = 30;

    private Http2Setup() {
    }

    static Http2Settings initialSettings(HboneSettings settings, boolean server) {
        Http2Settings initial = Http2Settings.defaultSettings()
                .initialWindowSize(settings.streamWindow())
                .maxFrameSize(settings.maxFrameSize())
                .maxHeaderListSize(settings.maxHeaderListSize());
        if (server) {
            initial.maxConcurrentStreams(settings.maxConcurrentStreams());
        } else {
            // HBONE servers never open streams towards the client, and push makes no sense for CONNECT.
            initial.pushEnabled(false).maxConcurrentStreams(0);
        }
        return initial;
    }

    /**
     * Adds codec and multiplexer, then raises the connection window: SETTINGS cannot (the
     * connection window starts at 65,535 whatever the settings say, RFC 9113 §6.9.2), only a
     * WINDOW_UPDATE on stream 0 can. Runs on the channel's event loop.
     */
    static Http2FrameCodec install(ChannelPipeline pipeline, HboneSettings settings, boolean server,
            ChannelHandler streamHandler, Runnable goAway) {
        Http2FrameCodec codec = (server ? Http2FrameCodecBuilder.forServer() : Http2FrameCodecBuilder.forClient())
                .initialSettings(initialSettings(settings, server))
                .validateHeaders(true)
                // Resets are routine on HBONE, and each ends one stream only (issue 12): see below.
                .encoderEnforceMaxRstFramesPerWindow(0, 0)
                .decoderEnforceMaxRstFramesPerWindow(RECEIVED_RESETS_PER_WINDOW, RESET_WINDOW_SECONDS)
                .build();
        pipeline.addLast(CODEC, codec);
        pipeline.addLast(MULTIPLEX, new Http2MultiplexHandler(streamHandler));
        pipeline.addLast(GUARD, new ConnectionGuard(goAway));
        // Netty's codec already widened the window while being added (to 65,535 plus twice the
        // stream window's increase, on both sides), so we top up to the target, not add to it.
        Http2Connection connection = codec.connection();
        int delta = settings.connectionWindow()
                - connection.local().flowController().windowSize(connection.connectionStream());
        if (delta > 0) {
            // Written from the multiplexer's context so that it passes through the codec, which
            // turns a stream-less window update into a connection-level one.
            pipeline.context(MULTIPLEX).writeAndFlush(new DefaultHttp2WindowUpdateFrame(delta));
        }
        return codec;
    }

    /**
     * Last in a connection's pipeline: sees the GOAWAY frames the multiplexer passes on (a draining
     * peer: no new streams on this connection) and any error nothing else handled, which closes the
     * connection; the codec has already answered protocol errors with GOAWAY by then.
     */
    static final class ConnectionGuard extends ChannelInboundHandlerAdapter {
        private final Runnable goAway;

        ConnectionGuard(Runnable goAway) {
            this.goAway = goAway;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2GoAwayFrame) {
                goAway.run();
            }
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("closing HBONE connection {}: {}", ctx.channel(), cause.toString());
            ctx.close();
        }
    }
}
