package io.ambit.ztunnel.proxy;

import static io.ambit.ztunnel.proxy.HboneProxyTest.roundTrip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.math.BigInteger;
import java.net.Socket;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.ambit.hbone.Transport;
import io.ambit.identity.SpiffeId;
import io.ambit.identity.Svid;
import io.ambit.tls.MeshTls;
import io.ambit.tls.PeerPolicy;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.ssl.SslHandler;

/**
 * Certificates rotate under live traffic: with 6-second certificates (renewed at half-life) a
 * tunnel keeps carrying bytes while both pods' certificates are replaced and the ones its HBONE
 * connection was made with expire; afterwards it still works, a new connection works, and a new
 * handshake with node-b is made with the renewed certificates on both sides.
 */
class CertificateRotationTest {

    private static final SpiffeId SLEEP = SpiffeId.parse("spiffe://cluster.local/ns/demo/sa/sleep");
    private static final SpiffeId ECHO = SpiffeId.parse("spiffe://cluster.local/ns/demo/sa/echo");

    TwoNodes nodes;

    @BeforeEach
    void start() throws IOException {
        nodes = new TwoNodes(Duration.ofSeconds(6));
    }

    @AfterEach
    void stop() throws Exception {
        nodes.close();
    }

    @Test
    void anOpenTunnelOutlivesBothPodsCertificatesAndNewConnectionsUseTheRenewedOnes() throws Exception {
        Svid sleepFirst = nodes.a.certificates.current(SLEEP).orElseThrow();
        Svid echoFirst = nodes.b.certificates.current(ECHO).orElseThrow();
        Instant bothExpired = later(sleepFirst.notAfter(), echoFirst.notAfter());

        try (Socket tunnel = Socks5Client.connect(nodes.socks(), nodes.echoDirect())) {
            AtomicInteger tick = new AtomicInteger();
            // Bytes cross the same tunnel all along; an I/O error ends the test at once.
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
                String message = "tick " + tick.incrementAndGet();
                assertThat(roundTrip(tunnel, message)).isEqualTo(message);
                assertThat(serial(nodes.a, SLEEP)).isNotEqualTo(sleepFirst.leaf().getSerialNumber());
                assertThat(serial(nodes.b, ECHO)).isNotEqualTo(echoFirst.leaf().getSerialNumber());
                assertThat(Instant.now()).as("the first certificates have expired").isAfter(bothExpired);
            });

            assertThat(roundTrip(tunnel, "after the rotation")).isEqualTo("after the rotation");
        }
        try (Socket fresh = Socks5Client.connect(nodes.socks(), nodes.echoDirect())) {
            assertThat(roundTrip(fresh, "a new connection")).isEqualTo("a new connection");
        }
        assertThat(nodes.b.counter("istio_tcp_connections_failed")).isZero();
        assertThat(nodes.a.counter("istio_tcp_connections_failed")).isZero();

        // A new handshake: the sleep pod's current certificate is accepted, and node-b presents echo's current one.
        // Current when? The certificates live 6 s and renew every 3 s, so on a loaded machine one may renew
        // during the handshake: node-b's certificate is the one current before it or the one after.
        BigInteger echoBefore = serial(nodes.b, ECHO);
        try (Transport client = Transport.nio(1);
             RawHboneClient handshake = RawHboneClient.http2(client, nodes.b.proxy.hboneAddress(), MeshTls.client(
                     nodes.a.certificates.current(SLEEP).orElseThrow(), TwoNodes.BUNDLE, PeerPolicy.exactly(ECHO)))) {
            handshake.handshake().join();
            X509Certificate presented = (X509Certificate) handshake.channel().pipeline().get(SslHandler.class).engine()
                    .getSession().getPeerCertificates()[0];

            assertThat(presented.getSerialNumber()).isIn(echoBefore, serial(nodes.b, ECHO))
                    .isNotEqualTo(echoFirst.leaf().getSerialNumber());
            assertThat(handshake.request(new DefaultHttp2Headers().method("CONNECT")
                    .authority(TwoNodes.ECHO_IP + ":" + nodes.echo.port())).join()).isEqualTo(":status 200");
        }
    }

    private static BigInteger serial(TwoNodes.Node node, SpiffeId id) {
        return node.certificates.current(id).orElseThrow().leaf().getSerialNumber();
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }
}
