package io.ambit.bench;

import java.security.cert.X509Certificate;

import javax.net.ssl.SSLException;

import io.ambit.identity.SpiffeId;
import io.ambit.identity.Svid;
import io.ambit.identity.TrustBundle;
import io.ambit.identity.X509Svids;
import io.ambit.testkit.IssuedCertificate;
import io.ambit.testkit.TestCa;
import io.ambit.tls.MeshTls;
import io.ambit.tls.PeerPolicy;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;

/**
 * The three ways a benchmark moves bytes: Ambit's mesh TLS (BoringSSL, SPIFFE checks), the peer
 * (the JDK's TLS 1.3 through the same Netty pipeline, same suites, mutual, standard PKIX checks),
 * and plain TCP (the no-TLS limit).
 */
public enum TlsMode {
    AMBIT_BORINGSSL("Ambit mesh TLS (BoringSSL)"),
    JDK_TLS("peer: JDK TLS 1.3 (SSLEngine)"),
    PLAINTEXT("limit: plain TCP");

    final String label;

    TlsMode(String label) {
        this.label = label;
    }

    /** Server and client contexts for this mode (both null for plain TCP). */
    record Contexts(SslContext server, SslContext client) {
    }

    Contexts contexts() throws SSLException {
        if (this == PLAINTEXT) {
            return new Contexts(null, null);
        }
        TestCa ca = TestCa.newRoot("cluster.local");
        IssuedCertificate server = ca.issue("spiffe://cluster.local/ns/bench/sa/server");
        IssuedCertificate client = ca.issue("spiffe://cluster.local/ns/bench/sa/client");
        if (this == AMBIT_BORINGSSL) {
            TrustBundle bundle = TrustBundle.of("cluster.local", ca.root());
            return new Contexts(
                    MeshTls.server(svid(server), bundle, PeerPolicy.exactly(X509Svids.spiffeIdOf(client.certificate()))),
                    MeshTls.client(svid(client), bundle, PeerPolicy.exactly(SpiffeId.parse("spiffe://cluster.local/ns/bench/sa/server"))));
        }
        return new Contexts(
                SslContextBuilder.forServer(server.privateKey(), server.chain().toArray(X509Certificate[]::new))
                        .sslProvider(SslProvider.JDK).protocols(MeshTls.TLS_13).ciphers(MeshTls.CIPHERS)
                        .clientAuth(ClientAuth.REQUIRE).trustManager(ca.root()).build(),
                SslContextBuilder.forClient()
                        .keyManager(client.privateKey(), client.chain().toArray(X509Certificate[]::new))
                        .sslProvider(SslProvider.JDK).protocols(MeshTls.TLS_13).ciphers(MeshTls.CIPHERS)
                        .trustManager(ca.root()).endpointIdentificationAlgorithm(null).build());
    }

    private static Svid svid(IssuedCertificate issued) {
        return new Svid(X509Svids.spiffeIdOf(issued.certificate()), issued.privateKey(), issued.chain());
    }
}
