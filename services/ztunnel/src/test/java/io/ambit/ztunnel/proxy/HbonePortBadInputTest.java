package io.ambit.ztunnel.proxy;

import static io.ambit.ztunnel.proxy.HboneProxyTest.roundTrip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.ambit.hbone.Transport;
import io.ambit.identity.SpiffeId;
import io.ambit.proto.security.Action;
import io.ambit.proto.security.Authorization;
import io.ambit.proto.security.Clause;
import io.ambit.proto.security.Match;
import io.ambit.proto.security.Rule;
import io.ambit.proto.security.Scope;
import io.ambit.identity.Svid;
import io.ambit.testkit.IssuedCertificate;
import io.ambit.testkit.TestCa;
import io.ambit.tls.MeshTls;
import io.ambit.tls.PeerPolicy;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;

/**
 * What the echo pod's HBONE port (node-b's 15008) does with clients that are not a well-behaved
 * ztunnel: handshakes without a valid mesh identity, bytes that are not TLS or not a CONNECT to
 * this pod, header blocks that are too big, a client that vanishes mid-handshake, an identity
 * policy denies. Each is refused with its status or a close, is counted in
 * {@code istio_tcp_connections_failed} with ztunnel's {@code response_flags} (TLS_FAILURE for a
 * failed handshake, H2_HANDSHAKE_FAILURE for broken HTTP/2, DENY for policy; DPE, Envoy's flag, for
 * a malformed or misdirected CONNECT), and leaves the pod's ztunnel serving the next real client.
 */
class HbonePortBadInputTest {

    private static final SpiffeId SLEEP = SpiffeId.parse("spiffe://cluster.local/ns/demo/sa/sleep");
    private static final SpiffeId ECHO = SpiffeId.parse("spiffe://cluster.local/ns/demo/sa/echo");

    TwoNodes nodes;
    /** Hostile clients get their own event loop, away from both ztunnels'. */
    Transport hostile;

    @BeforeEach
    void start() throws IOException {
        nodes = new TwoNodes();
        hostile = Transport.nio(1);
    }

    @AfterEach
    void stop() throws Exception {
        hostile.close();
        nodes.close();
    }

    @Test
    void aClientWithoutCertificateIsClosedAndCountedAsProtocolError() {
        RawHboneClient client = RawHboneClient.tlsOnly(hostile, hbonePort(), RawHboneClient.clientTls(null, null));

        awaitClosed(client);
        awaitFailures("TLS_FAILURE", 1);
        assertStillServes();
    }

    @Test
    void aCertificateFromAnotherTrustDomainIsRefusedInTheHandshake() {
        IssuedCertificate other = TestCa.newRoot("other.domain").issue("spiffe://other.domain/ns/demo/sa/sleep");
        RawHboneClient client = RawHboneClient.tlsOnly(hostile, hbonePort(),
                RawHboneClient.clientTls(other.privateKey(), other.chain()));

        awaitClosed(client);
        awaitFailures("TLS_FAILURE", 1);
        assertStillServes();
    }

    /** The mesh's own identity, signed by a CA the mesh does not trust: a forgery. */
    @Test
    void aMeshIdentityFromAnUntrustedCaIsRefusedInTheHandshake() {
        IssuedCertificate forged = TestCa.newRoot("cluster.local").issue(SLEEP.toString());
        RawHboneClient client = RawHboneClient.tlsOnly(hostile, hbonePort(),
                RawHboneClient.clientTls(forged.privateKey(), forged.chain()));

        awaitClosed(client);
        awaitFailures("TLS_FAILURE", 1);
        assertStillServes();
    }

    @Test
    void aCertificateWithTwoSpiffeIdsIsRefusedInTheHandshake() {
        IssuedCertificate twoIds = TwoNodes.CA.leaf(SLEEP.toString(), "spiffe://cluster.local/ns/demo/sa/admin").issue();
        RawHboneClient client = RawHboneClient.tlsOnly(hostile, hbonePort(),
                RawHboneClient.clientTls(twoIds.privateKey(), twoIds.chain()));

        awaitClosed(client);
        awaitFailures("TLS_FAILURE", 1);
        assertStillServes();
    }

    @Test
    void plainTextOnTheHbonePortIsClosed() throws IOException {
        try (Socket socket = new Socket()) {
            socket.setSoTimeout(10_000);
            socket.connect(hbonePort());
            socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: echo\r\n\r\n".getBytes(StandardCharsets.US_ASCII));

            assertThat(readsToTheEnd(socket.getInputStream())).isTrue();
        }
        awaitFailures("TLS_FAILURE", 1);
        assertStillServes();
    }

    @Test
    void aMethodOtherThanConnectIs400() {
        try (RawHboneClient client = meshClient(true)) {
            String outcome = client.request(new DefaultHttp2Headers().method("GET").scheme("https").path("/")
                    .authority(TwoNodes.ECHO_IP + ":" + nodes.echo.port())).join();

            assertThat(outcome).isEqualTo(":status 400");
        }
        awaitFailures("DPE", 1);
        assertStillServes();
    }

    @Test
    void aConnectToAnythingButThisPodIs400() {
        try (RawHboneClient client = meshClient(true)) {
            // Another pod's IP, the service VIP (only a waypoint takes those), and a host name.
            for (String authority : new String[] {TwoNodes.SLEEP_IP + ":" + nodes.echo.port(), "10.96.0.10:80",
                    "echo.demo.svc.cluster.local:80"}) {
                assertThat(client.request(connect(authority)).join()).as(authority).isEqualTo(":status 400");
            }
            // The connection itself stays usable: a refused stream is not a broken connection.
            assertThat(client.request(connect(TwoNodes.ECHO_IP + ":" + nodes.echo.port())).join()).isEqualTo(":status 200");
        }
        awaitFailures("DPE", 3);
        assertThat(nodes.echo.peers()).hasSize(1);
        assertStillServes();
    }

    @Test
    void bytesThatAreNotHttp2AfterTheHandshakeAreCounted() {
        try (RawHboneClient client = meshClient(false)) {
            client.writeRaw("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\nthis is not an HTTP/2 frame at all......."
                    .getBytes(StandardCharsets.US_ASCII));

            awaitClosed(client);
        }
        awaitFailures("H2_HANDSHAKE_FAILURE", 1);
        assertStillServes();
    }

    /** A mesh identity that policy denies, talking HBONE directly rather than through its ztunnel: 401. */
    @Test
    void aConnectFromAnIdentityPolicyDeniesIs401AndCountedAsDeny() {
        nodes.policy(Authorization.newBuilder().setNamespace("demo").setName("deny-intruder").setScope(Scope.NAMESPACE)
                .setAction(Action.DENY).addRules(Rule.newBuilder().addClauses(Clause.newBuilder().addMatches(
                        Match.newBuilder().addPrincipals(HboneProxyTest.exact("cluster.local/ns/demo/sa/intruder")))))
                .build());
        Svid intruder = TwoNodes.issue(SpiffeId.parse("spiffe://cluster.local/ns/demo/sa/intruder"), Duration.ofHours(1));
        try (RawHboneClient client = RawHboneClient.http2(hostile, hbonePort(),
                MeshTls.client(intruder, TwoNodes.BUNDLE, PeerPolicy.exactly(ECHO)))) {
            client.handshake().join();

            assertThat(client.request(connect(TwoNodes.ECHO_IP + ":" + nodes.echo.port())).join()).isEqualTo(":status 401");
        }
        awaitFailures("DENY", 1);
        assertThat(failures("DPE")).isZero();
        assertThat(nodes.echo.peers()).isEmpty();
        assertStillServes();
    }

    /**
     * Over SETTINGS_MAX_HEADER_LIST_SIZE (64 KiB) the stream is refused (431 or a reset); far over
     * it the connection goes (GOAWAY), so the server never decodes a huge block. Only the second
     * is counted: Netty's codec settles the first before any stream exists that ztunnel could see.
     */
    @Test
    void oversizedHeadersAreRefusedAndTheBrokenConnectionIsCounted() {
        try (RawHboneClient client = meshClient(true)) {
            String slightlyOver = client.request(connectWithPadding(70 * 1024)).join();
            String huge = client.request(connectWithPadding(256 * 1024)).join();

            assertThat(slightlyOver).isIn(":status 431", "reset 1");
            assertThat(huge).isEqualTo("closed");
            awaitClosed(client);
        }
        awaitFailures("H2_HANDSHAKE_FAILURE", 1);
        assertThat(nodes.echo.peers()).isEmpty();
        assertStillServes();
    }

    /** A real ClientHello, the server's first flight read, then a reset instead of the client's Finished. */
    @Test
    void aResetInTheMiddleOfTheHandshakeIsCounted() throws Exception {
        try (Socket socket = new Socket()) {
            socket.setSoTimeout(10_000);
            socket.connect(hbonePort());
            socket.getOutputStream().write(RawHboneClient.clientHello());
            byte[] serverHello = new byte[5];
            socket.getInputStream().readNBytes(serverHello, 0, 5);
            assertThat(serverHello[0]).as("a TLS handshake record").isEqualTo((byte) 22);
            socket.setSoLinger(true, 0);
        }
        awaitFailures("TLS_FAILURE", 1);
        assertStillServes();
    }

    // ---- helpers

    private InetSocketAddress hbonePort() {
        return nodes.b.proxy.hboneAddress();
    }

    /** A client with the sleep pod's real certificate: past TLS, it is the requests that are bad. */
    private RawHboneClient meshClient(boolean http2) {
        Svid sleep = TwoNodes.issue(SLEEP, Duration.ofHours(1));
        var tls = MeshTls.client(sleep, TwoNodes.BUNDLE, PeerPolicy.exactly(ECHO));
        RawHboneClient client = http2 ? RawHboneClient.http2(hostile, hbonePort(), tls)
                : RawHboneClient.tlsOnly(hostile, hbonePort(), tls);
        client.handshake().join();
        return client;
    }

    private static Http2Headers connect(String authority) {
        return new DefaultHttp2Headers().method("CONNECT").authority(authority);
    }

    private Http2Headers connectWithPadding(int bytes) {
        return connect(TwoNodes.ECHO_IP + ":" + nodes.echo.port()).add("x-padding", "a".repeat(bytes));
    }

    private double failures(String flags) {
        return nodes.b.counter("istio_tcp_connections_failed", "reporter", "destination", "response_flags", flags);
    }

    private void awaitFailures(String flags, int count) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(failures(flags)).isEqualTo(count));
    }

    private static void awaitClosed(RawHboneClient client) {
        await().atMost(Duration.ofSeconds(10)).until(() -> !client.channel().isActive());
    }

    /** The peer ends the connection (FIN or reset) instead of leaving it hanging; whatever it sent first is skipped. */
    private static boolean readsToTheEnd(InputStream in) throws IOException {
        try {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return true;
        } catch (SocketException reset) {
            return true;
        }
    }

    private void assertStillServes() {
        try (Socket socket = Socks5Client.connect(nodes.socks(), nodes.echoDirect())) {
            assertThat(roundTrip(socket, "still serving")).isEqualTo("still serving");
        } catch (IOException e) {
            throw new AssertionError("the mesh no longer serves a normal connection", e);
        }
    }
}
