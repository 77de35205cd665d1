package io.ambit.tls;

import java.time.Clock;
import java.util.List;

import javax.net.ssl.SSLException;

import io.ambit.identity.Svid;
import io.ambit.identity.SvidValidationException;
import io.ambit.identity.SvidValidator;
import io.ambit.identity.TrustBundle;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;

/**
 * Netty {@link SslContext}s for the mesh, as HBONE requires them: BoringSSL through
 * netty-tcnative, TLS 1.3 only, AES-GCM suites, ALPN {@code h2}, the client's certificate required,
 * and the peer's chain and SPIFFE ID checked during the handshake. There is no fallback to the
 * JDK's TLS: if BoringSSL does not load, building a context fails and says why. BoringSSL cannot
 * switch ChaCha20 off in TLS 1.3, so pipelines put {@link AesGcmOnly} behind the SslHandler.
 */
public final class MeshTls {

    public static final String TLS_13 = "TLSv1.3";
    /** The TLS 1.3 suites the mesh accepts: AES-GCM only. */
    public static final List<String> CIPHERS = List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384");

    private static final ApplicationProtocolConfig ALPN_H2 = new ApplicationProtocolConfig(
            ApplicationProtocolConfig.Protocol.ALPN,
            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
            ApplicationProtocolNames.HTTP_2);

    private MeshTls() {
    }

    /** Fails with the reason BoringSSL did not load, instead of silently using the JDK's TLS. */
    public static void requireBoringSsl() {
        if (!OpenSsl.isAvailable()) {
            throw new TlsSetupException("BoringSSL (netty-tcnative) is not available on this machine; "
                    + "Ambit does not fall back to the JDK's TLS", OpenSsl.unavailabilityCause());
        }
    }

    public static SslContext server(Svid svid, TrustBundle bundle, PeerPolicy clients) {
        return server(svid, bundle, clients, Clock.systemUTC());
    }

    public static SslContext server(Svid svid, TrustBundle bundle, PeerPolicy clients, Clock clock) {
        return server(svid, bundle, clients, ClientAuth.REQUIRE, clock);
    }

    /**
     * A server that may also accept clients without a certificate ({@link ClientAuth#OPTIONAL}):
     * the CA, for callers that authenticate with a token because they hold no SVID yet, and the
     * xDS server's ADS port in Kubernetes mode, for Istio's ztunnel (bearer token, no certificate).
     * A certificate that is presented is still checked in full.
     */
    public static SslContext server(Svid svid, TrustBundle bundle, PeerPolicy clients, ClientAuth clientAuth,
            Clock clock) {
        requireBoringSsl();
        requireOwnSvidValid(svid, bundle, clock);
        try {
            return configure(SslContextBuilder.forServer(svid.key(), svid.chain()), bundle, clients, clock)
                    .clientAuth(clientAuth)
                    .build();
        } catch (SSLException e) {
            throw new TlsSetupException("cannot build the server TLS context for " + svid.id(), e);
        }
    }

    public static SslContext client(Svid svid, TrustBundle bundle, PeerPolicy servers) {
        return client(svid, bundle, servers, Clock.systemUTC());
    }

    public static SslContext client(Svid svid, TrustBundle bundle, PeerPolicy servers, Clock clock) {
        requireBoringSsl();
        requireOwnSvidValid(svid, bundle, clock);
        try {
            return withoutResumption(configure(SslContextBuilder.forClient().keyManager(svid.key(), svid.chain()), bundle,
                    servers, clock)
                    // Peers are named by SPIFFE ID, not host name: the trust manager checks identity.
                    .endpointIdentificationAlgorithm(null)
                    .build());
        } catch (SSLException e) {
            throw new TlsSetupException("cannot build the client TLS context for " + svid.id(), e);
        }
    }

    /**
     * No client session cache, so no TLS resumption: every connection is a full handshake that checks the
     * peer's chain and SPIFFE ID, as Istio's ztunnel does ({@code cc.resumption = Resumption::disabled()} in
     * {@code outbound_connector}, istio/ztunnel {@code src/tls/certificate.rs}). It also saves memory: with
     * the cache on, Netty kept both session tickets of every HBONE connection (two native SSL_SESSIONs keyed
     * by host and port), about 5 KiB per idle connection in jemalloc's profile (issue 12, bench/README.md).
     */
    private static SslContext withoutResumption(SslContext context) {
        if (context.sessionContext() instanceof OpenSslSessionContext sessions) {
            sessions.setSessionCacheEnabled(false);
        }
        return context;
    }

    /**
     * Our own certificate must pass the check our peers will apply; failing here, at build or
     * reload time, names the problem instead of every peer refusing us later.
     */
    private static void requireOwnSvidValid(Svid svid, TrustBundle bundle, Clock clock) {
        try {
            SvidValidator.validate(svid.chain(), bundle, clock.instant());
        } catch (SvidValidationException e) {
            throw new TlsSetupException("refusing to use our own certificate for " + svid.id()
                    + " (" + e.reason() + "): " + e.getMessage(), e);
        }
    }

    /**
     * A client with no certificate of its own, for the one call made before a workload has an
     * SVID: asking the CA for it. The server is still checked against the bundle and policy.
     */
    public static SslContext bootstrapClient(TrustBundle bundle, PeerPolicy servers) {
        requireBoringSsl();
        try {
            return configure(SslContextBuilder.forClient(), bundle, servers, Clock.systemUTC())
                    .endpointIdentificationAlgorithm(null)
                    .build();
        } catch (SSLException e) {
            throw new TlsSetupException("cannot build the bootstrap client TLS context", e);
        }
    }

    private static SslContextBuilder configure(SslContextBuilder builder, TrustBundle bundle, PeerPolicy peers,
            Clock clock) {
        return builder.sslProvider(SslProvider.OPENSSL)
                .protocols(TLS_13)
                .ciphers(CIPHERS)
                .applicationProtocolConfig(ALPN_H2)
                .trustManager(new SpiffeTrustManager(bundle, peers, clock));
    }
}
