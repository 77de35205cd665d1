package io.ambit.xds.api;

import java.net.InetSocketAddress;

import io.ambit.tls.AesGcmOnly;
import io.ambit.tls.PeerPolicy;
import io.ambit.tls.ReloadableSslContext;
import io.ambit.xds.identity.ServingIdentity;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import reactor.netty.DisposableServer;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.server.HttpServer;

/**
 * The xds-server's HTTP API for the other control-plane services, over mutual TLS 1.3 with the
 * server's own SVID ({@code ambit.xds.mesh-http.port}, off unless set): the same controllers and
 * the same access rules as the plain port, but the caller is its verified client certificate, so
 * ca-service asks {@code GET /store/pods} as {@code spiffe://…/sa/ca-service} with no token at all.
 * Clients must hold an SVID of the trust domain (checked in the handshake, as on the ADS port);
 * which of them may call what is the access table's business. HTTP/2 only (ALPN {@code h2}, as
 * every mesh TLS context here). Opens once the first certificate is there; a renewal applies to
 * the next handshake.
 */
public final class MeshHttpServer implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(MeshHttpServer.class);

    private final InetSocketAddress address;
    private final ServingIdentity identity;
    private final HttpHandler handler;
    private final String trustDomain;
    private ReloadableSslContext tls;
    private DisposableServer server;
    private boolean running;

    public MeshHttpServer(InetSocketAddress address, ServingIdentity identity, HttpHandler handler, String trustDomain) {
        this.address = address;
        this.identity = identity;
        this.handler = handler;
        this.trustDomain = trustDomain;
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
            return;
        }
        tls = ReloadableSslContext.server(material, PeerPolicy.anyInTrustDomain(trustDomain));
        server = HttpServer.create()
                .bindAddress(() -> address)
                .protocol(HttpProtocol.H2)
                .secure(spec -> spec.sslContext(tls.asSslContext()))
                // BoringSSL keeps ChaCha20 on in TLS 1.3 whatever the context says: refuse it right behind the TLS handler
                .doOnChannelInit((observer, channel, remote) -> {
                    ChannelPipeline pipeline = channel.pipeline();
                    if (pipeline.get(SslHandler.class) != null) {
                        pipeline.addAfter(pipeline.context(SslHandler.class).name(), "ambitAesGcmOnly", new AesGcmOnly());
                    }
                })
                .handle(new ReactorHttpHandlerAdapter(handler))
                .bindNow();
        log.info("HTTP API for control-plane services (mutual TLS as {}) listening on {}", material.svid().id(), server.address());
    }

    /** The bound port, once listening (useful when configured as 0); -1 before. */
    public synchronized int port() {
        return server == null ? -1 : ((InetSocketAddress) server.address()).getPort();
    }

    @Override
    public synchronized void stop() {
        running = false;
        if (server != null) {
            server.disposeNow();
            server = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return running;
    }
}
