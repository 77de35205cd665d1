package io.ambit.waypoint.proxy;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import java.time.Instant;
import java.util.Optional;

import io.ambit.hbone.ConnectRequest;
import io.ambit.waypoint.config.ServiceChain;
import io.ambit.waypoint.telemetry.RequestRecord;
import io.netty.util.NetUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;

/**
 * The HTTP/1.1 server side of one tunnel: reads one request at a time (keep-alive, no pipelining:
 * the next request is read only once the previous response ended), refuses bad input with the
 * status Envoy gives it and closes, and hands each good request to an {@link Exchange}.
 */
final class InboundHttpHandler extends ChannelInboundHandlerAdapter {

    private final ProxyContext proxy;
    private final ConnectRequest connect;
    private Exchange current;
    /** A pipelined request was dropped: its body, if any, belongs to nobody. */
    private boolean discarding;
    private boolean firstRequest = true;
    private boolean peerEnded;
    private ScheduledFuture<?> headerTimer;

    /** One HTTP/2 stream (one request) rather than an HTTP/1.1 tunnel. */
    private final boolean http2;

    /** The original client's address: the CONNECT's {@code forwarded for}, else the tunnel's peer (its ztunnel). */
    private final java.net.InetAddress source;

    /** The configuration the tunnel was accepted with (see {@link #acceptedWith()}). */
    private final io.ambit.waypoint.config.WaypointSnapshot acceptedWith;

    /** @param source the original client's address, read once per tunnel from its CONNECT (see {@link Exchange#forwardedFor}) */
    InboundHttpHandler(ProxyContext proxy, ConnectRequest connect, boolean http2, java.net.InetAddress source) {
        this(proxy, connect, http2, source, null);
    }

    InboundHttpHandler(ProxyContext proxy, ConnectRequest connect, boolean http2, java.net.InetAddress source,
            io.ambit.waypoint.config.WaypointSnapshot acceptedWith) {
        this.proxy = proxy;
        this.connect = connect;
        this.http2 = http2;
        this.source = source;
        this.acceptedWith = acceptedWith;
    }

    /**
     * The snapshot current when the tunnel was accepted, or null: a tunnel whose service was unbound
     * since (its chain removed) is served with it until it ends, as Envoy drains the connections of a
     * removed filter chain rather than cutting them; ztunnel sends the service's new connections
     * straight to its pods by then.
     */
    io.ambit.waypoint.config.WaypointSnapshot acceptedWith() {
        return acceptedWith;
    }

    java.net.InetAddress source() {
        return source;
    }

    boolean http2() {
        return http2;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        awaitRequest(ctx);
    }

    /** Reads the next request: once it has begun, its headers must arrive within the header timeout (slow-loris). */
    private void awaitRequest(ChannelHandlerContext ctx) {
        TunnelFrames frames = ctx.pipeline().get(TunnelFrames.class);
        if (http2 || frames == null) {
            ctx.read(); // HTTP/2: the stream's HEADERS already arrived whole
            return;
        }
        // the first request has begun already: its first bytes are what told HTTP/1.1 from HTTP/2
        armHeaderTimer(ctx, frames, firstRequest ? -1 : frames.bytesIn(), 0);
        firstRequest = false;
        ctx.read();
    }

    private void armHeaderTimer(ChannelHandlerContext ctx, TunnelFrames frames, long bytesAtStart, long idleMillis) {
        long millis = proxy.limits().headerTimeout().toMillis();
        headerTimer = ctx.executor().schedule(() -> {
            if (current != null || !ctx.channel().isActive()) {
                return;
            }
            if (frames.bytesIn() != bytesAtStart) {
                LocalReply.send(ctx, HttpResponseStatus.REQUEST_TIMEOUT, "request header timeout", true);
            } else if (idleMillis + millis >= proxy.limits().idleTimeout().toMillis()) {
                TunnelFrames.endAndClose(ctx.channel()); // idle keep-alive: ended quietly, as Envoy's idle timeout
            } else {
                armHeaderTimer(ctx, frames, bytesAtStart, idleMillis + millis);
            }
        }, millis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            if (headerTimer != null) {
                headerTimer.cancel(false);
            }
            if (current != null) {
                // pipelined: the codec decoded a second request from the same read; serve one at a time
                ReferenceCountUtil.release(msg);
                current.closeAfterResponse();
                discarding = true;
                return;
            }
            DecoderResult result = request.decoderResult();
            if (result.isFailure()) {
                ReferenceCountUtil.release(msg);
                HttpResponseStatus status = statusFor(result.cause());
                LocalReply.send(ctx, status, status.reasonPhrase(), true);
                recordProtocolError(request, status, result.cause());
                return;
            }
            current = new Exchange(proxy, connect, ctx, request, this);
            current.start();
            if (request instanceof HttpContent whole && current != null) {
                current.requestContent(whole.retain()); // HTTP/2 HEADERS with END_STREAM: the request is complete
            }
            ReferenceCountUtil.release(request);
            return;
        }
        if (msg instanceof HttpContent content) {
            if (discarding) {
                content.release();
                return;
            }
            if (current == null) {
                content.release(); // the rest of a request already answered
                ctx.read();
                return;
            }
            current.requestContent(content);
            return;
        }
        ReferenceCountUtil.release(msg);
    }

    /** Envoy logs a request it could not parse with the flag DPE (downstream protocol error). */
    private void recordProtocolError(HttpRequest request, HttpResponseStatus status, Throwable cause) {
        String details = "codec_error:" + cause.getClass().getSimpleName();
        proxy.telemetry().record(new RequestRecord(Instant.now(), request.method().name(), "-", "HTTP/1.1", status.code(), "DPE",
                details, 0, status.reasonPhrase().length(), 0, "-", "-", "-", "", "", null, Optional.of(connect.client()),
                NetUtil.toSocketAddressString(connect.peer()), proxy.config().get().chain(connect.target())
                        .map(ServiceChain::host).orElse("unknown"), 0, false, ""));
    }

    private static HttpResponseStatus statusFor(Throwable cause) {
        if (cause instanceof TooLongHttpLineException) {
            return HttpResponseStatus.REQUEST_URI_TOO_LONG;
        }
        if (cause instanceof TooLongHttpHeaderException || cause instanceof TooLongFrameException) {
            return HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
        }
        return HttpResponseStatus.BAD_REQUEST;
    }

    /** The exchange ended; with keep-alive, the next request may come. */
    void exchangeDone(ChannelHandlerContext ctx, boolean keepAlive) {
        current = null;
        if (http2) {
            ctx.close(); // one stream, one request; both halves have ended
            return;
        }
        if (keepAlive && !peerEnded && ctx.channel().isActive()) {
            awaitRequest(ctx);
        } else {
            TunnelFrames.endAndClose(ctx.channel());
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof io.netty.handler.codec.http2.Http2ResetFrame) {
            ctx.close(); // (counted at the connection, by ProtocolSniffer's ResetCounter)
            return;
        }
        if (evt == TunnelFrames.PEER_ENDED) {
            peerEnded = true;
            if (current == null) {
                TunnelFrames.endAndClose(ctx.channel());
            }
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (headerTimer != null) {
            headerTimer.cancel(false);
        }
        if (current != null) {
            current.downstreamClosed();
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
