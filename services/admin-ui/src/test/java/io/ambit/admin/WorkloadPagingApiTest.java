package io.ambit.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

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
 * {@code GET /api/v1/workloads} with {@code search}, {@code page} and {@code size} over 253 pods
 * ({@link StandInMesh#atScale}): pages are disjoint, ordered, cover every workload once, the total
 * is in {@code X-Total-Count}; a search narrows before paging; bad values are 400 problems.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
        properties = {"server.port=0", "management.server.port=0"})
class WorkloadPagingApiTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int PODS = 250;
    private static StandInMesh mesh;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws Exception {
        mesh = StandInMesh.atScale(PODS);
        TestTokens.register(registry);
        registry.add("ambit.admin.xds-url", mesh::url);
        registry.add("ambit.admin.ztunnels", () -> "");
        registry.add("ambit.admin.scrape-targets", () -> "");
        registry.add("ambit.admin.refresh", () -> "300ms");
    }

    @AfterAll
    static void stop() {
        mesh.close();
    }

    @Autowired
    Environment environment;

    private HttpResponse<String> get(String query) throws Exception {
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + environment.getProperty("local.server.port")
                    + "/api/v1/workloads" + query)).timeout(Duration.ofSeconds(20))
                    .header("Authorization", "Bearer " + TestTokens.VIEWER).build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    private static List<String> names(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        List<String> out = new ArrayList<>();
        JSON.readTree(response.body()).forEach(w -> out.add(w.path("namespace").asString() + "/" + w.path("name").asString()));
        return out;
    }

    @Test
    void pagesCoverEveryWorkloadOnceInOrderWithTheTotalInAHeader() throws Exception {
        int total = names(get("")).size();
        assertThat(total).isEqualTo(PODS + 3); // the demo's three as well
        List<String> seen = new ArrayList<>();
        int pages = (total + 99) / 100;
        for (int page = 1; page <= pages; page++) {
            HttpResponse<String> response = get("?size=100&page=" + page);
            assertThat(response.headers().firstValue("X-Total-Count")).hasValue(String.valueOf(total));
            List<String> rows = names(response);
            assertThat(rows).hasSize(page < pages ? 100 : total - 100 * (pages - 1));
            seen.addAll(rows);
        }
        assertThat(seen).doesNotHaveDuplicates().hasSize(total).isSorted();
        assertThat(names(get("?size=100"))).as("page defaults to 1").isEqualTo(seen.subList(0, 100));
    }

    @Test
    void aSearchNarrowsBeforePagingAndFindsOneWorkload() throws Exception {
        HttpResponse<String> one = get("?search=APP-217-&size=10");
        assertThat(names(one)).containsExactly("scale-7/app-217-0");
        assertThat(one.headers().firstValue("X-Total-Count")).hasValue("1");
        Set<String> byAddress = new HashSet<>(names(get("?search=10.245.0.218")));
        assertThat(byAddress).containsExactly("scale-7/app-217-0");
        HttpResponse<String> namespace = get("?search=scale-3&size=5&page=2");
        assertThat(names(namespace)).hasSize(5).allMatch(n -> n.startsWith("scale-3/"));
        assertThat(namespace.headers().firstValue("X-Total-Count")).hasValue("25");
        assertThat(names(get("?search=nothing-like-this"))).isEmpty();
        assertThat(names(get("?search=nothing-like-this&size=10&page=1"))).as("page 1 of nothing is empty, not an error").isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"?size=0", "?size=501", "?size=-1", "?size=ten", "?size=9999999", "?page=2", "?size=10&page=0",
            "?size=10&page=999", "?size=10&size=20", "?search=", "?search=a%00b", "?search=%0Aadmin"})
    void badPagingOrSearchIsAProblemNamingTheParameter(String query) throws Exception {
        HttpResponse<String> response = get(query);
        assertThat(response.statusCode()).as(query + ": " + response.body()).isEqualTo(400);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(response.body()).containsAnyOf("\"page\"", "\"size\"", "\"search\"");
    }

    @Test
    void anOversizedSearchIsRefused() throws Exception {
        assertThat(get("?search=" + "a".repeat(129)).statusCode()).isEqualTo(400);
        assertThat(get("?search=" + "a".repeat(128)).statusCode()).isEqualTo(200);
    }

    @Test
    void theOpenApiDescriptionNamesThePagingParameters() throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            JsonNode docs = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + environment.getProperty("local.server.port") + "/v3/api-docs"))
                    .header("Authorization", "Bearer " + TestTokens.VIEWER).build(), HttpResponse.BodyHandlers.ofString()).body());
            JsonNode get = docs.path("paths").path("/api/v1/workloads").path("get");
            List<String> parameters = new ArrayList<>();
            get.path("parameters").forEach(p -> parameters.add(p.path("name").asString()));
            assertThat(parameters).contains("namespace", "node", "search", "page", "size");
            assertThat(get.path("responses").path("200").path("headers").has("X-Total-Count")).isTrue();
        }
    }
}
