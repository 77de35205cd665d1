package io.ambit.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.ambit.service.TestTokens;
import org.junit.jupiter.api.AfterAll;
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

/**
 * The identities ({@code /certificates}) and policies lists page and search as the workloads list
 * does: {@code ?search=&page=&size=}, the total in {@code X-Total-Count}, a bad value a 400
 * problem naming the parameter, described in the OpenAPI document. Stand-in: the demo plus 120
 * AuthorizationPolicies in namespace {@code bulk}; two ztunnels holding the demo's certificates.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
        properties = {"server.port=0", "management.server.port=0"})
class PolicyAndIdentityPagingApiTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int BULK = 120;
    private static StandInMesh mesh;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws Exception {
        mesh = new StandInMesh();
        mesh.denyPolicies("bulk", BULK);
        TestTokens.register(registry);
        registry.add("ambit.admin.xds-url", mesh::url);
        for (int n = 0; n < 2; n++) {
            int i = n;
            registry.add("ambit.admin.ztunnels[" + i + "].node", () -> "node-" + (char) ('a' + i));
            registry.add("ambit.admin.ztunnels[" + i + "].admin-url", mesh::url);
            registry.add("ambit.admin.ztunnels[" + i + "].metrics-url", () -> mesh.url() + "/actuator/prometheus");
        }
        registry.add("ambit.admin.scrape-targets", () -> "");
        registry.add("ambit.admin.refresh", () -> "300ms");
    }

    @AfterAll
    static void stop() {
        mesh.close();
    }

    @Autowired
    Environment environment;

    private HttpResponse<String> get(String path) throws Exception {
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + environment.getProperty("local.server.port")
                    + "/api/v1" + path)).timeout(Duration.ofSeconds(20))
                    .header("Authorization", "Bearer " + TestTokens.VIEWER).build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    private static List<String> keys(HttpResponse<String> response, String... fields) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        List<String> out = new ArrayList<>();
        for (JsonNode item : JSON.readTree(response.body())) {
            List<String> parts = new ArrayList<>();
            for (String f : fields) {
                parts.add(item.path(f).asString());
            }
            out.add(String.join("/", parts));
        }
        return out;
    }

    @Test
    void policyPagesCoverEveryPolicyOnceInOrderWithTheTotalInAHeader() throws Exception {
        List<String> all = keys(get("/policies"), "namespace", "name");
        assertThat(all).hasSize(BULK + 2); // demo's allow-sleep and typo as well
        List<String> seen = new ArrayList<>();
        for (int page = 1; page <= 3; page++) {
            HttpResponse<String> response = get("/policies?size=50&page=" + page);
            assertThat(response.headers().firstValue("X-Total-Count")).hasValue(String.valueOf(BULK + 2));
            seen.addAll(keys(response, "namespace", "name"));
        }
        assertThat(seen).doesNotHaveDuplicates().hasSize(BULK + 2).isSorted().containsExactlyInAnyOrderElementsOf(all);
        assertThat(get("/policies?size=50&page=4").statusCode()).as("past the last page").isEqualTo(400);
    }

    @Test
    void aPolicySearchNarrowsBeforePaging() throws Exception {
        HttpResponse<String> one = get("/policies?search=P-017&size=10");
        assertThat(keys(one, "namespace", "name")).containsExactly("bulk/p-017");
        assertThat(one.headers().firstValue("X-Total-Count")).hasValue("1");
        assertThat(keys(get("/policies?search=demo"), "namespace", "name")).containsExactly("demo/allow-sleep", "demo/typo");
        HttpResponse<String> byLayer = get("/policies?search=l4%20(ztunnel)&size=5&page=2");
        assertThat(keys(byLayer, "name")).hasSize(5);
        assertThat(byLayer.headers().firstValue("X-Total-Count")).hasValue(String.valueOf(BULK + 2));
        assertThat(keys(get("/policies?search=nothing-like-this&size=10&page=1"), "name")).isEmpty();
    }

    @Test
    void identitiesPageAndSearchByIdentityNodeOrState() throws Exception {
        List<String> all = keys(get("/certificates"), "identity", "node");
        assertThat(all).hasSize(4); // two identities on each of two ztunnels
        HttpResponse<String> first = get("/certificates?size=3");
        assertThat(first.headers().firstValue("X-Total-Count")).hasValue("4");
        List<String> seen = new ArrayList<>(keys(first, "identity", "node"));
        seen.addAll(keys(get("/certificates?size=3&page=2"), "identity", "node"));
        assertThat(seen).doesNotHaveDuplicates().isSorted().containsExactlyInAnyOrderElementsOf(all);
        assertThat(keys(get("/certificates?search=sa/ECHO"), "identity", "node"))
                .containsExactly("spiffe://cluster.local/ns/demo/sa/echo/node-a", "spiffe://cluster.local/ns/demo/sa/echo/node-b");
        assertThat(keys(get("/certificates?search=" + StandInMesh.ECHO_SERIAL + "&node=node-b"), "identity", "node"))
                .containsExactly("spiffe://cluster.local/ns/demo/sa/echo/node-b");
        assertThat(keys(get("/certificates?search=pending&size=1"), "identity")).hasSize(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"?size=0", "?size=501", "?size=-1", "?size=ten", "?size=9999999", "?page=2", "?size=10&page=0",
            "?size=10&page=999", "?size=10&size=20", "?search=", "?search=a%00b", "?search=%0Aadmin"})
    void badPagingOrSearchIsAProblemNamingTheParameter(String query) throws Exception {
        for (String list : List.of("/policies", "/certificates")) {
            HttpResponse<String> response = get(list + query);
            assertThat(response.statusCode()).as(list + query + ": " + response.body()).isEqualTo(400);
            assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(response.body()).containsAnyOf("\"page\"", "\"size\"", "\"search\"");
        }
    }

    @Test
    void anOversizedSearchIsRefused() throws Exception {
        for (String list : List.of("/policies", "/certificates")) {
            assertThat(get(list + "?search=" + "a".repeat(129)).statusCode()).isEqualTo(400);
            assertThat(get(list + "?search=" + "a".repeat(128)).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void theOpenApiDescriptionNamesThePagingParameters() throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            JsonNode docs = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + environment.getProperty("local.server.port") + "/v3/api-docs"))
                    .header("Authorization", "Bearer " + TestTokens.VIEWER).build(), HttpResponse.BodyHandlers.ofString()).body());
            for (String path : List.of("/api/v1/policies", "/api/v1/certificates")) {
                JsonNode get = docs.path("paths").path(path).path("get");
                List<String> parameters = new ArrayList<>();
                get.path("parameters").forEach(p -> parameters.add(p.path("name").asString()));
                assertThat(parameters).as(path).contains("node", "search", "page", "size");
                assertThat(get.path("responses").path("200").path("headers").has("X-Total-Count")).as(path).isTrue();
            }
        }
    }
}
