package io.ambit.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.sun.net.httpserver.HttpServer;
import io.ambit.service.TestTokens;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A waypoint deployed after admin-ui started (what {@code ./mesh up}'s waypoint deployer does) is
 * found in the store by its pod's Gateway-name label and scraped on its {@code prometheus.io/*}
 * port and path; its {@code reporter="waypoint"} requests show on the graph's two hops through it
 * (sleep → waypoint → shop) with request and error rates, beside the ztunnels' TCP counts. Deleted,
 * it drops out of the scrape. Stand-in: {@link StandInMesh#withWaypoint()} and a real Micrometer
 * registry as the waypoint's Prometheus page.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
        properties = {"server.port=0", "management.server.port=0"})
class WaypointGraphTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String TO_WAYPOINT = "workload:demo/sleep>workload:shop/waypoint";
    private static final String FROM_WAYPOINT = "workload:shop/waypoint>workload:shop/shop";

    private static StandInMesh mesh;
    private static HttpServer waypointPage;
    private static final PrometheusMeterRegistry waypointMetrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws Exception {
        mesh = StandInMesh.withWaypoint();
        waypointPage = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        waypointPage.createContext("/stats/prometheus", exchange -> {
            byte[] body = waypointMetrics.scrape().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        waypointPage.start();
        TestTokens.register(registry);
        registry.add("ambit.admin.xds-url", mesh::url);
        registry.add("ambit.admin.ztunnels[0].node", () -> "node-b");
        registry.add("ambit.admin.ztunnels[0].admin-url", mesh::url);
        registry.add("ambit.admin.ztunnels[0].metrics-url", () -> mesh.url() + "/actuator/prometheus");
        registry.add("ambit.admin.scrape-targets", () -> "");
        // as the lab runs it: the waypoint's process on this machine, its metrics port on loopback
        registry.add("ambit.admin.pod-metrics-host", () -> "127.0.0.1");
        registry.add("ambit.admin.refresh", () -> "300ms");
    }

    @AfterAll
    static void stop() {
        mesh.close();
        waypointPage.stop(0);
    }

    @Autowired
    Environment environment;

    private JsonNode get(String path) throws Exception {
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + environment.getProperty("local.server.port") + path)).timeout(Duration.ofSeconds(20))
                    .header("Authorization", "Bearer " + TestTokens.VIEWER).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            return JSON.readTree(response.body());
        }
    }

    private JsonNode edge(JsonNode graph, String id) {
        for (JsonNode e : graph.path("edges")) {
            if (e.path("id").asString().equals(id)) {
                return e;
            }
        }
        throw new AssertionError("no edge " + id + " in " + graph.path("edges"));
    }

    /** What the ztunnels saw of the two hops: sleep's ztunnel (source; the waypoint has none) and shop's (destination). */
    private static void tcpHops() {
        String[] toWaypoint = tags("source", "sleep", "demo", "waypoint-1", "shop", "waypoint", "shop");
        String[] fromWaypoint = tags("destination", "waypoint-1", "shop", "shop", "shop", "shop", "shop");
        for (String[] t : List.of(toWaypoint, fromWaypoint)) {
            Counter.builder("istio_tcp_connections_opened").tags(t).register(mesh.ztunnelMetrics).increment(2);
            Counter.builder("istio_tcp_received_bytes").tags(t).register(mesh.ztunnelMetrics).increment(500);
        }
    }

    private static String[] tags(String reporter, String source, String sourceNs, String destination, String destinationNs,
            String service, String serviceNs) {
        return List.of("reporter", reporter, "source_workload", source, "source_workload_namespace", sourceNs,
                "destination_workload", destination, "destination_workload_namespace", destinationNs,
                "destination_service", service + "." + serviceNs + ".svc.cluster.local", "destination_service_name", service,
                "destination_service_namespace", serviceNs, "request_protocol", "tcp", "response_flags", "-",
                "connection_security_policy", "mutual_tls").toArray(String[]::new);
    }

    /** {@code ok} answered requests and {@code failed} 503s, as the waypoint's RequestTelemetry labels them. */
    private static void requests(int ok, int failed) {
        for (String code : List.of("200", "503")) {
            Counter.builder("istio_requests_total").tags("reporter", "waypoint", "source_workload", "sleep",
                    "source_workload_namespace", "demo", "source_principal", "spiffe://cluster.local/ns/demo/sa/sleep",
                    "destination_workload", "shop", "destination_workload_namespace", "shop",
                    "destination_service", "shop.shop.svc.cluster.local", "destination_service_name", "shop",
                    "destination_service_namespace", "shop", "request_protocol", "http", "response_code", code,
                    "response_flags", "-", "connection_security_policy", "mutual_tls")
                    .register(waypointMetrics).increment(code.equals("200") ? ok : failed);
        }
    }

    private static Map<String, Object> waypointPod(String port) {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("name", "waypoint-1");
        metadata.put("namespace", "shop");
        metadata.put("labels", Map.of("gateway.networking.k8s.io/gateway-name", "waypoint", "istio.io/dataplane-mode", "none"));
        metadata.put("annotations", Map.of("prometheus.io/scrape", "true", "prometheus.io/port", port,
                "prometheus.io/path", "/stats/prometheus"));
        Map<String, Object> pod = new LinkedHashMap<>();
        pod.put("apiVersion", "v1");
        pod.put("kind", "Pod");
        pod.put("metadata", metadata);
        pod.put("spec", Map.of("nodeName", "node-a", "serviceAccountName", "waypoint"));
        pod.put("status", Map.of("podIP", StandInMesh.WAYPOINT_IP));
        return pod;
    }

    @Test
    void aWaypointDeployedLaterIsScrapedAndItsRequestsShowOnBothHopsThroughIt() throws Exception {
        tcpHops();
        requests(30, 10);
        // before: no waypoint pod in the store, so only the ztunnels' TCP is known on the two hops
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            JsonNode graph = get("/api/v1/graph");
            assertThat(edge(graph, TO_WAYPOINT).path("requests").asLong()).isZero();
            assertThat(edge(graph, TO_WAYPOINT).path("connections").asLong()).isEqualTo(2);
            assertThat(edge(graph, FROM_WAYPOINT).path("protocol").asString()).isEqualTo("tcp");
        });
        assertThat(get("/api/v1/graph").path("nodes").toString()).as("the waypoint's pod is drawn as its waypoint")
                .doesNotContain("workload:shop/waypoint-1");

        // the deployer registers the waypoint's pod (its Gateway-name label, scrape annotations)
        mesh.put(waypointPod(Integer.toString(waypointPage.getAddress().getPort())));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            requests(3, 1); // traffic goes on: a rate over the last interval
            JsonNode graph = get("/api/v1/graph");
            for (String id : List.of(TO_WAYPOINT, FROM_WAYPOINT)) {
                JsonNode e = edge(graph, id);
                assertThat(e.path("protocol").asString()).as(id).isEqualTo("http");
                assertThat(e.path("requests").asLong()).as(id).isGreaterThanOrEqualTo(40);
                assertThat(e.path("requestRate").asDouble()).as(id).isPositive();
                assertThat(e.path("errorRate").asDouble()).as(id + ": one in four answered 503").isEqualTo(0.25);
                assertThat(e.path("mtlsShare").asDouble()).as(id).isEqualTo(1.0);
                assertThat(e.path("reporter").asString()).as(id).isEqualTo("waypoint");
                assertThat(e.path("service").asString()).as(id).isEqualTo("shop/shop");
            }
            assertThat(edge(graph, TO_WAYPOINT).path("connections").asLong()).as("the ztunnel's TCP counts stay").isEqualTo(2);
            assertThat(edge(graph, FROM_WAYPOINT).path("bytes").asLong()).isEqualTo(500);
            assertThat(graph.path("edges").toString()).as("no direct sleep → shop edge: the requests went through the waypoint")
                    .doesNotContain("\"workload:demo/sleep>workload:shop/shop\"");
        });
        JsonNode health = get("/api/v1/overview").path("health");
        assertThat(health.path("metrics waypoint shop/waypoint-1").asString()).isEqualTo("UP");

        // deleted (its Gateway removed): the target drops out, and the requests with it
        mesh.remove("Pod", "shop", "waypoint-1");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(get("/api/v1/overview").path("health").has("metrics waypoint shop/waypoint-1")).isFalse();
            assertThat(edge(get("/api/v1/graph"), TO_WAYPOINT).path("requests").asLong()).isZero();
        });
    }

    @Test
    void aWaypointPodWithABadPortAnnotationIsReportedNotScraped() throws Exception {
        Map<String, Object> pod = waypointPod("99999");
        ((Map<String, Object>) pod.get("metadata")).put("name", "waypoint-2");
        mesh.put(pod);
        try {
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                assertThat(get("/api/v1/overview").path("health").path("metrics waypoint shop/waypoint-2").asString()).isEqualTo("DOWN");
                assertThat(get("/api/v1/graph").path("scrapeErrors").toString())
                        .contains("waypoint shop/waypoint-2: annotation prometheus.io/port '99999' is not a port");
            });
        } finally {
            mesh.remove("Pod", "shop", "waypoint-2");
        }
    }
}
