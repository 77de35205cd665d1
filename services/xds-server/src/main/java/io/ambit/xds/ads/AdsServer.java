package io.ambit.xds.ads;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

import io.ambit.tls.GrpcServers;
import io.ambit.tls.PeerPolicy;
import io.ambit.tls.ReloadableSslContext;
import io.ambit.tls.ReloadingServerTls;
import io.ambit.xds.identity.ServingIdentity;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.NettyServerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The ADS listener (port 15010; delta and state of the world): grpc-java on Netty, mutual TLS with the server's SVID,
 * client certificates required and accepted from any identity in the trust domain. It opens once
 * the first certificate has arrived from the CA (until then the server is not ready) and takes
 * renewed certificates for new connections without dropping open streams.
 */
public final class AdsServer implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(AdsServer.class);

    private final InetSocketAddress address;
    private final ServingIdentity identity;
    private final AdsService service;
    private final String trustDomain;
    private final int maxMessageBytes;
    private final BearerAuthenticator bearer;
    private final java.util.List<Runnable> servingListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final java.util.List<io.grpc.ServerServiceDefinition> sideServices = new java.util.concurrent.CopyOnWriteArrayList<>();
    private ReloadableSslContext tls;
    private Server server;
    private boolean running;

    public AdsServer(InetSocketAddress address, ServingIdentity identity, AdsService service, String trustDomain, int maxMessageBytes) {
        this(address, identity, service, trustDomain, maxMessageBytes, null);
    }

    /**
     * @param bearer where set, a client may also connect without a certificate and authenticate with
     *               a bearer token (Istio's ztunnel); null: client certificates only
     */
    public AdsServer(InetSocketAddress address, ServingIdentity identity, AdsService service, String trustDomain, int maxMessageBytes,
            BearerAuthenticator bearer) {
        this.bearer = bearer;
        this.address = address;
        this.identity = identity;
        this.service = service;
        this.trustDomain = trustDomain;
        this.maxMessageBytes = maxMessageBytes;
    }

    /**
     * Serves another gRPC service on this port, beside ADS and outside its peer-identity check (the
     * service authenticates its own calls): Istio's clients expect the CA on the xDS address.
     * Call before {@link #start()}.
     */
    public void addService(io.grpc.ServerServiceDefinition service) {
        sideServices.add(service);
    }

    @Override
    public synchronized void start() {
        running = true;
        identity.addListener(this::onKeyMaterial);
    }

    private synchronized void onKeyMaterial(ReloadableSslContext.KeyMaterial material) {
        if (!running) {
            return;
        }
        if (tls != null) {
            tls.update(material);
            log.info("xDS serving certificate renewed: {}", material.svid());
            return;
        }
        PeerPolicy clients = PeerPolicy.anyInTrustDomain(trustDomain);
        // With bearer tokens, a certificate becomes optional in the handshake; one that is presented
        // is still checked in full, and a call without either is refused by PeerIdentityInterceptor.
        tls = bearer == null ? ReloadableSslContext.server(material, clients)
                : ReloadableSslContext.of(material, m -> io.ambit.tls.MeshTls.server(m.svid(), m.bundle(), clients,
                        io.netty.handler.ssl.ClientAuth.OPTIONAL, java.time.Clock.systemUTC()));
        try {
            NettyServerBuilder builder = NettyServerBuilder.forAddress(address, ReloadingServerTls.credentials(tls))
                    .maxInboundMessageSize(maxMessageBytes)
                    .permitKeepAliveTime(10, TimeUnit.SECONDS)
                    .permitKeepAliveWithoutCalls(true)
                    .addService(ServerInterceptors.intercept(service, new PeerIdentityInterceptor(bearer)));
            sideServices.forEach(builder::addService);
            server = builder.build().start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen for xDS on " + address, e);
        }
        log.info("ADS (mutual TLS{} as {}) listening on {}", bearer == null ? "" : ", or TLS with a bearer token,",
                material.svid().id(), server.getListenSockets());
        servingListeners.forEach(Runnable::run);
    }

    /** Called once the listener is open. */
    public void onServing(Runnable listener) {
        servingListeners.add(listener);
    }

    /** True once the listener is open. */
    public synchronized boolean serving() {
        return server != null;
    }

    /** The bound port (useful when configured as 0). */
    public synchronized int port() {
        if (server == null) {
            throw new IllegalStateException("not serving yet: no certificate");
        }
        return GrpcServers.port(server);
    }

    @Override
    public void stop() {
        Server running;
        synchronized (this) {
            this.running = false;
            running = server;
            server = null;
        }
        service.closeAll();
        if (running != null) {
            GrpcServers.stopGracefully(running, java.time.Duration.ofSeconds(5));
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return running;
    }
}
