package io.ambit.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import com.sun.net.httpserver.HttpServer;
import io.ambit.service.TestTokens;
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
 * The validation "STRICT mTLS with plain-text clients seen in metrics": a real HTTP server serves a
 * ztunnel's Prometheus page in Istio's text format (destination-reported
 * {@code istio_tcp_connections_opened_total} with {@code connection_security_policy="none"} from a
 * client outside the mesh), admin-ui scrapes it itself; the warning appears once a STRICT
 * PeerAuthentication for that namespace is applied, and not for PERMISSIVE or for mTLS-only traffic.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
        properties = {"server.port=0", "management.server.port=0"})
class StrictMtlsPlaintextValidationTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String MTLS_ONLY = series("mutual_tls", "spiffe://cluster.local/ns/demo/sa/sleep", "sleep", 4);
    private static final String WITH_PLAINTEXT = MTLS_ONLY + series("none", "unknown", "legacy", 3);

    private static StandInMesh mesh;
    private static HttpServer metrics;
    private static final AtomicReference<String> page = new AtomicReference<>(MTLS_ONLY);

    /** One destination-reported series as Istio's proxies print it. */
    private static String series(String security, String principal, String workload, int value) {
        return "istio_tcp_connections_opened_total{reporter=\"destination\",source_workload=\"" + workload + "\","
                + "source_workload_namespace=\"demo\",source_principal=\"" + principal + "\",destination_workload=\"echo\","
                + "destination_workload_namespace=\"demo\",destination_principal=\"spiffe://cluster.local/ns/demo/sa/echo\","
                + "destination_service=\"echo.demo.svc.cluster.local\",destination_service_name=\"echo\","
                + "destination_service_namespace=\"demo\",request_protocol=\"tcp\",response_flags=\"-\","
                + "connection_security_policy=\"" + security + "\"} " + value + "\n";
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws IOException {
        mesh = new StandInMesh();
        metrics = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        metrics.createContext("/stats/prometheus", exchange -> {
            byte[] body = ("# HELP istio_tcp_connections_opened_total Total TCP connections opened\n"
                    + "# TYPE istio_tcp_connections_opened_total counter\n" + page.get()).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        metrics.start();
        TestTokens.register(registry);
        registry.add("ambit.admin.xds-url", mesh::url);
        registry.add("ambit.admin.ztunnels[0].node", () -> "node-b");
        registry.add("ambit.admin.ztunnels[0].admin-url", mesh::url);
        registry.add("ambit.admin.ztunnels[0].metrics-url",
                () -> "http://127.0.0.1:" + metrics.getAddress().getPort() + "/stats/prometheus");
        registry.add("ambit.admin.scrape-targets", () -> "");
        registry.add("ambit.admin.refresh", () -> "300ms");
    }

    @AfterAll
    static void stop() {
        metrics.stop(0);
        mesh.close();
    }

    @Autowired
    Environment environment;

    private HttpResponse<String> send(HttpRequest.Builder request, String token) throws Exception {
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            return http.send(request.header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.ofString());
        }
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + environment.getProperty("local.server.port") + path);
    }

    private void apply(String mode) throws Exception {
        HttpResponse<String> applied = send(HttpRequest.newBuilder(uri("/api/v1/apply")).header("Content-Type", "application/yaml")
                .POST(HttpRequest.BodyPublishers.ofString("""
                        apiVersion: security.istio.io/v1
                        kind: PeerAuthentication
                        metadata: {name: default, namespace: demo}
                        spec:
                          mtls: {mode: %s}
                        """.formatted(mode))), TestTokens.ADMIN);
        assertThat(applied.statusCode()).as(applied.body()).isEqualTo(200);
    }

    private String validations() throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/api/v1/validations")), TestTokens.VIEWER);
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    @Test
    void strictWithPlaintextClientsInTheMetricsIsWarnedAbout() throws Exception {
        // STRICT and only mTLS traffic: nothing to say
        apply("STRICT");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(JSON.readTree(send(HttpRequest.newBuilder(
                uri("/api/v1/overview")), TestTokens.VIEWER).body()).path("health").path("metrics ztunnel node-b").asString())
                .as("the metrics page was scraped").isEqualTo("UP"));
        assertThat(validations()).doesNotContain("plaintext-under-strict");

        // a client outside the mesh calls in: the destination's ztunnel reports connection_security_policy="none"
        page.set(WITH_PLAINTEXT);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            JsonNode found = null;
            for (JsonNode v : JSON.readTree(validations())) {
                if (v.path("code").asString().equals("plaintext-under-strict")) {
                    found = v;
                }
            }
            assertThat(found).as("the validation").isNotNull();
            assertThat(found.path("severity").asString()).isEqualTo("warning");
            assertThat(found.path("kind").asString()).isEqualTo("PeerAuthentication");
            assertThat(found.path("namespace").asString()).isEqualTo("demo");
            assertThat(found.path("name").asString()).isEqualTo("default");
            assertThat(found.path("message").asString()).contains("STRICT", "3 plain-text connection(s)");
        });

        // PERMISSIVE accepts plain text by design: no warning
        apply("PERMISSIVE");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(validations()).doesNotContain("plaintext-under-strict"));
    }
}
