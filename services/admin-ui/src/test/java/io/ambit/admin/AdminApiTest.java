package io.ambit.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import io.ambit.service.TestTokens;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** What the API answers, on the stand-in mesh: views, the explainer, validations, the graph, writes, and refusals. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
        properties = {"server.port=0", "management.server.port=0"})
class AdminApiTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        io.ambit.service.TestTokens.register(registry);
        StandInMesh.register(registry);
    }

    @Autowired
    Environment environment;

    private HttpResponse<String> get(String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(20));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return send(request.build());
    }

    private HttpResponse<String> post(String path, String body, String token) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(20))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/yaml")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    /** A new client per request: a refused oversized request leaves its connection unusable, and it must not be reused. */
    private static HttpResponse<String> send(HttpRequest request) throws Exception {
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        }
    }

    private String base() {
        return "http://127.0.0.1:" + environment.getProperty("local.server.port");
    }

    private JsonNode json(String path) throws Exception {
        HttpResponse<String> response = get(path, TestTokens.VIEWER);
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static void assertProblem(HttpResponse<String> response, int status, String detailContains) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        JsonNode problem = JSON.readTree(response.body());
        assertThat(problem.path("status").asInt()).isEqualTo(status);
        assertThat(problem.path("title").asString()).isNotEmpty();
        assertThat(problem.path("detail").asString()).contains(detailContains);
    }

    @Test
    void servicesAndPoliciesByNode() throws Exception {
        // the services a node's ztunnel serves inbound: those with an endpoint there
        assertThat(json("/api/v1/services?node=node-b").findValuesAsString("name")).containsExactly("echo");
        assertThat(json("/api/v1/services?node=node-a")).isEmpty();
        // the L4 policies the node's ztunnel enforces for its workloads
        assertThat(json("/api/v1/policies?node=node-b").toString()).contains("allow-sleep");
        assertProblem(get("/api/v1/services?node=node-z", TestTokens.VIEWER), 404, "known nodes: node-a, node-b");
        assertProblem(get("/api/v1/policies?node=node-z", TestTokens.VIEWER), 404, "no node node-z");
        assertProblem(get("/api/v1/policies?node=Node_A", TestTokens.VIEWER), 400, "\"node\"");
    }

    @Test
    void workloadsShowNodeIdentityCaptureAndServices() throws Exception {
        JsonNode workloads = json("/api/v1/workloads?namespace=demo");
        assertThat(workloads).hasSize(3);
        JsonNode sleep = workloads.valueStream().filter(w -> w.path("name").asString().equals("sleep-1")).findFirst().orElseThrow();
        assertThat(sleep.path("node").asString()).isEqualTo("node-a");
        assertThat(sleep.path("identity").asString()).isEqualTo("spiffe://cluster.local/ns/demo/sa/sleep");
        assertThat(sleep.path("captured").asBoolean()).isTrue();
        JsonNode legacy = workloads.valueStream().filter(w -> w.path("name").asString().equals("legacy-1")).findFirst().orElseThrow();
        assertThat(legacy.path("captured").asBoolean()).isFalse();
        assertThat(json("/api/v1/workloads?node=node-b")).hasSize(1);
        JsonNode describe = json("/api/v1/workloads/demo/echo-1");
        assertThat(describe.path("policies").get(0).path("name").asString()).isEqualTo("demo/allow-sleep");
        JsonNode certificate = describe.path("certificates").get(0);
        assertThat(certificate.path("serialNumber").asString()).isEqualTo(StandInMesh.ECHO_SERIAL);
        assertThat(certificate.path("state").asString()).isEqualTo("available");
        assertThat(certificate.path("issuer").asString())
                .isEqualTo(StandInMesh.ECHO_CERTIFICATE.certificate().getIssuerX500Principal().getName());
        assertThat(certificate.path("remainingSeconds").asLong()).isBetween(22 * 3600L, 23 * 3600L);
        assertProblem(get("/api/v1/workloads/demo/nobody", TestTokens.VIEWER), 404, "no workload demo/nobody");
        JsonNode namespaces = json("/api/v1/namespaces");
        assertThat(namespaces.valueStream().filter(n -> n.path("name").asString().equals("demo")).findFirst().orElseThrow()
                .path("enrolled").asBoolean()).isTrue();
        JsonNode services = json("/api/v1/services");
        assertThat(services.get(0).path("vips").get(0).asString()).isEqualTo(StandInMesh.ECHO_VIP);
        assertThat(json("/api/v1/certificates?node=node-b").get(0).path("identity").asString())
                .isEqualTo("spiffe://cluster.local/ns/demo/sa/echo");
        JsonNode late = json("/api/v1/certificates?node=node-b").get(1);
        assertThat(late.path("identity").asString()).isEqualTo("spiffe://cluster.local/ns/demo/sa/late");
        assertThat(late.path("state").asString()).as("ztunnel's Initializing").isEqualTo("pending");
    }

    @Test
    void explainDecidesWithTheZtunnelsEvaluator() throws Exception {
        JsonNode allowed = json("/api/v1/explain?from=demo/sleep-1&to=demo/echo&port=80");
        assertThat(allowed.path("allowed").asBoolean()).isTrue();
        assertThat(allowed.path("path").asString()).isEqualTo("direct");
        JsonNode hop = allowed.path("hops").get(0);
        assertThat(hop.path("policy").asString()).isEqualTo("demo/allow-sleep");
        assertThat(hop.path("reason").asString()).isEqualTo("allowed by demo/allow-sleep");
        assertThat(hop.path("destination").asString()).isEqualTo(StandInMesh.ECHO_IP + ":8080");
        assertThat(hop.path("peer").asString()).isEqualTo("spiffe://cluster.local/ns/demo/sa/sleep");

        JsonNode denied = json("/api/v1/explain?from=" + StandInMesh.LEGACY_IP + "&to=" + StandInMesh.ECHO_VIP + "&port=80");
        assertThat(denied.path("allowed").asBoolean()).isFalse();
        assertThat(denied.path("hops").get(0).path("reason").asString()).isEqualTo("denied: allow policies exist, but none allowed");
        assertThat(denied.path("notes").get(0).asString()).contains("not enrolled");

        assertProblem(get("/api/v1/explain?from=demo/ghost&to=demo/echo&port=80", TestTokens.VIEWER), 400, "no workload demo/ghost");
        assertProblem(get("/api/v1/explain?from=demo/sleep-1&to=demo/echo&port=81", TestTokens.VIEWER), 400, "has no port 81");
        assertProblem(get("/api/v1/explain?from=demo/sleep-1&to=demo/echo", TestTokens.VIEWER), 400, "\"port\" is required");
    }

    @ParameterizedTest
    @ValueSource(strings = {"port=0", "port=70000", "port=eighty", "port=-1"})
    void explainRefusesANonPort(String port) throws Exception {
        assertProblem(get("/api/v1/explain?from=demo/sleep-1&to=demo/echo&" + port, TestTokens.VIEWER), 400, "port");
    }

    @Test
    void unknownRepeatedOversizedAndHostileParametersAreRefused() throws Exception {
        assertProblem(get("/api/v1/workloads?namespce=demo", TestTokens.VIEWER), 400, "unknown parameter \"namespce\"; known: namespace, node");
        assertProblem(get("/api/v1/graph?x=1", TestTokens.VIEWER), 400, "this endpoint takes none");
        assertProblem(get("/api/v1/workloads?namespace=a&namespace=b", TestTokens.VIEWER), 400, "more than once");
        assertProblem(get("/api/v1/workloads?namespace=" + "a".repeat(600), TestTokens.VIEWER), 400, "longer than 512");
        assertProblem(get("/api/v1/workloads?namespace=%3Cscript%3Ealert(1)%3C%2Fscript%3E", TestTokens.VIEWER), 400,
                "is not a namespace name");
        assertProblem(get("/api/v1/explain?from=demo%2F..%2F..%2Fetc&to=demo/echo&port=80", TestTokens.VIEWER), 400, "\"from\"");
        assertProblem(get("/api/v1/workloads/DEMO/x%3Cy", TestTokens.VIEWER), 400, "not a Kubernetes name");
        HttpResponse<String> huge = get("/api/v1/workloads?namespace=" + "a".repeat(20_000), TestTokens.VIEWER);
        assertThat(huge.statusCode()).as("an over-long request line").isBetween(400, 499);
    }

    @Test
    void validationsFindWhatOneObjectAloneCannotShow() throws Exception {
        JsonNode validations = json("/api/v1/validations");
        assertThat(validations.valueStream().map(v -> v.path("code").asString() + " " + v.path("name").asString()))
                .contains("unknown-service-account typo", "unknown-namespace typo", "missing-waypoint web", "unknown-backend to-nowhere");
        JsonNode overview = json("/api/v1/overview");
        assertThat(overview.path("counts").path("workloads").asInt()).isEqualTo(3);
        assertThat(overview.path("errors").asInt()).isGreaterThanOrEqualTo(2);
        assertThat(overview.path("health").path("ztunnel node-b").asString()).isEqualTo("UP");
    }

    @Test
    void theGraphHasAnEdgePerObservedFlowWithMtlsShareAndErrors() throws Exception {
        StandInMesh mesh = StandInMesh.shared();
        mesh.traffic("sleep", "sleep", true, 5, 0, 1000);
        mesh.traffic("legacy", "legacy", false, 2, 2, 0);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            JsonNode graph = json("/api/v1/graph");
            JsonNode sleep = edge(graph, "workload:demo/sleep", "workload:demo/echo");
            JsonNode legacy = edge(graph, "workload:demo/legacy", "workload:demo/echo");
            assertThat(sleep).as(graph.toString()).isNotNull();
            assertThat(legacy).as(graph.toString()).isNotNull();
            assertThat(sleep.path("mtlsShare").asDouble()).isEqualTo(1.0);
            assertThat(sleep.path("errorRate").asDouble()).isZero();
            assertThat(sleep.path("bytes").asLong()).isGreaterThanOrEqualTo(2000);
            assertThat(sleep.path("service").asString()).isEqualTo("demo/echo");
            assertThat(legacy.path("mtlsShare").asDouble()).isZero();
            assertThat(legacy.path("errorRate").asDouble()).isEqualTo(1.0);
        });
        // rates come from the difference between two scrape rounds
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            mesh.traffic("sleep", "sleep", true, 10, 0, 100);
            JsonNode edge = edge(json("/api/v1/graph"), "workload:demo/sleep", "workload:demo/echo");
            assertThat(edge.path("requestRate").asDouble()).isPositive();
            assertThat(edge.path("byteRate").asDouble()).isPositive();
        });
        JsonNode graph = json("/api/v1/graph");
        assertThat(graph.path("nodes").valueStream().map(n -> n.path("id").asString()))
                .contains("workload:demo/sleep", "workload:demo/echo", "workload:demo/legacy", "service:demo/echo");
    }

    private static JsonNode edge(JsonNode graph, String source, String target) {
        return graph.path("edges").valueStream().filter(e -> e.path("kind").asString().equals("traffic")
                && e.path("source").asString().equals(source) && e.path("target").asString().equals(target)).findFirst().orElse(null);
    }

    @Test
    void aWriteIsTheCallersOwnAndShowsAtOnce() throws Exception {
        String policy = """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: written-now, namespace: demo}
                spec: {action: DENY, rules: [{from: [{source: {namespaces: [other]}}]}]}
                """;
        HttpResponse<String> viewer = post("/api/v1/apply", policy, TestTokens.VIEWER);
        assertThat(viewer.statusCode()).isEqualTo(403);
        HttpResponse<String> applied = post("/api/v1/apply?source=test.yaml", policy, TestTokens.ADMIN);
        assertThat(applied.statusCode()).as(applied.body()).isEqualTo(200);
        assertThat(StandInMesh.shared().writeTokens).contains(TestTokens.ADMIN).doesNotContain(TestTokens.VIEWER);
        assertThat(json("/api/v1/policies?namespace=demo").valueStream().map(p -> p.path("name").asString())).contains("written-now");

        assertProblem(post("/api/v1/apply", "kind: [unclosed", TestTokens.ADMIN), 400, "refused the change");
        assertProblem(post("/api/v1/apply?source=../../etc/passwd", policy, TestTokens.ADMIN), 400, "\"source\"");
        HttpResponse<String> huge = post("/api/v1/apply", "# " + "x".repeat(5 * 1024 * 1024), TestTokens.ADMIN);
        assertProblem(huge, 413, "");
        HttpResponse<String> json = send(HttpRequest.newBuilder(URI.create(base() + "/api/v1/apply"))
                .header("Authorization", "Bearer " + TestTokens.ADMIN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build());
        assertThat(json.statusCode()).isEqualTo(415);
    }

    @Test
    void theApiIsDescribedInOpenApi() throws Exception {
        JsonNode docs = json("/v3/api-docs");
        assertThat(docs.path("openapi").asString()).startsWith("3.");
        assertThat(docs.path("paths").propertyNames()).contains("/api/v1/explain", "/api/v1/graph", "/api/v1/workloads",
                "/api/v1/apply", "/api/v1/validations");
    }

    @Test
    void thePageIsServedOpenWithAStrictContentSecurityPolicy() throws Exception {
        HttpResponse<String> page = get("/", null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("Ambit mesh");
        assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(csp -> assertThat(csp).contains("script-src 'self'"));
        assertThat(get("/api/v1/overview", null).statusCode()).isEqualTo(401);
    }
}
