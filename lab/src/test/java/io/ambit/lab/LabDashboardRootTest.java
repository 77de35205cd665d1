package io.ambit.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.ambit.testkit.RequiresRoot;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.yaml.snakeyaml.Yaml;

/**
 * admin-ui on a real lab: the dashboard's API reads the real xds-server and ztunnels, the traffic
 * graph shows the flow the test makes (sleep on node 1 → the echo service on node 2) with mutual
 * TLS on its edge, and the explainer decides as the destination ztunnel did; then a waypoint
 * deployed after admin-ui started is found and scraped, and its requests show on the hops through it.
 */
@RequiresRoot("builds a lab of network namespaces and runs the mesh and admin-ui beside it")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LabDashboardRootTest {

    static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    static final String ECHO_VIP = "10.96.0.30";

    Lab lab;
    int port;

    @BeforeAll
    void startLab() throws IOException {
        LabSpec spec = LabSpec.builder(2)
                .ambientNamespace("demo")
                .pod("sleep", "demo", "sleep", 1, Map.of("app", "sleep"))
                .pod("echo", "demo", "echo", 2, Map.of("app", "echo"))
                .service("echo", "demo", ECHO_VIP, List.of(new LabSpec.Port("http", 80, 8080)), Map.of("app", "echo"))
                .build();
        port = LabPorts.free();
        lab = Lab.start(spec, Lab.Options.forTests(REPO, Duration.ofSeconds(40)).with(List.of(new Lab.Companion("admin-ui", List.of(port)))));
    }

    @AfterAll
    void stopLab() throws IOException {
        if (lab != null) {
            lab.close();
        }
    }

    @SuppressWarnings("unchecked")
    private <T> T api(String path) throws Exception {
        String token = Files.readString(lab.adminTokenFile()).strip();
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/" + path))
                    .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
            return (T) new Yaml().load(response.body()); // JSON is YAML
        }
    }

    @Test
    @Order(1)
    void theDashboardShowsTheLabsWorkloadsTrafficWithMtlsAndExplainsIt() throws Exception {
        List<Map<String, Object>> workloads = api("workloads?namespace=demo");
        assertThat(workloads).extracting(w -> w.get("name") + " " + w.get("node") + " " + w.get("captured"))
                .contains("sleep node-a true", "echo node-b true");
        assertThat(lab.echoClient("sleep", "http://" + ECHO_VIP + ":80/hello", "--count", "3")).contains("Pod=echo");
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            Map<String, Object> graph = api("graph");
            List<Map<String, Object>> edges = (List<Map<String, Object>>) graph.get("edges");
            Map<String, Object> edge = edges.stream().filter(e -> "traffic".equals(e.get("kind"))
                    && "workload:demo/sleep".equals(e.get("source")) && "workload:demo/echo".equals(e.get("target"))).findFirst().orElse(null);
            assertThat(edge).as(graph.toString()).isNotNull();
            assertThat(((Number) edge.get("mtlsShare")).doubleValue()).isEqualTo(1.0);
            // the destination ztunnel reports destination_service="unknown" for direct HBONE; the source's report names it
            assertThat(edge.get("service")).as("the service the flow was addressed to").isEqualTo("demo/echo");
            assertThat(((Number) edge.get("connections")).longValue()).isGreaterThanOrEqualTo(3);
        });
        Map<String, Object> explain = api("explain?from=demo/sleep&to=demo/echo&port=80");
        assertThat(explain.get("allowed")).isEqualTo(true);
        assertThat(explain.get("path")).isEqualTo("direct");
        List<Map<String, Object>> certificates = api("certificates");
        assertThat(certificates).extracting(c -> c.get("identity")).contains("spiffe://cluster.local/ns/demo/sa/sleep");
    }

    /**
     * {@code ./mesh up}'s order: admin-ui first, the waypoint later (the lab's deployer, once the
     * Gateway is accepted). Its pod is found in the store, scraped on the port its annotations
     * name, and its {@code reporter="waypoint"} requests counted on sleep → waypoint → echo.
     */
    @Test
    @Order(2)
    @SuppressWarnings("unchecked")
    void aWaypointDeployedAfterAdminUiShowsItsRequestsOnTheHopsThroughIt() throws Exception {
        lab.apply("""
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: waypoint, namespace: demo}
                spec:
                  gatewayClassName: istio-waypoint
                  listeners:
                    - {name: mesh, port: 15008, protocol: HBONE}
                ---
                apiVersion: v1
                kind: Namespace
                metadata:
                  name: demo
                  labels: {"istio.io/dataplane-mode": ambient, "istio.io/use-waypoint": waypoint}
                """);
        lab.waypoints().await("demo", "waypoint");
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
            // the first requests may meet the switch to the waypoint path (a reset while it is programmed)
            lab.echoClientAllowingFailures("sleep", "http://" + ECHO_VIP + ":80/hello", "--count", "3");
            Map<String, Object> overview = api("overview");
            assertThat((Map<String, Object>) overview.get("health")).containsEntry("metrics waypoint demo/waypoint-0", "UP");
            List<Map<String, Object>> edges = (List<Map<String, Object>>) ((Map<String, Object>) api("graph")).get("edges");
            for (String[] hop : List.of(new String[] {"workload:demo/sleep", "workload:demo/waypoint"},
                    new String[] {"workload:demo/waypoint", "workload:demo/echo"})) {
                Map<String, Object> edge = edges.stream().filter(e -> hop[0].equals(e.get("source")) && hop[1].equals(e.get("target")))
                        .findFirst().orElse(null);
                assertThat(edge).as(hop[0] + " > " + hop[1] + " in " + edges).isNotNull();
                assertThat(edge.get("protocol")).isEqualTo("http");
                assertThat(((Number) edge.get("requests")).longValue()).isGreaterThanOrEqualTo(3);
                assertThat(((Number) edge.get("requestRate")).doubleValue()).as("requests over the last interval").isPositive();
                assertThat(((Number) edge.get("errorRate")).doubleValue()).isZero();
                assertThat(((Number) edge.get("mtlsShare")).doubleValue()).isEqualTo(1.0);
            }
        });
    }
}
