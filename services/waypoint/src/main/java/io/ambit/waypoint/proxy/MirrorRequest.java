package io.ambit.waypoint.proxy;

import java.net.InetSocketAddress;

import io.ambit.hbone.HboneHeaders;
import io.ambit.hbone.HboneTunnel;
import io.ambit.waypoint.config.ClusterEndpoints;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * One shadow copy of a request (Envoy's {@code request_mirror_policies}), fire and forget, on the
 * same keep-alive pool as routed requests ({@link UpstreamConnections}): an idle connection to the
 * mirror's endpoint is taken when there is one, else a tunnel is opened, and the connection is given
 * back once the answer (dropped unread) has ended cleanly. Envoy sends shadows through the mirror
 * cluster's own connection pool and counts them against its circuit breaker; so here: a shadow is
 * admitted only under the mirror cluster's {@code max_requests} (else it is not sent, as Envoy
 * drops a shadow that overflows), which bounds them, and its outcome feeds that cluster's load
 * balancing and outlier detection like any attempt. Nothing here waits for, or is waited for by,
 * the routed request.
 */
final class MirrorRequest extends ChannelInboundHandlerAdapter {

    private final ProxyContext proxy;
    private final ClusterEndpoints cluster;
    private final InetSocketAddress endpoint;
    private final UpstreamConnections.Key key;
    private final HttpRequest copy;
    private boolean keepAlive;
    private int status;
    private boolean ended;

    private MirrorRequest(ProxyContext proxy, ClusterEndpoints cluster, InetSocketAddress endpoint, UpstreamConnections.Key key,
            HttpRequest copy) {
        this.proxy = proxy;
        this.cluster = cluster;
        this.endpoint = endpoint;
        this.key = key;
        this.copy = copy;
    }

    /**
     * Sends {@code copy} (a request without a body) to {@code endpoint} of the mirror cluster, unless
     * the cluster's circuit breaker is full.
     *
     * @param headers the HBONE headers a new tunnel is opened with (those a routed request's tunnel gets)
     */
    static void send(ProxyContext proxy, ClusterEndpoints cluster, InetSocketAddress endpoint, UpstreamConnections.Key key,
            HboneHeaders headers, HttpRequest copy, EventLoop loop) {
        if (!proxy.picker().admit(cluster)) {
            return; // overflow: the shadow is not sent, the routed request is not concerned
        }
        proxy.picker().attemptStarted(cluster, endpoint);
        MirrorRequest mirror = new MirrorRequest(proxy, cluster, endpoint, key, copy);
        Channel idle = proxy.upstreams().take(key, loop);
        if (idle != null) {
            mirror.adopt(idle, headers, loop);
        } else {
            mirror.open(headers, loop);
        }
    }

    /** On the connection's own loop the pool's watcher gives way to this shadow; one that ended meanwhile is replaced by a new tunnel. */
    private void adopt(Channel stream, HboneHeaders headers, EventLoop loop) {
        stream.eventLoop().execute(() -> {
            if (stream.isActive() && stream.pipeline().get(Exchange.UPSTREAM_HANDLER) != null) {
                stream.pipeline().replace(Exchange.UPSTREAM_HANDLER, Exchange.UPSTREAM_HANDLER, this);
                write(stream);
            } else {
                stream.close();
                open(headers, loop);
            }
        });
    }

    private void open(HboneHeaders headers, EventLoop loop) {
        proxy.pool().open(key.hbone(), key.authority(), headers, loop).whenComplete((HboneTunnel tunnel, Throwable error) -> {
            if (error != null) {
                end(0); // a connect failure: counted for outlier detection as Envoy counts a local-origin failure
                return;
            }
            Channel stream = tunnel.stream();
            stream.eventLoop().execute(() -> {
                stream.pipeline().addLast(new TunnelFrames(), new HttpClientCodec());
                stream.pipeline().addLast(Exchange.UPSTREAM_HANDLER, this);
                write(stream);
            });
        });
    }

    private void write(Channel stream) {
        stream.write(copy);
        stream.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        stream.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpResponse response) {
            status = response.status().code();
            keepAlive = HttpUtil.isKeepAlive(response);
        }
        boolean last = msg instanceof LastHttpContent && status >= 200;
        ReferenceCountUtil.release(msg);
        if (!last) {
            ctx.read();
            return;
        }
        end(status);
        if (keepAlive && ctx.channel().isActive()) {
            proxy.upstreams().giveBack(key, ctx.channel(), Exchange.UPSTREAM_HANDLER);
        } else {
            TunnelFrames.endAndClose(ctx.channel());
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        ReferenceCountUtil.release(evt);
        if (!ended) {
            ctx.close(); // the destination ended or reset before its answer did
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        end(0);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    /** Once: the circuit breaker's slot back, the outcome to the balancer and outlier detection (0: no answer). */
    private void end(int answered) {
        if (ended) {
            return;
        }
        ended = true;
        proxy.picker().attemptEnded(cluster, endpoint, answered);
        proxy.picker().release(cluster);
    }
}
