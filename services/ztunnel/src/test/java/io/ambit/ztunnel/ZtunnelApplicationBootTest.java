package io.ambit.ztunnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;

import io.ambit.service.MeshServiceContractTest;
import io.ambit.ztunnel.admin.AdminServer;
import io.ambit.ztunnel.telemetry.TelemetryTest;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.boot.test.context.SpringBootTest;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
        properties = {"server.port=0", "management.server.port=0", "ambit.ztunnel.admin-port=0"})
class ZtunnelApplicationBootTest extends MeshServiceContractTest {

    /** Neither a CA nor an xDS server answers here, so ztunnel is live but not ready (it knows no policy yet). */
    @DynamicPropertySource
    static void noControlPlane(DynamicPropertyRegistry registry) throws Exception {
        int closed;
        try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort(); // nothing listens there once closed
        }
        registry.add("ambit.ztunnel.ca-address", () -> "127.0.0.1:" + closed);
        registry.add("ambit.ztunnel.xds-address", () -> "127.0.0.1:" + closed);
        registry.add("ambit.ztunnel.bundle-url", () -> "http://127.0.0.1:" + closed + "/ca/root-cert.pem");
    }

    @Override
    protected boolean readyInThisTest() {
        return false;
    }

    @Test
    void theAdminEndpointRunsWithTheContextOnLoopback() throws Exception {
        AdminServer admin = context.getBean(AdminServer.class);

        assertThat(admin.address().getAddress()).isEqualTo(InetAddress.getByName("127.0.0.1"));
        var certs = get("http://127.0.0.1:" + admin.address().getPort() + "/certs");
        assertThat(certs.statusCode()).isEqualTo(200);
        assertThat(certs.body()).isEqualToIgnoringWhitespace("[]");
    }

    /**
     * Prometheus scrapes ztunnel as it scrapes Istio's: {@code /stats/prometheus} on the management
     * port (15020) answers a TCP series with exactly the label set of Istio's ztunnel (no {@code app}),
     * and the socket gauge.
     */
    @Test
    void istioSeriesCarryExactlyIstiosLabelsOnTheScrapePath() throws Exception {
        var telemetry = context.getBean(io.ambit.ztunnel.proxy.ProxyContext.class).telemetry();
        var tracked = telemetry.open(io.ambit.ztunnel.telemetry.ConnectionLabels.Reporter.SOURCE,
                new java.net.InetSocketAddress("10.244.1.5", 43210), io.ambit.ztunnel.telemetry.Peer.of(TelemetryTest.SLEEP),
                new java.net.InetSocketAddress("10.96.0.10", 80), java.util.Optional.empty(),
                java.util.Optional.of(TelemetryTest.ECHO_SERVICE), io.ambit.ztunnel.telemetry.Peer.of(TelemetryTest.ECHO), true);
        tracked.finish(5, 7, "-", java.util.Optional.empty());

        for (String path : java.util.List.of("/stats/prometheus", "/metrics")) {
            var scrape = get(management(path));
            assertThat(scrape.statusCode()).isEqualTo(200);
            String opened = scrape.body().lines().filter(l -> l.startsWith("istio_tcp_connections_opened_total{")).findFirst().orElseThrow();
            assertThat(TelemetryTest.labelNames(opened)).containsExactlyInAnyOrderElementsOf(TelemetryTest.ISTIO_TCP_LABELS);
            assertThat(scrape.body()).contains("istio_tcp_sockets_open{reporter=\"source\"} 0.0");
            assertThat(scrape.body()).containsPattern("(?m)^jvm_memory_used_bytes\\{.*app=\"ztunnel\"");
        }
        // Every metric the Grafana dashboard queries is in this real scrape.
        var dashboard = io.ambit.service.GrafanaDashboard.load("ambit-ztunnel.json");
        assertThat(dashboard.metrics()).contains("istio_tcp_connections_opened_total", "istio_tcp_sockets_open");
        assertThat(dashboard.missingFrom(get(management("/stats/prometheus")).body())).isEmpty();
    }
}
