package io.ambit.ztunnel.capture;

import static io.ambit.ztunnel.state.Fixtures.addresses;
import static io.ambit.ztunnel.state.Fixtures.ip;
import static io.ambit.ztunnel.state.Fixtures.pod;
import static io.ambit.ztunnel.state.Fixtures.ports;
import static io.ambit.ztunnel.state.Fixtures.resource;
import static io.ambit.ztunnel.state.Fixtures.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.ambit.hbone.Transport;
import io.ambit.identity.SpiffeId;
import io.ambit.identity.Svid;
import io.ambit.identity.TrustBundle;
import io.ambit.testkit.IssuedCertificate;
import io.ambit.testkit.TestCa;
import io.ambit.xdsclient.XdsUpdate;
import io.ambit.ztunnel.identity.WorkloadCertificates;
import io.ambit.ztunnel.proxy.PodCertificates;
import io.ambit.ztunnel.proxy.ProxyContext;
import io.ambit.ztunnel.proxy.ProxyProperties;
import io.ambit.ztunnel.state.StateStore;
import io.ambit.ztunnel.state.XdsStateHandler;
import io.ambit.ztunnel.telemetry.ConnectionTelemetry;
import io.ambit.ztunnel.telemetry.TcpMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * Without root: two ztunnels serve pods whose addresses are loopback addresses on the host, found
 * in their state exactly as in-pod capture finds pods; the application reaches its ztunnel through
 * SOCKS5 at its pod address, and the bytes cross over HBONE with each pod's own certificate.
 */
class HostAttachTest {

    static final TestCa CA = TestCa.newRoot("cluster.local");

    @Test
    void podsAtLoopbackAddressesAreServedThroughSocksAndTalkOverHbone() throws Exception {
        // The pods' fixed ports (HBONE, SOCKS5) are picked free at run time, one pair for both pods.
        int hbone = freePort("127.0.0.32");
        int socks = freePort("127.0.0.31");
        ProxyProperties settings = ProxyProperties.defaults().withPorts(15001, 15006, hbone, socks, false);
        try (Transport transport = Transport.create(2);
             var app = new ServerSocket(0, 50, ip("127.0.0.32"))) {
            Thread.ofPlatform().daemon().start(() -> echoOnce(app));
            XdsUpdate mesh = addresses(resource(pod("demo", "sleep", "node-a", "127.0.0.31").build()),
                    resource(pod("demo", "echo", "node-b", "127.0.0.32")
                            .putServices("demo/echo.demo.svc.cluster.local", ports(80, app.getLocalPort())).build()),
                    resource(service("demo", "echo", "10.96.0.10", 80, app.getLocalPort()).build()));
            try (Node a = new Node("node-a", transport, settings, mesh); Node b = new Node("node-b", transport, settings, mesh)) {
                await().atMost(Duration.ofSeconds(20)).until(() -> a.capture.captured().size() == 1 && b.capture.captured().size() == 1);
                assertThat(a.capture.captured().values()).singleElement()
                        .satisfies(p -> assertThat(p.rules()).isEqualTo("none (SOCKS5)"));
                try (Socket socket = io.ambit.ztunnel.proxy.Socks5Clients.connect(new InetSocketAddress(ip("127.0.0.31"), socks),
                        "echo.demo.svc.cluster.local", 80)) {
                    socket.getOutputStream().write("over hbone".getBytes(StandardCharsets.UTF_8));
                    assertThat(new String(socket.getInputStream().readNBytes(10), StandardCharsets.UTF_8)).isEqualTo("over hbone");
                }
            }
        }
    }

    static void echoOnce(ServerSocket server) {
        try (Socket s = server.accept()) {
            s.getOutputStream().write(s.getInputStream().readNBytes(10));
        } catch (Exception e) {
            // the test fails on its own read
        }
    }

    static int freePort(String address) throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, ip(address))) {
            return s.getLocalPort();
        }
    }

    /** One node's ztunnel serving its pods on the host. */
    static final class Node implements AutoCloseable {
        final WorkloadCertificates certificates = new WorkloadCertificates(id -> () -> issue(id), Clock.systemUTC());
        final CaptureManager capture;

        Node(String name, Transport transport, ProxyProperties settings, XdsUpdate mesh) {
            StateStore state = new StateStore();
            state.addListener(change -> certificates.serve(Set.copyOf(change.current().hboneWorkloadsOnNode(name).stream()
                    .map(io.ambit.ztunnel.state.Workload::identity).toList())));
            ProxyContext context = ProxyContext.create(transport, state,
                    new PodCertificates(certificates, () -> TrustBundle.of("cluster.local", CA.root())),
                    new ConnectionTelemetry(new TcpMetrics(new SimpleMeterRegistry()), Clock.systemUTC()), settings).withSocks();
            capture = new CaptureManager(name, context, new HostAttacher(context, Clock.systemUTC()), Duration.ofMillis(100));
            capture.start();
            new XdsStateHandler(state).apply(mesh);
        }

        static Svid issue(SpiffeId id) {
            Instant now = Instant.now();
            IssuedCertificate c = CA.leaf(id.toString()).validity(now.minusSeconds(1), now.plus(Duration.ofHours(1))).issue();
            return new Svid(id, c.privateKey(), c.chain());
        }

        @Override
        public void close() {
            capture.close();
            certificates.close();
        }
    }
}
