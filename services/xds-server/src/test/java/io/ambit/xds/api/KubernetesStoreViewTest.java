package io.ambit.xds.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.ambit.service.TestTokens;
import io.ambit.xds.KubernetesModeXds;
import io.ambit.xds.store.KubernetesConfigStore;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The store's read views in Kubernetes mode, on the real xds-server against fabric8's mock API
 * server (CRUD): {@code /store/export}, {@code /store/objects} and {@code /store/status} show the
 * informers' cache (what admin-ui and meshctl read), follow a change made through the API server,
 * need a credential, and a write answers 501 saying to use kubectl, changing nothing.
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesStoreViewTest {

    KubernetesMockServer server;
    KubernetesClient client;

    @TempDir
    Path files;

    private ConfigurableApplicationContext xds;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void start() throws Exception {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("demo")
                .addToLabels("istio.io/dataplane-mode", "ambient").endMetadata().build()).create();
        policies().inNamespace("demo").resource(policy("deny-admin")).create();

        xds = KubernetesModeXds.start(client, files);
    }

    @AfterEach
    void stop() {
        if (xds != null) {
            xds.close();
        }
        for (String property : List.of("kubernetes.master", "kubernetes.trust.certificates", "kubernetes.auth.tryKubeConfig",
                "kubernetes.auth.tryServiceAccount", "kubernetes.namespace")) {
            System.clearProperty(property);
        }
    }

    @Test
    void exportShowsTheApiServersObjectsAndFollowsChanges() throws Exception {
        HttpResponse<String> export = get("/store/export", TestTokens.VIEWER);
        assertThat(export.statusCode()).isEqualTo(200);
        JsonNode body = JsonMapper.shared().readTree(export.body());
        assertThat(body.path("store").asString()).isEqualTo("kubernetes");
        assertThat(body.path("writable").asBoolean(true)).isFalse();
        assertThat(names(body, "Namespace")).contains("demo");
        assertThat(names(body, "AuthorizationPolicy")).containsExactly("demo/deny-admin");
        JsonNode policy = objects(body, "AuthorizationPolicy").getFirst();
        assertThat(policy.path("source").asString()).isEqualTo("kubernetes");
        assertThat(policy.path("object").path("spec").path("action").asString()).isEqualTo("DENY");

        // kubectl apply of a second policy: the view follows the informer
        policies().inNamespace("demo").resource(policy("deny-debug")).create();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                names(JsonMapper.shared().readTree(get("/store/export?kind=AuthorizationPolicy", TestTokens.VIEWER).body()),
                        "AuthorizationPolicy")).containsExactly("demo/deny-admin", "demo/deny-debug"));

        assertThat(get("/store/objects?kind=Namespace", TestTokens.VIEWER).body()).contains("\"name\":\"demo\"");
        assertThat(get("/store/status", TestTokens.VIEWER).statusCode()).isEqualTo(200);
    }

    @Test
    void readsNeedACredential() throws Exception {
        assertThat(get("/store/export", null).statusCode()).isEqualTo(401);
        assertThat(get("/store/export", TestTokens.WRONG).statusCode()).isEqualTo(401);
        assertThat(get("/store/status", null).statusCode()).isEqualTo(401);
    }

    @Test
    void writesAreRefusedWithAProblemSayingToUseKubectlAndChangeNothing() throws Exception {
        String yaml = """
                apiVersion: v1
                kind: Namespace
                metadata: {name: intruder}
                """;
        HttpResponse<String> refused = post("/store/apply", yaml, TestTokens.ADMIN);
        assertThat(refused.statusCode()).isEqualTo(501);
        assertThat(refused.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
        JsonNode problem = JsonMapper.shared().readTree(refused.body());
        assertThat(problem.path("detail").asString()).contains("kubectl apply");
        assertThat(post("/store/delete", yaml, TestTokens.ADMIN).statusCode()).isEqualTo(501);
        // a write still needs admin first: the refusal tells nobody else anything
        assertThat(post("/store/apply", yaml, TestTokens.VIEWER).statusCode()).isEqualTo(403);
        assertThat(post("/store/apply", yaml, null).statusCode()).isEqualTo(401);
        assertThat(client.namespaces().withName("intruder").get()).isNull();
    }

    private io.fabric8.kubernetes.client.dsl.MixedOperation<GenericKubernetesResource,
            io.fabric8.kubernetes.api.model.GenericKubernetesResourceList,
            io.fabric8.kubernetes.client.dsl.Resource<GenericKubernetesResource>> policies() {
        return client.genericKubernetesResources(KubernetesConfigStore.definition("AuthorizationPolicy").orElseThrow());
    }

    private static GenericKubernetesResource policy(String name) {
        return new GenericKubernetesResourceBuilder().withApiVersion("security.istio.io/v1").withKind("AuthorizationPolicy")
                .withNewMetadata().withNamespace("demo").withName(name).endMetadata()
                .addToAdditionalProperties("spec", Map.of("action", "DENY",
                        "rules", List.of(Map.of("from", List.of(Map.of("source", Map.of("namespaces", List.of("untrusted"))))))))
                .build();
    }

    private static List<JsonNode> objects(JsonNode export, String kind) {
        List<JsonNode> out = new ArrayList<>();
        export.path("objects").forEach(o -> {
            if (o.path("object").path("kind").asString().equals(kind)) {
                out.add(o);
            }
        });
        return out;
    }

    private static List<String> names(JsonNode export, String kind) {
        return objects(export, kind).stream().map(o -> {
            JsonNode metadata = o.path("object").path("metadata");
            String ns = metadata.path("namespace").asString("");
            return (ns.isEmpty() ? "" : ns + "/") + metadata.path("name").asString();
        }).toList();
    }

    private HttpResponse<String> get(String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base(path));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String yaml, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base(path)).header("Content-Type", "application/yaml")
                .POST(HttpRequest.BodyPublishers.ofString(yaml));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI base(String path) {
        return URI.create("http://127.0.0.1:" + xds.getEnvironment().getProperty("local.server.port") + path);
    }
}
