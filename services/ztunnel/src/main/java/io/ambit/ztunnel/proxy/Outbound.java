package io.ambit.ztunnel.proxy;

import java.net.InetSocketAddress;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.ambit.hbone.HboneHeaders;
import io.ambit.hbone.HboneKey;
import io.ambit.hbone.HbonePool;
import io.ambit.hbone.TcpUpstreamConnector;
import io.ambit.hbone.Relay;
import io.ambit.hbone.RelayStats;
import io.ambit.hbone.TcpRelay;
import io.ambit.hbone.TunnelRefusedException;
import io.ambit.ztunnel.state.Service;
import io.ambit.ztunnel.state.Workload;
import io.ambit.ztunnel.telemetry.ConnectionLabels.Reporter;
import io.ambit.ztunnel.telemetry.ConnectionTelemetry;
import io.ambit.ztunnel.telemetry.Peer;
import io.ambit.ztunnel.telemetry.ResponseFlags;
import io.ambit.ztunnel.telemetry.ServiceDescription;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.util.concurrent.Future;

/**
 * One pod's outbound path (captured on 15001 or asked for through SOCKS5): route the connection
 * ({@link OutboundRouter}), then either open an HBONE tunnel from the pod with the pod's own
 * certificate, checking the server's identity, or pass it through as plain TCP; relay; and
 * report it as the source's ztunnel does.
 */
final class Outbound {

    private static final Logger log = LoggerFactory.getLogger(Outbound.class);

    /**
     * Hears whether the connection could be forwarded, before any byte is relayed (SOCKS5 answers
     * then). On failure the listener ends the downstream connection, as its protocol wants.
     */
    interface Progress {
        void ready(InetSocketAddress boundFrom);

        void failed(Failure failure, String reason);

        /** A captured connection has no protocol to say why: it is reset. */
        static Progress captured(Channel downstream) {
            return new Progress() {
                @Override
                public void ready(InetSocketAddress boundFrom) {
                }

                @Override
                public void failed(Failure failure, String reason) {
                    reset(downstream);
                }
            };
        }
    }

    enum Failure { UNREACHABLE, REFUSED, DENIED }

    private final ProxyContext context;
    private final Workload pod;
    private final TcpUpstreamConnector upstream;
    private final HbonePool pool;
    private final RelayStats relayStats;

    /** @param upstream plain connections from inside the pod (passthrough) */
    Outbound(ProxyContext context, Workload pod, TcpUpstreamConnector upstream, HbonePool pool, RelayStats relayStats) {
        this.context = context;
        this.pod = pod;
        this.upstream = upstream;
        this.pool = pool;
        this.relayStats = relayStats;
    }

    /**
     * Forwards {@code downstream} (auto-read off, an {@code InboundHold} in its pipeline) to
     * {@code destination}.
     */
    void forward(Channel downstream, InetSocketAddress destination, Progress progress) {
        Route route = context.router().route(context.state().snapshot(), pod, destination);
        InetSocketAddress source = (InetSocketAddress) downstream.remoteAddress();
        ConnectionTelemetry.Tracked tracked = context.telemetry().open(Reporter.SOURCE, source, sourcePeer(pod, route),
                destination, route instanceof Route.Hbone h ? Optional.of(h.hboneAddress()) : Optional.empty(),
                route.service().map(ServiceDescription::of), destinationPeer(route), route instanceof Route.Hbone);
        switch (route) {
            case Route.Hbone hbone -> tunnel(downstream, source, hbone, tracked, progress);
            case Route.Passthrough pass -> passthrough(downstream, pass, tracked, progress);
            case Route.Unreachable none -> {
                log.debug("{} -> {}: {}", source, destination, none.reason());
                tracked.fail("UH", none.reason()); // Envoy's "no healthy upstream"
                progress.failed(Failure.UNREACHABLE, none.reason());
            }
        }
    }

    private void tunnel(Channel downstream, InetSocketAddress source, Route.Hbone route,
            ConnectionTelemetry.Tracked tracked, Progress progress) {
        HboneHeaders headers = route.service()
                .map(s -> HboneHeaders.forwardedFor(source, s.hostname()))
                .orElseGet(() -> HboneHeaders.forwardedFor(source));
        HboneKey key = new HboneKey(pod.identity(), route.identity(), route.hboneAddress());
        context.certificates().await(pod.identity())
                .exceptionally(e -> {
                    throw new NoCertificateException(pod.identity(), e);
                })
                .thenCompose(material -> pool.open(key, route.authority(), headers, downstream.eventLoop()))
                .whenComplete((tunnel, error) -> {
                    if (error != null) {
                        Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                                ? error.getCause() : error;
                        String flags = TunnelFailure.responseFlags(cause);
                        boolean denied = flags.equals(ResponseFlags.DENY);
                        tracked.fail(flags, cause.getMessage());
                        downstream.eventLoop().execute(() -> {
                            if (downstream.isActive()) {
                                progress.failed(denied ? Failure.DENIED : Failure.REFUSED, cause.getMessage());
                            }
                        });
                        return;
                    }
                    // Checked on the client's own event loop: from here it cannot close before the relay is bound.
                    downstream.eventLoop().execute(() -> {
                        if (!downstream.isActive()) {
                            tunnel.close(); // the client gave up while the tunnel was being opened
                            tracked.fail("DC", "client closed before the tunnel was up"); // Envoy: downstream connection termination
                            return;
                        }
                        progress.ready((InetSocketAddress) downstream.localAddress());
                        Relay relay = tunnel.relay(downstream, context.settings().idleTimeout(), relayStats);
                        tracked.follow(() -> {
                            var p = relay.progress();
                            return new ConnectionTelemetry.Bytes(p.fromFirst(), p.fromSecond());
                        });
                        relay.done().thenAccept(r -> tracked.finish(r.fromFirst(), r.fromSecond(),
                                ConnectionTelemetry.NO_FLAGS, r.error()));
                    });
                });
    }

    private void passthrough(Channel downstream, Route.Passthrough route, ConnectionTelemetry.Tracked tracked,
            Progress progress) {
        Future<Channel> connect = upstream.connect(downstream.eventLoop(), route.target());
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                tracked.fail("CONNECT", "passthrough to " + route.target() + " failed: " + f.cause().getMessage());
                if (downstream.isActive()) {
                    progress.failed(Failure.REFUSED, f.cause().getMessage());
                }
                return;
            }
            if (!downstream.isActive()) {
                connect.getNow().close();
                tracked.fail("DC", "client closed before the upstream was connected");
                return;
            }
            progress.ready((InetSocketAddress) connect.getNow().localAddress());
            TcpRelay relay = TcpRelay.bind(downstream, connect.getNow(), context.settings().idleTimeout());
            tracked.follow(() -> {
                var p = relay.progress();
                return new ConnectionTelemetry.Bytes(p.fromFirst(), p.fromSecond());
            });
            relay.done().thenAccept(r -> tracked.finish(r.fromFirst(), r.fromSecond(), ConnectionTelemetry.NO_FLAGS, r.error()));
        });
    }

    /**
     * The source as ztunnel labels it: its workload always, its identity ({@code source_principal})
     * only when the connection goes over mutual TLS (ztunnel's outbound {@code DerivedWorkload}).
     */
    static Peer sourcePeer(Workload pod, Route route) {
        return route instanceof Route.Hbone ? Peer.of(pod.proto()) : new Peer(Optional.of(pod.proto()), Optional.empty());
    }

    /** The destination as ztunnel labels it: a known workload with its identity, mutual TLS or not (ztunnel's with_destination). */
    static Peer destinationPeer(Route route) {
        return switch (route) {
            case Route.Hbone h -> new Peer(Optional.of(h.destination().proto()), Optional.of(h.identity().toString()));
            case Route.Passthrough p -> p.destination().map(w -> Peer.of(w.proto())).orElse(Peer.UNKNOWN);
            case Route.Unreachable u -> Peer.UNKNOWN;
        };
    }

    /** A reset, not a FIN: the client must not mistake a failed connection for an empty answer. */
    static void reset(Channel channel) {
        if (channel.isActive()) {
            channel.config().setOption(ChannelOption.SO_LINGER, 0);
        }
        channel.close();
    }
}
