package io.ambit.hbone;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

import io.ambit.tls.AesGcmOnly;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;

/**
 * A misbehaving HBONE client for tests: sends any request headers (no CONNECT rules, and header
 * blocks larger than the server allows), or raw bytes after the TLS handshake.
 */
final class RawH2Client implements AutoCloseable {

    private final Channel channel;

    private RawH2Client(Channel channel) {
        this.channel = channel;
    }

    /** TLS only; HTTP/2 is added by {@link #startHttp2()} or replaced by raw bytes. */
    static RawH2Client connect(Transport transport, InetSocketAddress server, SslContext tls) {
        CompletableFuture<Void> handshake = new CompletableFuture<>();
        Channel channel = new Bootstrap()
                .group(transport.group())
                .channel(transport.socketChannel())
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        SslHandler ssl = tls.newHandler(ch.alloc());
                        ssl.handshakeFuture().addListener(f -> {
                            if (f.isSuccess()) {
                                handshake.complete(null);
                            } else {
                                handshake.completeExceptionally(f.cause());
                            }
                        });
                        // The server's SETTINGS may arrive before startHttp2 adds the codec: keep it, or the
                        // codec's first frame is the WINDOW_UPDATE after it, a connection error.
                        ch.pipeline().addLast(ssl, new AesGcmOnly(), new InboundHold());
                    }
                })
                .connect(server)
                .syncUninterruptibly()
                .channel();
        handshake.join();
        return new RawH2Client(channel);
    }

    Channel channel() {
        return channel;
    }

    RawH2Client startHttp2() {
        channel.eventLoop().submit(() -> channel.pipeline().addLast(
                Http2FrameCodecBuilder.forClient().encoderIgnoreMaxHeaderListSize(true).build(),
                new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()),
                new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ReferenceCountUtil.release(msg); // SETTINGS acks, GOAWAY: not of interest here
                    }
                })).syncUninterruptibly();
        channel.eventLoop().submit(() -> channel.pipeline().get(InboundHold.class).release()).syncUninterruptibly();
        return this;
    }

    void writeRaw(byte[] bytes) {
        channel.writeAndFlush(Unpooled.wrappedBuffer(bytes)).syncUninterruptibly();
    }

    /** Sends one request; completes with ":status N", "reset N" or "closed". */
    CompletableFuture<String> request(Http2Headers headers) {
        return send(headers).outcome();
    }

    /** A request on its way: its stream (for the id) and how it ended. */
    record Sent(CompletableFuture<Http2StreamChannel> stream, CompletableFuture<String> outcome) {
    }

    /**
     * Writes {@code count} DATA frames of one byte for {@code streamId} straight below the codec,
     * which would refuse to send on a stream it knows is closed: the frames a peer had in flight.
     */
    void writeRawData(int streamId, int count) {
        ByteBuf frames = Unpooled.buffer(count * 10);
        for (int i = 0; i < count; i++) {
            frames.writeMedium(1).writeByte(0).writeByte(0).writeInt(streamId).writeByte(i);
        }
        channel.eventLoop().submit(() -> channel.pipeline().context(Http2FrameCodec.class).writeAndFlush(frames))
                .syncUninterruptibly();
    }

    Sent send(Http2Headers headers) {
        CompletableFuture<Http2StreamChannel> opened = new CompletableFuture<>();
        CompletableFuture<String> outcome = new CompletableFuture<>();
        new Http2StreamChannelBootstrap(channel)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        if (msg instanceof Http2HeadersFrame response) {
                            outcome.complete(":status " + response.headers().status());
                        }
                        ReferenceCountUtil.release(msg);
                    }

                    @Override
                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                        if (evt instanceof Http2ResetFrame reset) {
                            outcome.complete("reset " + reset.errorCode());
                        }
                    }

                    @Override
                    public void channelInactive(ChannelHandlerContext ctx) {
                        outcome.complete("closed");
                    }
                })
                .open()
                .addListener(f -> {
                    if (!f.isSuccess()) {
                        opened.completeExceptionally(f.cause());
                        outcome.completeExceptionally(f.cause());
                        return;
                    }
                    opened.complete((Http2StreamChannel) f.getNow());
                    ((Http2StreamChannel) f.getNow()).writeAndFlush(new DefaultHttp2HeadersFrame(headers, false))
                            .addListener(w -> {
                                if (!w.isSuccess()) {
                                    outcome.completeExceptionally(w.cause());
                                }
                            });
                });
        return new Sent(opened, outcome);
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }
}
