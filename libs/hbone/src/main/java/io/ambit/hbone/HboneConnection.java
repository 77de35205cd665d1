package io.ambit.hbone;

import java.util.concurrent.CompletableFuture;

import io.ambit.identity.SpiffeId;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;

/**
 * One mutual-TLS HTTP/2 connection to an HBONE server, on which each {@link #open} is a new
 * CONNECT stream. The server's SPIFFE ID was checked against the expected identity during the
 * handshake; {@link #peer()} is what it proved.
 */
public final class HboneConnection {

    private final Channel channel;
    private final Http2FrameCodec codec;
    private final SpiffeId peer;
    private volatile boolean goAwayReceived;

    HboneConnection(Channel channel, Http2FrameCodec codec, SpiffeId peer) {
        this.channel = channel;
        this.codec = codec;
        this.peer = peer;
    }

    /**
     * Opens a tunnel to {@code authority} ({@code ip:port}, see {@link ConnectAuthority#format}).
     * Completes once the server answered 200, i.e. once the target accepted the connection; fails
     * with {@link TunnelRefusedException} (carrying the status) or {@link HboneConnectionException}.
     */
    public CompletableFuture<HboneTunnel> open(String authority, HboneHeaders headers) {
        CompletableFuture<HboneTunnel> result = new CompletableFuture<>();
        if (!isUsable()) {
            result.completeExceptionally(new HboneConnectionException(
                    "HBONE connection to " + channel.remoteAddress() + " is closed or draining", null));
            return result;
        }
        new Http2StreamChannelBootstrap(channel)
                .option(ChannelOption.AUTO_READ, false)
                .handler(new ConnectResponseHandler(authority, this, result))
                .open()
                .addListener(f -> {
                    if (!f.isSuccess()) {
                        result.completeExceptionally(new HboneConnectionException(
                                "cannot open an HBONE stream to " + channel.remoteAddress(), f.cause()));
                        return;
                    }
                    Http2StreamChannel stream = (Http2StreamChannel) f.getNow();
                    ChannelFuture write = stream.writeAndFlush(new DefaultHttp2HeadersFrame(connectHeaders(authority, headers), false));
                    SlowConnect.watch(stream, result, () -> "CONNECT " + authority + (!write.isDone()
                            ? " not yet written to the socket (not flushed, or the connection does not drain)"
                            : write.isSuccess() ? " written to the socket; the server has not answered" : " failed to send")
                            + "; " + SlowConnect.connection(channel));
                    write.addListener((ChannelFutureListener) sent -> {
                        if (sent.isSuccess()) {
                            stream.read(); // the response headers
                        } else {
                            result.completeExceptionally(new HboneConnectionException(
                                    "cannot send CONNECT " + authority, sent.cause()));
                            stream.close();
                        }
                    });
                });
        return result;
    }

    /**
     * RFC 9113 §8.5: a CONNECT carries {@code :method} and {@code :authority} only, no
     * {@code :scheme} or {@code :path}.
     */
    private static Http2Headers connectHeaders(String authority, HboneHeaders extra) {
        Http2Headers headers = new DefaultHttp2Headers().method("CONNECT").authority(authority);
        extra.forwarded().ifPresent(v -> headers.add(HboneHeaders.FORWARDED, v));
        extra.baggage().ifPresent(v -> headers.add(HboneHeaders.BAGGAGE, v));
        extra.traceparent().ifPresent(v -> headers.add(HboneHeaders.TRACEPARENT, v));
        return headers;
    }

    /** The identity the server proved in the handshake. */
    public SpiffeId peer() {
        return peer;
    }

    /** Open, and the server has not announced GOAWAY: new streams may go here. */
    public boolean isUsable() {
        return channel.isActive() && !goAwayReceived;
    }

    /** Streams this connection may still have open at once, as the server's SETTINGS allow. */
    public int maxConcurrentStreams() {
        return codec.connection().local().maxActiveStreams();
    }

    /** Streams open on this connection now. */
    public int activeStreams() {
        return codec.connection().local().numActiveStreams();
    }

    /** For tests that inspect the negotiated HTTP/2 state. */
    Http2FrameCodec codec() {
        return codec;
    }

    void goAwayReceived() {
        goAwayReceived = true;
    }

    EventLoop eventLoop() {
        return channel.eventLoop();
    }

    public ChannelFuture closeFuture() {
        return channel.closeFuture();
    }

    public ChannelFuture close() {
        return channel.close();
    }

    @Override
    public String toString() {
        return "HboneConnection[" + channel.remoteAddress() + " " + peer + "]";
    }
}
