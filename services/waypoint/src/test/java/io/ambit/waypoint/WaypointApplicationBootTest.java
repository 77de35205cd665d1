package io.ambit.waypoint;

import io.ambit.service.MeshServiceContractTest;
import org.springframework.boot.test.context.SpringBootTest;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
        properties = {"server.port=0", "management.server.port=0"})
class WaypointApplicationBootTest extends MeshServiceContractTest {

    /**
     * Prometheus scrapes the waypoint on Istio's path: a request recorded by the waypoint's
     * telemetry shows in {@code /stats/prometheus} without Spring's {@code app} label, and every
     * metric the Grafana dashboard queries is in that real scrape.
     */
    @org.junit.jupiter.api.Test
    void istioRequestSeriesAreOnTheScrapePathAndFeedTheDashboard() throws Exception {
        var telemetry = new io.ambit.waypoint.telemetry.RequestTelemetry(
                context.getBean(io.micrometer.core.instrument.MeterRegistry.class), "Kubernetes");
        telemetry.record(new io.ambit.waypoint.telemetry.RequestRecord(java.time.Instant.now(), "GET", "/", "HTTP/1.1", 200,
                "-", "via_upstream", 10, 200, 3, "10.244.2.7:8080", "outbound|80||echo.demo.svc.cluster.local", "default",
                "echo.demo.svc.cluster.local", "id-1", "curl", java.util.Optional.of(io.ambit.identity.SpiffeId.parse(
                        "spiffe://cluster.local/ns/demo/sa/sleep")), "10.244.1.5:40000", "echo.demo.svc.cluster.local", 1,
                false, ""));

        String scrape = get(management("/stats/prometheus")).body();
        String requests = scrape.lines().filter(l -> l.startsWith("istio_requests_total{")).findFirst().orElseThrow();
        org.assertj.core.api.Assertions.assertThat(requests).contains("reporter=\"waypoint\"", "response_code=\"200\"")
                .doesNotContainPattern("[{,]app=");
        var dashboard = io.ambit.service.GrafanaDashboard.load("ambit-waypoint.json");
        org.assertj.core.api.Assertions.assertThat(dashboard.metrics()).contains("istio_requests_total",
                "istio_request_duration_milliseconds_bucket");
        org.assertj.core.api.Assertions.assertThat(dashboard.missingFrom(scrape)).isEmpty();
    }
}
