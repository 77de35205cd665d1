package io.ambit.waypoint.proxy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.ambit.authz.rbac.RbacContext;
import io.ambit.authz.rbac.RbacEngine;
import io.ambit.authz.rbac.RequestAttributes;
import io.ambit.hbone.HboneHeaders;
import io.ambit.hbone.HboneKey;
import io.ambit.hbone.HboneTunnel;
import io.ambit.waypoint.config.ClusterEndpoints;
import io.ambit.waypoint.config.ServiceChain;
import io.ambit.waypoint.telemetry.RequestTelemetry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;

/**
 * A tunnel to a TCP port of a bound service (Envoy's {@code tcp_proxy} behind network RBAC): L4
 * authorization with the source identity from the terminated tunnel, then an HBONE tunnel with
 * the waypoint's identity to an endpoint of the port's cluster, and bytes relayed both ways with
 * backpressure (the next chunk is read only once the previous one was written) and half-close
 * (the peer's END_STREAM is passed on as ours). Counted in Istio's {@code istio_tcp_*} metrics.
 */
final class TcpProxyHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(TcpProxyHandler.class);

    private final ProxyContext proxy;
    private final io.ambit.hbone.ConnectRequest connect;
    private final ServiceChain chain;
    private RequestTelemetry.TcpConnection telemetry;
    private Channel downstream;
    private Channel upstream;
    private ClusterEndpoints cluster;
    private InetSocketAddress endpoint;
    private boolean downstreamEnded;
    private boolean upstreamEnded;
    /** Whether our END_STREAM was already sent on each tunnel (the peer's half-close passed on). */
    private boolean endSentDownstream;
    private boolean endSentUpstream;
    private String flags = "-";
    private boolean closed;
    /** When a byte last went either way (a completed write), for the idle timeout. */
    private long lastActivity;
    private java.util.concurrent.ScheduledFuture<?> idleTimer;

    TcpProxyHandler(ProxyContext proxy, io.ambit.hbone.ConnectRequest connect, ServiceChain chain) {
        this.proxy = proxy;
        this.connect = connect;
        this.chain = chain;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        downstream = ctx.channel();
        InetAddress source = Exchange.forwardedFor(connect).orElse(connect.peer().getAddress());
        RbacContext rbac = new RbacContext(RequestAttributes.NONE, Optional.of(connect.client().toString()), source, source, connect.target().getPort());
        for (RbacEngine engine : chain.authorization()) {
            if (!engine.permits(rbac)) {
                // Envoy's network RBAC closes the connection: there is no answer to give in a byte stream
                log.info("tcp {} -> {}: RBAC: access denied for {}", NetUtil.toSocketAddressString(connect.peer()),
                        NetUtil.toSocketAddressString(connect.target()), connect.client());
                telemetry = proxy.telemetry().tcpOpened(Optional.of(connect.client()), chain.host(), source, null);
                finish(ctx, "-");
                return;
            }
        }
        Optional<ClusterEndpoints> c = proxy.config().get().cluster(chain.tcpCluster());
        endpoint = c.isEmpty() || c.get().endpoints().isEmpty() ? null : proxy.picker().pick(c.get(), null);
        telemetry = proxy.telemetry().tcpOpened(Optional.of(connect.client()), chain.host(), source,
                endpoint == null ? null : endpoint.getAddress());
        if (endpoint == null) {
            finish(ctx, "UH"); // no healthy upstream
            return;
        }
        cluster = c.get();
        proxy.picker().attemptStarted(cluster, endpoint);
        HboneKey key = new HboneKey(proxy.self(), cluster.identity(endpoint), new InetSocketAddress(endpoint.getAddress(), proxy.upstreamHbonePort()));
        HboneHeaders headers = connect.forwarded().map(f -> new HboneHeaders(Optional.of(f), connect.baggage(), connect.traceparent()))
                .orElse(HboneHeaders.none());
        proxy.pool().open(key, NetUtil.toSocketAddressString(endpoint), headers, ctx.channel().eventLoop())
                .whenComplete((tunnel, error) -> ctx.channel().eventLoop().execute(() -> onTunnel(ctx, tunnel, error)));
    }

    private void onTunnel(ChannelHandlerContext ctx, HboneTunnel tunnel, Throwable error) {
        if (error != null || !downstream.isActive()) {
            if (tunnel != null) {
                tunnel.close();
            }
            proxy.picker().attemptEnded(cluster, endpoint, error != null ? 503 : 200);
            finish(ctx, error != null ? "UF" : "-");
            return;
        }
        proxy.picker().attemptEnded(cluster, endpoint, 200);
        upstream = tunnel.stream();
        lastActivity = System.nanoTime();
        armIdleTimer(ctx, chain.tcpIdleTimeout());
        upstream.pipeline().addLast(new TunnelFrames(), new UpstreamSide(ctx));
        upstream.closeFuture().addListener(f -> ctx.channel().eventLoop().execute(() -> finish(ctx, flags)));
        upstream.read();
        ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf) || upstream == null) {
            ReferenceCountUtil.release(msg);
            return;
        }
        telemetry.received(buf.readableBytes());
        upstream.writeAndFlush(buf).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess()) {
                lastActivity = System.nanoTime();
                ctx.read();
            } else {
                finish(ctx, "UC");
            }
        });
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == TunnelFrames.PEER_ENDED) {
            downstreamEnded = true;
            if (upstream != null && upstream.isActive()) {
                endSentUpstream = true;
                upstream.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.EMPTY_BUFFER, true));
            }
            closeIfBothEnded(ctx);
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        finish(ctx, flags);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("tcp tunnel {}: {}", NetUtil.toSocketAddressString(connect.target()), cause.toString());
        finish(ctx, flags);
    }

    /**
     * Envoy's tcp_proxy {@code idle_timeout}: no byte sent either way for that long closes the
     * downstream without flushing, which closes the upstream too; no response flag is set (Envoy's
     * {@code Filter::onIdleTimeout} counts {@code idle_timeout} and closes with the reason
     * TcpSessionIdleTimeout). The timer re-arms for what is left after the last activity. Zero: none.
     */
    private void armIdleTimer(ChannelHandlerContext ctx, java.time.Duration timeout) {
        if (timeout == null || timeout.isZero() || closed) {
            return;
        }
        long left = timeout.toNanos() - (System.nanoTime() - lastActivity);
        if (left <= 0) {
            log.debug("tcp {} -> {}: idle for {}, closed", NetUtil.toSocketAddressString(connect.peer()),
                    NetUtil.toSocketAddressString(connect.target()), timeout);
            proxy.telemetry().tcpIdleTimeout();
            if (!closed) {
                closed = true;
                telemetry.closed(flags);
                ctx.channel().close(); // no flush, no END_STREAM: a reset, as Envoy's NoFlush close
                if (upstream != null) {
                    upstream.close();
                }
            }
            return;
        }
        idleTimer = ctx.executor().schedule(() -> armIdleTimer(ctx, timeout), left, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    private void closeIfBothEnded(ChannelHandlerContext ctx) {
        if (downstreamEnded && upstreamEnded) {
            finish(ctx, flags);
        }
    }

    /** Ends both tunnels once and reports the connection closed. */
    private void finish(ChannelHandlerContext ctx, String endFlags) {
        if (closed) {
            return;
        }
        closed = true;
        if (idleTimer != null) {
            idleTimer.cancel(false);
        }
        telemetry.closed(endFlags);
        end(ctx.channel(), endSentDownstream);
        if (upstream != null) {
            end(upstream, endSentUpstream);
        }
    }

    /**
     * A tunnel whose END_STREAM went already is just closed (after the peer's END_STREAM too, the
     * stream is over and nothing more is sent; else a reset); another gets its END_STREAM first.
     */
    private static void end(Channel stream, boolean endSent) {
        if (endSent) {
            stream.close();
        } else {
            TunnelFrames.endAndClose(stream);
        }
    }

    /** The upstream tunnel's bytes to the client, read one chunk per completed write. */
    private final class UpstreamSide extends ChannelInboundHandlerAdapter {
        private final ChannelHandlerContext downstreamCtx;

        UpstreamSide(ChannelHandlerContext downstreamCtx) {
            this.downstreamCtx = downstreamCtx;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf buf)) {
                ReferenceCountUtil.release(msg);
                ctx.read();
                return;
            }
            telemetry.sent(buf.readableBytes());
            downstream.writeAndFlush(buf).addListener((ChannelFutureListener) f -> {
                if (f.isSuccess()) {
                    lastActivity = System.nanoTime(); // (the upstream's loop: a plain long, read loosely by the timer)
                    ctx.read();
                } else {
                    finish(downstreamCtx, flags);
                }
            });
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt == TunnelFrames.PEER_ENDED) {
                upstreamEnded = true;
                if (downstream.isActive()) {
                    endSentDownstream = true;
                    downstream.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.EMPTY_BUFFER, true));
                }
                closeIfBothEnded(downstreamCtx);
                return;
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            finish(downstreamCtx, "UC");
        }
    }
}
