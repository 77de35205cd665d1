package io.ambit.echo.server;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerAdapter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.AsciiString;

/**
 * The HTTP listener's connections: HTTP/1.1, and h2c both by prior knowledge (the connection
 * preface) and by {@code Upgrade: h2c} (RFC 7540 §3.2). Reading top to bottom:
 * <pre>
 *   CleartextHttp2ServerUpgradeHandler   preface? → Http2FrameCodec + Http2MultiplexHandler
 *     HttpServerCodec                    limits: request line 16 KiB, headers 64 KiB
 *     HttpServerUpgradeHandler           Upgrade: h2c → Http2FrameCodec + Http2MultiplexHandler
 *   Http1EchoHandler                     removes itself once the connection speaks HTTP/2
 * </pre>
 * Each HTTP/2 stream gets an {@link Http2StreamEchoHandler}.
 */
final class HttpEchoInitializer extends ChannelInitializer<SocketChannel> {

    /** Request line limit; longer lines get 414. */
    static final int MAX_REQUEST_LINE = 16 * 1024;
    /** Header block limit, HTTP/1.1 and HTTP/2 alike; larger blocks get 431. */
    static final int MAX_HEADERS = 64 * 1024;

    private final ServerIdentity identity;
    private final AccessLog accessLog;

    HttpEchoInitializer(ServerIdentity identity, AccessLog accessLog) {
        this.identity = identity;
        this.accessLog = accessLog;
    }

    @Override
    protected void initChannel(SocketChannel channel) {
        HttpServerCodec http1 = new HttpServerCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(MAX_REQUEST_LINE)
                .setMaxHeaderSize(MAX_HEADERS));
        HttpServerUpgradeHandler upgrade = new HttpServerUpgradeHandler(http1,
                protocol -> AsciiString.contentEquals(Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)
                        ? new Http2ServerUpgradeCodec(http2Codec(), http2Streams())
                        : null,
                MAX_HEADERS);
        channel.pipeline()
                .addLast(new CleartextHttp2ServerUpgradeHandler(http1, upgrade, new PriorKnowledge()))
                .addLast(new Http1EchoHandler(identity, accessLog));
    }

    private Http2FrameCodec http2Codec() {
        return Http2FrameCodecBuilder.forServer()
                .initialSettings(Http2Settings.defaultSettings().maxHeaderListSize(MAX_HEADERS))
                .build();
    }

    private ChannelHandler http2Streams() {
        return new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel stream) {
                stream.pipeline().addLast(new Http2StreamEchoHandler(identity, accessLog));
            }
        });
    }

    /**
     * Takes the place of the HTTP/1 handlers when the client opens with the HTTP/2 preface: puts
     * the frame codec and the stream multiplexer right where it stands, then steps aside.
     */
    private final class PriorKnowledge extends ChannelHandlerAdapter {
        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            ChannelPipeline pipeline = ctx.pipeline();
            // the multiplexer looks for the codec when it is added, so the codec goes first
            pipeline.addAfter(ctx.name(), "h2-codec", http2Codec());
            pipeline.addAfter("h2-codec", "h2-streams", http2Streams());
            pipeline.remove(this);
        }
    }
}
