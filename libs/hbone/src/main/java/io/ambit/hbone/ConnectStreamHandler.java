package io.ambit.hbone;

import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.ambit.hbone.TunnelObserver.Refusal;
import io.ambit.identity.SpiffeId;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;

/**
 * Serves one HBONE stream: checks the CONNECT (RFC 9113 §8.5), asks policy, connects upstream,
 * answers, then hands the stream to a {@link Relay}. The order and the codes are ztunnel's
 * ({@code src/proxy/inbound.rs}): 400 for anything but CONNECT and for an authority that is not
 * {@code ip:port} or not served here, 401 when policy denies, 503 when the upstream connect
 * fails, and 200 only once the upstream is connected, so a client never sends bytes into a
 * tunnel that leads nowhere.
 */
final class ConnectStreamHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(ConnectStreamHandler.class);

    private final HboneServer.Config config;
    private final SpiffeId client;
    private boolean requestSeen;
    /** Completes once this CONNECT was answered (or its stream closed): ends the slow-CONNECT watch. */
    private final CompletableFuture<Void> answered = new CompletableFuture<>();
    /** The 200's write, once the upstream is connected. */
    private volatile ChannelFuture okWrite;

    ConnectStreamHandler(HboneServer.Config config, SpiffeId client) {
        this.config = config;
        this.client = client;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        // Auto-read is off: read exactly the request HEADERS; DATA waits in the stream until the relay reads it.
        ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (requestSeen || !(msg instanceof Http2HeadersFrame request)) {
            // Nothing else is read before the relay takes over; anything here is a protocol misuse.
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        requestSeen = true;
        Http2Headers headers = request.headers();
        if (!"CONNECT".contentEquals(orEmpty(headers.method()))) {
            refuse(ctx, Refusal.BAD_REQUEST, Optional.empty(), "method " + headers.method() + " is not CONNECT");
            return;
        }
        if (request.isEndStream()) {
            refuse(ctx, Refusal.BAD_REQUEST, Optional.empty(), "CONNECT ended its stream at once, so it carries no tunnel");
            return;
        }
        InetSocketAddress target;
        try {
            target = ConnectAuthority.parse(orEmpty(headers.authority()).toString());
        } catch (ConnectAuthority.InvalidAuthorityException e) {
            refuse(ctx, Refusal.BAD_REQUEST, Optional.empty(), e.getMessage());
            return;
        }
        CompletableFuture<Boolean> served;
        try {
            served = config.targetPolicy().acceptsSoon(target).toCompletableFuture();
        } catch (RuntimeException e) {
            log.error("target policy failed for {}; refusing", target, e);
            served = CompletableFuture.completedFuture(false);
        }
        if (served.isDone()) {
            afterTarget(ctx, headers, target, Boolean.TRUE.equals(served.exceptionally(e -> false).getNow(false)));
            return;
        }
        // held until the policy answers (a waypoint waiting for its configuration): on this stream's loop
        InetSocketAddress held = target;
        served.whenComplete((ok, error) -> ctx.executor().execute(() -> {
            if (ctx.channel().isActive()) {
                afterTarget(ctx, headers, held, error == null && Boolean.TRUE.equals(ok));
            }
        }));
    }

    private void afterTarget(ChannelHandlerContext ctx, Http2Headers headers, InetSocketAddress target, boolean served) {
        if (!served) {
            refuse(ctx, Refusal.BAD_REQUEST, Optional.empty(), "target " + target + " is not served by this HBONE server");
            return;
        }
        Channel parent = ctx.channel().parent();
        ConnectRequest connect = new ConnectRequest(client, (InetSocketAddress) parent.remoteAddress(), target,
                header(headers, HboneHeaders.FORWARDED), header(headers, HboneHeaders.BAGGAGE),
                header(headers, HboneHeaders.TRACEPARENT));
        boolean allowed;
        try {
            allowed = config.authorizer().allows(connect);
        } catch (RuntimeException e) {
            // A broken authorizer is a bug; failing closed keeps it from opening the mesh.
            log.error("authorizer failed for {}; denying", connect, e);
            allowed = false;
        }
        if (!allowed) {
            refuse(ctx, Refusal.DENIED, Optional.of(connect), "policy denied " + client + " to " + target);
            return;
        }
        if (config.terminator() != null) {
            terminate(ctx, connect);
            return;
        }
        Future<Channel> attempt = config.upstream().connect(ctx.channel().eventLoop(), target, connect);
        watchSlow(ctx.channel(), target, attempt);
        attempt.addListener((Future<Channel> f) -> onUpstream(ctx, connect, f));
    }

    /**
     * Warns if this CONNECT is still unanswered well after it arrived, saying whether the upstream
     * connect or the 200's write is what waits (issue 12's 56 s stall could not tell them apart).
     */
    private void watchSlow(Channel stream, InetSocketAddress target, Future<Channel> attempt) {
        SlowConnect.watch(stream, answered, () -> "CONNECT " + target + " from " + client + (!attempt.isDone()
                ? ": the upstream connect has not completed"
                : okWrite == null ? ": the upstream connect completed (" + (attempt.isSuccess() ? "connected" : attempt.cause())
                        + "), no answer written yet"
                : ": 200 not yet written to the socket (not flushed, or the connection does not drain)")
                + "; " + SlowConnect.connection(stream.parent()));
        stream.closeFuture().addListener(f -> answered.complete(null));
    }

    private void onUpstream(ChannelHandlerContext ctx, ConnectRequest connect, Future<Channel> attempt) {
        if (!attempt.isSuccess()) {
            refuse(ctx, Refusal.UPSTREAM_UNREACHABLE, Optional.of(connect), "upstream " + connect.target() + " unreachable: " + attempt.cause());
            return;
        }
        Channel upstream = attempt.getNow();
        Http2StreamChannel stream = (Http2StreamChannel) ctx.channel();
        if (!stream.isActive()) {
            upstream.close(); // the client gave up while we were connecting
            return;
        }
        ctx.pipeline().remove(this);
        okWrite = stream.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200"), false));
        okWrite.addListener((ChannelFutureListener) f -> {
            answered.complete(null);
            if (f.isSuccess()) {
                log.debug("tunnel {} -> {} for {}", connect.peer(), connect.target(), connect.client());
                Relay relay = Relay.bind(upstream, stream, config.settings().idleTimeout(), config.relayStats());
                config.observer().opened(connect, relay);
            } else {
                upstream.close();
                stream.close();
            }
        });
    }

    /** The tunnel ends here (the waypoint): answer 200, then hand the stream over untouched. */
    private void terminate(ChannelHandlerContext ctx, ConnectRequest connect) {
        Http2StreamChannel stream = (Http2StreamChannel) ctx.channel();
        ctx.pipeline().remove(this);
        stream.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200"), false))
                .addListener((ChannelFutureListener) f -> {
                    if (!f.isSuccess()) {
                        stream.close();
                        return;
                    }
                    try {
                        config.terminator().terminate(connect, stream);
                    } catch (RuntimeException e) {
                        log.error("tunnel terminator failed for {}", connect, e);
                        stream.close();
                    }
                });
    }

    /**
     * Answers with END_STREAM, then closes the stream: the client's half is still open, so Netty
     * resets it (RST_STREAM CANCEL) and the client cannot keep sending into a refused tunnel.
     */
    private void refuse(ChannelHandlerContext ctx, Refusal refusal, Optional<ConnectRequest> request, String why) {
        log.debug("refusing HBONE stream from {} with {}: {}", client, refusal.status(), why);
        if (ctx.channel().parent().remoteAddress() instanceof InetSocketAddress peer) {
            config.observer().refused(peer, Optional.of(client), request, refusal, why);
        }
        ctx.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status(Integer.toString(refusal.status())), true))
                .addListener(ChannelFutureListener.CLOSE)
                .addListener(f -> answered.complete(null));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("HBONE stream from {} failed", client, cause);
        ctx.close();
    }

    private static CharSequence orEmpty(CharSequence value) {
        return value == null ? "" : value;
    }

    private static Optional<String> header(Http2Headers headers, String name) {
        return Optional.ofNullable(headers.get(name)).map(CharSequence::toString);
    }
}
