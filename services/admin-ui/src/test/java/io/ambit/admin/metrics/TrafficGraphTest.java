package io.ambit.admin.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.ambit.admin.mesh.MeshSnapshot;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.JsonNodeFactory;

/** Traffic edges from Istio-format series, as the lab's ztunnels report them. */
class TrafficGraphTest {

    private static final MeshSnapshot EMPTY = new MeshSnapshot(Instant.EPOCH, 1, List.of(), List.of(), Map.of(), Map.of(), List.of(),
            JsonNodeFactory.instance.arrayNode(), List.of(), List.of(), Map.of(), List.of());

    private static String series(String reporter, String service) {
        String name = service.equals("unknown") ? "unknown" : service.split("\\.")[0];
        String namespace = service.equals("unknown") ? "unknown" : service.split("\\.")[1];
        return "istio_tcp_connections_opened_total{reporter=\"" + reporter + "\",source_workload=\"sleep\",source_workload_namespace=\"demo\","
                + "destination_workload=\"echo\",destination_workload_namespace=\"demo\",destination_service=\"" + service + "\","
                + "destination_service_name=\"" + name + "\",destination_service_namespace=\"" + namespace + "\","
                + "connection_security_policy=\"mutual_tls\",response_flags=\"-\"} 4\n";
    }

    private static Scraper.Round round(String text) {
        return new Scraper.Round(Instant.EPOCH, List.of(new Scraper.Target("ztunnel", URI.create("http://127.0.0.1/"), null, Instant.EPOCH,
                PrometheusText.parse(text, n -> n.startsWith("istio_")).samples(), null)));
    }

    @Test
    void theEdgeNamesTheServiceTheSourceSawWhenTheDestinationReportsItUnknown() {
        // the destination ztunnel of a direct HBONE connection reports destination_service="unknown"
        TrafficGraph.Graph graph = TrafficGraph.build(EMPTY, round(series("destination", "unknown")
                + series("source", "echo.demo.svc.cluster.local")), null);
        TrafficGraph.Edge edge = graph.edges().stream().filter(e -> e.kind().equals("traffic")).findFirst().orElseThrow();
        assertThat(edge.reporter()).as("the destination's counts are kept").isEqualTo("destination");
        assertThat(edge.service()).isEqualTo("demo/echo");
    }

    @Test
    void aLoneDestinationReportWithoutAServiceStaysWithout() {
        TrafficGraph.Graph graph = TrafficGraph.build(EMPTY, round(series("destination", "unknown")), null);
        assertThat(graph.edges()).singleElement().satisfies(e -> assertThat(e.service()).isEmpty());
    }

    @Test
    void aSeriesThatCountedNothingIsNoFlow() {
        // seen on ./mesh up: a proxy's counters registered at zero with unknown ends drew an "unknown -> unknown" edge
        String zero = "istio_tcp_connections_failed_total{reporter=\"destination\",source_workload=\"unknown\","
                + "source_workload_namespace=\"unknown\",destination_workload=\"unknown\",destination_workload_namespace=\"unknown\","
                + "destination_service=\"unknown\",destination_service_name=\"unknown\",destination_service_namespace=\"unknown\","
                + "connection_security_policy=\"unknown\",response_flags=\"-\"} 0\n";
        TrafficGraph.Graph graph = TrafficGraph.build(EMPTY, round(zero + series("destination", "echo.demo.svc.cluster.local")), null);
        assertThat(graph.edges()).singleElement().satisfies(e -> assertThat(e.source()).isEqualTo("workload:demo/sleep"));
        assertThat(graph.nodes()).noneMatch(n -> n.id().equals("unknown"));
    }

    private static String requests(String code, int count) {
        return "istio_requests_total{reporter=\"waypoint\",source_workload=\"sleep\",source_workload_namespace=\"demo\","
                + "destination_workload=\"echo\",destination_workload_namespace=\"demo\",destination_service_name=\"echo\","
                + "destination_service_namespace=\"demo\",response_code=\"" + code + "\",connection_security_policy=\"mutual_tls\"} "
                + count + "\n";
    }

    private static Scraper.Target target(String name, String waypoint, Instant at, String text) {
        return new Scraper.Target(name, URI.create("http://127.0.0.1/"), waypoint, at, PrometheusText.parse(text, n -> n.startsWith("istio_")).samples(), null);
    }

    @Test
    void aWaypointsRequestsCountOnBothHopsThroughItWithRateAndErrors() {
        Instant t0 = Instant.EPOCH;
        Instant t1 = t0.plusSeconds(2);
        Scraper.Round before = new Scraper.Round(t0, List.of(target("waypoint demo/wp-0", "demo/wp", t0, requests("200", 10) + requests("503", 0))));
        Scraper.Round now = new Scraper.Round(t1, List.of(target("waypoint demo/wp-0", "demo/wp", t1, requests("200", 16) + requests("503", 2))));
        TrafficGraph.Graph graph = TrafficGraph.build(EMPTY, now, before);
        assertThat(graph.edges()).extracting(TrafficGraph.Edge::id)
                .containsExactlyInAnyOrder("workload:demo/sleep>workload:demo/wp", "workload:demo/wp>workload:demo/echo");
        assertThat(graph.edges()).allSatisfy(e -> {
            assertThat(e.requests()).isEqualTo(18);
            assertThat(e.requestRate()).as("8 requests in 2 s").isEqualTo(4.0);
            assertThat(e.errorRate()).as("2 of the 8 answered 503").isEqualTo(0.25);
            assertThat(e.protocol()).isEqualTo("http");
            assertThat(e.service()).isEqualTo("demo/echo");
        });
    }

    @Test
    void requestsFromATargetNotKnownAsAWaypointStayOnTheDirectEdge() {
        Scraper.Round round = new Scraper.Round(Instant.EPOCH, List.of(target("waypoint", null, Instant.EPOCH, requests("200", 5))));
        assertThat(TrafficGraph.build(EMPTY, round, null).edges()).singleElement()
                .satisfies(e -> assertThat(e.id()).isEqualTo("workload:demo/sleep>workload:demo/echo"));
    }
}
