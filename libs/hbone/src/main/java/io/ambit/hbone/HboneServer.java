package io.ambit.hbone;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelOption;
import io.netty.channel.ServerChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.GlobalEventExecutor;

/**
 * The HBONE server (ztunnel's inbound listener on 15008, and the waypoint's): mutual TLS 1.3 with
 * ALPN {@code h2}, then one CONNECT tunnel per HTTP/2 stream. Start with {@link #builder}; stop
 * with {@link #drain} (as ztunnel drains on shutdown: no new connections, GOAWAY to every client,
 * open tunnels finish up to a deadline) or {@link #close()} (everything ends now).
 */
public final class HboneServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HboneServer.class);

    /** Everything a connection's pipeline needs, fixed when the server starts. */
    record Config(Supplier<SslContext> tls, TargetPolicy targetPolicy, Authorizer authorizer,
            UpstreamConnector upstream, HboneSettings settings, RelayStats relayStats, TunnelObserver observer,
            TunnelTerminator terminator) {
        Config {
            Objects.requireNonNull(observer, "observer");
            Objects.requireNonNull(tls, "tls");
            Objects.requireNonNull(targetPolicy, "targetPolicy");
            Objects.requireNonNull(authorizer, "authorizer");
            Objects.requireNonNull(upstream, "upstream");
            Objects.requireNonNull(settings, "settings");
            Objects.requireNonNull(relayStats, "relayStats");
        }
    }

    private final Channel listener;
    private final ChannelGroup connections;

    private HboneServer(Channel listener, ChannelGroup connections) {
        this.listener = listener;
        this.connections = connections;
    }

    /**
     * @param tls the server context for each new connection: {@code MeshTls.server(...)} with a
     *            PeerPolicy for the trust domain, or {@code ReloadableSslContext::current} so that
     *            a rotated certificate applies to the next handshake
     */
    public static Builder builder(Transport transport, Supplier<SslContext> tls) {
        return new Builder(transport, tls);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    /**
     * Stops accepting, then sends GOAWAY(NO_ERROR) on every connection, naming the last stream the
     * client opened (RFC 9113 §6.8): the client opens its next tunnels elsewhere, and those already
     * open go on. Each connection closes once its last stream ended, or at {@code deadline},
     * whichever comes first. Completes when every connection is closed.
     */
    public CompletableFuture<Void> drain(Duration deadline) {
        if (deadline.isNegative()) {
            throw new IllegalArgumentException("the drain deadline must not be negative: " + deadline);
        }
        listener.close().syncUninterruptibly();
        List<CompletableFuture<Void>> closed = new ArrayList<>();
        for (Channel connection : connections) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            connection.closeFuture().addListener(f -> done.complete(null));
            closed.add(done);
            connection.eventLoop().execute(() -> {
                if (connection.pipeline().get(Http2FrameCodec.class) instanceof Http2FrameCodec codec) {
                    // Netty's codec answers close() with GOAWAY and waits for the open streams, up to this.
                    codec.gracefulShutdownTimeoutMillis(deadline.toMillis());
                }
                connection.close(); // still in the TLS handshake: no stream to wait for
            });
        }
        log.info("HBONE server on {} draining {} connection(s), deadline {}", listener.localAddress(), closed.size(), deadline);
        return CompletableFuture.allOf(closed.toArray(CompletableFuture[]::new));
    }

    /** Stops accepting and closes every connection now (no drain deadline). */
    @Override
    public void close() {
        drain(Duration.ZERO).join();
    }

    public static final class Builder {
        private final Transport transport;
        private final Supplier<SslContext> tls;
        private InetSocketAddress bind = new InetSocketAddress("127.0.0.1", 0);
        private TargetPolicy targetPolicy;
        private Authorizer authorizer = Authorizer.allowAll();
        private UpstreamConnector upstream;
        private HboneSettings settings = HboneSettings.serverDefaults();
        private RelayStats relayStats = new RelayStats();
        private TunnelObserver observer = TunnelObserver.NONE;
        private ChannelFactory<? extends ServerChannel> channelFactory;
        private TunnelTerminator terminator;

        private Builder(Transport transport, Supplier<SslContext> tls) {
            this.transport = Objects.requireNonNull(transport, "transport");
            this.tls = Objects.requireNonNull(tls, "tls");
        }

        public Builder bind(InetSocketAddress address) {
            this.bind = address;
            return this;
        }

        /** Required: there is no safe default for which targets a server reaches. */
        public Builder targetPolicy(TargetPolicy policy) {
            this.targetPolicy = policy;
            return this;
        }

        public Builder authorizer(Authorizer authorizer) {
            this.authorizer = authorizer;
            return this;
        }

        public Builder upstream(UpstreamConnector connector) {
            this.upstream = connector;
            return this;
        }

        public Builder settings(HboneSettings settings) {
            this.settings = settings;
            return this;
        }

        public Builder relayStats(RelayStats stats) {
            this.relayStats = stats;
            return this;
        }

        /** Told of every refusal and every tunnel (metrics, access logs, closing tunnels on policy change). */
        public Builder observer(TunnelObserver observer) {
            this.observer = Objects.requireNonNull(observer, "observer");
            return this;
        }

        /**
         * Where the listening socket is made: by default the transport's server channel; ztunnel's
         * in-pod mode passes a factory that creates it inside the pod's network namespace.
         */
        public Builder channelFactory(ChannelFactory<? extends ServerChannel> factory) {
            this.channelFactory = factory;
            return this;
        }

        /**
         * Terminates accepted tunnels in process (the waypoint) instead of connecting to their
         * target: no upstream connect is made and no {@link Relay} is bound.
         */
        public Builder terminator(TunnelTerminator terminator) {
            this.terminator = terminator;
            return this;
        }

        /** Binds now, so a port conflict fails the caller's start-up rather than a later connection. */
        public HboneServer start() {
            if (targetPolicy == null) {
                throw new IllegalStateException("an HBONE server needs a TargetPolicy (e.g. the local pods' IPs)");
            }
            UpstreamConnector connector = upstream != null ? upstream
                    : new TcpUpstreamConnector(transport, settings.connectTimeout());
            Config config = new Config(tls, targetPolicy, authorizer, connector, settings, relayStats, observer, terminator);
            ChannelGroup connections = new DefaultChannelGroup("hbone-server", GlobalEventExecutor.INSTANCE);
            ServerBootstrap bootstrap = new ServerBootstrap().group(transport.acceptors(), transport.group());
            if (channelFactory != null) {
                bootstrap.channelFactory(channelFactory);
            } else {
                bootstrap.channel(transport.serverChannel());
            }
            Channel listener = bootstrap
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new HboneServerInitializer(config, connections))
                    .bind(bind)
                    .syncUninterruptibly()
                    .channel();
            log.info("HBONE server listening on {}", listener.localAddress());
            return new HboneServer(listener, connections);
        }
    }
}
