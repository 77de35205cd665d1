package io.ambit.waypoint.proxy;

import java.net.InetSocketAddress;
import java.util.function.Supplier;

import io.ambit.hbone.HboneServer;
import io.ambit.hbone.TargetPolicy;
import io.ambit.hbone.Transport;
import io.ambit.waypoint.config.ChainWaiters;
import io.netty.handler.ssl.SslContext;

/**
 * The waypoint's data path: an HBONE server (mutual TLS with the waypoint's certificate, client
 * certificates required by the server context) that serves only the targets the configuration
 * has ({@code VIP:port} of a bound service, or one of its endpoints) and terminates each tunnel
 * in an HTTP/1.1 or h2c server ({@link ProtocolSniffer}) whose requests {@link InboundHttpHandler} handles.
 */
public final class WaypointProxy implements AutoCloseable {

    private final HboneServer server;
    private final UpstreamConnections upstreams;

    private WaypointProxy(HboneServer server, UpstreamConnections upstreams) {
        this.server = server;
        this.upstreams = upstreams;
    }

    /** @param tls the server context: {@code MeshTls.server(svid, bundle, anyInTrustDomain)} or a reloadable one */
    public static WaypointProxy start(Transport transport, Supplier<SslContext> tls, InetSocketAddress bind, ProxyContext proxy) {
        return start(transport, tls, bind, proxy, null);
    }

    /** @param listeners where the listening socket is made (a pod's namespace), or null for the transport's own */
    public static WaypointProxy start(Transport transport, Supplier<SslContext> tls, InetSocketAddress bind, ProxyContext proxy,
            io.netty.channel.ChannelFactory<? extends io.netty.channel.ServerChannel> listeners) {
        return start(transport, tls, bind, proxy, listeners, null);
    }

    /**
     * @param waiters where a CONNECT to a target the configuration does not serve yet waits for it
     *                (a new binding whose xDS trails ztunnel's), or null to refuse such a CONNECT at once
     */
    public static WaypointProxy start(Transport transport, Supplier<SslContext> tls, InetSocketAddress bind, ProxyContext proxy,
            io.netty.channel.ChannelFactory<? extends io.netty.channel.ServerChannel> listeners, ChainWaiters waiters) {
        HboneServer.Builder builder = HboneServer.builder(transport, tls);
        if (listeners != null) {
            builder.channelFactory(listeners);
        }
        HboneServer server = builder
                .bind(bind)
                .targetPolicy(new TargetPolicy() {
                    @Override
                    public boolean accepts(InetSocketAddress target) {
                        return proxy.config().get().chain(target).isPresent();
                    }

                    @Override
                    public java.util.concurrent.CompletionStage<Boolean> acceptsSoon(InetSocketAddress target) {
                        return waiters == null ? TargetPolicy.super.acceptsSoon(target) : waiters.served(target);
                    }
                })
                .terminator((connect, stream) -> {
                    // a TCP port's bytes are relayed as they are; every other chain speaks HTTP inside the tunnel
                    var chain = proxy.config().get().chain(connect.target());
                    if (chain.isPresent() && chain.get().tcp()) {
                        stream.pipeline().addLast(new TunnelFrames(), new TcpProxyHandler(proxy, connect, chain.get()));
                    } else {
                        stream.pipeline().addLast(new TunnelFrames(), new ProtocolSniffer(proxy, connect));
                    }
                })
                .start();
        return new WaypointProxy(server, proxy.upstreams());
    }

    public InetSocketAddress address() {
        return server.address();
    }

    @Override
    public void close() {
        server.close();
        upstreams.close();
    }
}
