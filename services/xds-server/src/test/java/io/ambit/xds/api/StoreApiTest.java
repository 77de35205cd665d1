package io.ambit.xds.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import io.ambit.service.TestTokens;
import io.ambit.xds.store.LocalConfigStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The local store's REST API on the real service: apply, list, refuse, delete. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
        properties = {"server.port=0", "management.server.port=0"})
class StoreApiTest {

    @TempDir
    static Path config;

    @TempDir
    static Path identityFiles;

    @DynamicPropertySource
    static void configDir(DynamicPropertyRegistry registry) throws Exception {
        Files.writeString(config.resolve("ns.yaml"), """
                apiVersion: v1
                kind: Namespace
                metadata:
                  name: demo
                  labels: {istio.io/dataplane-mode: ambient}
                """);
        registry.add("ambit.xds.local.config-dir", () -> config.toString());
        new io.ambit.xds.TestIdentity().register(registry, identityFiles);
    }

    @Autowired
    Environment environment;
    @Autowired
    LocalConfigStore store;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private HttpResponse<String> post(String path, String yaml) throws Exception {
        return post(path, yaml, TestTokens.ADMIN);
    }

    private HttpResponse<String> post(String path, String yaml, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base() + path))
                .header("Content-Type", "application/yaml")
                .POST(HttpRequest.BodyPublishers.ofString(yaml));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return get(path, TestTokens.VIEWER);
    }

    private HttpResponse<String> get(String path, String token) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base() + path)).header("Authorization", "Bearer " + token).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private String base() {
        return "http://127.0.0.1:" + environment.getProperty("local.server.port");
    }

    @Test
    void appliesListsAndDeletes() throws Exception {
        assertThat(get("/store/objects?kind=Namespace").body()).contains("\"name\":\"demo\"");

        HttpResponse<String> applied = post("/store/apply?source=pods.yaml", """
                apiVersion: v1
                kind: Pod
                metadata: {name: sleep, namespace: demo}
                spec: {nodeName: node-a, containers: [{name: sleep, image: curl}]}
                """);
        assertThat(applied.statusCode()).isEqualTo(200);
        assertThat(applied.body()).contains("Pod demo/sleep");
        assertThat(get("/store/objects?kind=pod").body()).contains("\"name\":\"sleep\"").contains("\"source\":\"pods.yaml\"");
        // what the CA's node rule asks in local mode
        assertThat(get("/store/pods?node=node-a").body()).contains("\"name\":\"sleep\"", "\"serviceAccount\":\"default\"");
        assertThat(get("/store/pods?node=node-b").body()).isEqualTo("[]");
        // the objects as written, as admin-ui reads them
        String export = get("/store/export?kind=Pod").body();
        assertThat(export).contains("\"source\":\"pods.yaml\"").contains("\"kind\":\"Pod\"").contains("\"nodeName\":\"node-a\"")
                .contains("\"image\":\"curl\"").doesNotContain("\"kind\":\"Namespace\"");

        HttpResponse<String> deleted = post("/store/delete", "apiVersion: v1\nkind: Pod\nmetadata: {name: sleep, namespace: demo}\n");
        assertThat(deleted.statusCode()).isEqualTo(200);
        assertThat(get("/store/objects?kind=Pod").body()).isEqualTo("[]");
    }

    /**
     * The escalation issue 15 names: whoever could POST a pod with another service account onto a
     * node made the CA's node rule (which asks {@code /store/pods} in local mode) hand that node the
     * identity. Without the admin token the POST is refused and the store, as the CA sees it, unchanged.
     */
    @Test
    void onlyTheAdminPutsAPodOnANodeAndTheCaSeesNothingElse() throws Exception {
        String impostor = """
                apiVersion: v1
                kind: Pod
                metadata: {name: impostor, namespace: demo}
                spec: {nodeName: node-a, serviceAccountName: payments, containers: [{name: c, image: i}]}
                """;
        long version = store.snapshot().version();
        assertThat(post("/store/apply", impostor, null).statusCode()).isEqualTo(401);
        assertThat(post("/store/apply", impostor, TestTokens.WRONG).statusCode()).isEqualTo(401);
        assertThat(post("/store/apply", impostor, TestTokens.VIEWER).statusCode()).isEqualTo(403);
        // the CA's own credential reads the pods, and writes nothing
        assertThat(post("/store/apply", impostor, TestTokens.CA_SERVICE).statusCode()).isEqualTo(403);
        assertThat(store.snapshot().version()).isEqualTo(version);
        HttpResponse<String> asTheCa = get("/store/pods?node=node-a", TestTokens.CA_SERVICE);
        assertThat(asTheCa.statusCode()).isEqualTo(200);
        assertThat(asTheCa.body()).doesNotContain("payments");
        // ... and nothing else of the store
        assertThat(get("/store/objects", TestTokens.CA_SERVICE).statusCode()).isEqualTo(403);
    }

    @Test
    void refusesBadYamlAndChangesNothing() throws Exception {
        long version = store.snapshot().version();
        HttpResponse<String> refused = post("/store/apply?source=bad.yaml", """
                apiVersion: v1
                kind: Pod
                metadata: {name: ok, namespace: demo}
                spec: {containers: []}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: bad, namespace: demo}
                spec: {containers: [{name: c, imag: x}]}
                """);
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.body()).contains("bad.yaml:9: spec.containers[0].imag: unknown field");
        assertThat(store.snapshot().version()).isEqualTo(version);
        assertThat(get("/store/objects?kind=Pod").body()).doesNotContain("\"ok\"");

        HttpResponse<String> missing = post("/store/delete", "apiVersion: v1\nkind: Pod\nmetadata: {name: ghost, namespace: demo}\n");
        assertThat(missing.statusCode()).isEqualTo(400);
        assertThat(missing.body()).contains("Pod demo/ghost not found");
        assertThat(post("/store/apply", "{{{{").statusCode()).isEqualTo(400);
    }

    @Test
    void showsTheComputedStatusWithoutChangingTheObjects() throws Exception {
        HttpResponse<String> applied = post("/store/apply?source=status.yaml", """
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: lonely, namespace: demo}
                spec: {gatewayClassName: istio-waypoint, listeners: [{name: mesh, port: 15008, protocol: HBONE}]}
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: allow-get, namespace: demo}
                spec: {action: ALLOW, rules: [{to: [{operation: {methods: [GET]}}]}]}
                """);
        assertThat(applied.statusCode()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            String policies = get("/store/status?kind=authorizationpolicy").body();
            assertThat(policies).contains("\"name\":\"allow-get\"").contains("\"type\":\"ZtunnelAccepted\"")
                    .contains("\"reason\":\"UnsupportedValue\"").contains("found: methods").doesNotContain("\"kind\":\"Gateway\"");
        });
        String all = get("/store/status").body();
        assertThat(all).contains("\"name\":\"lonely\"").contains("\"type\":\"Programmed\"")
                .contains("\"reason\":\"AddressNotAssigned\"");
        // The store keeps the objects as applied.
        var gateway = (io.fabric8.kubernetes.api.model.GenericKubernetesResource) store.snapshot().objects()
                .get(new io.ambit.xds.store.ResourceKey("Gateway", "demo", "lonely")).object();
        assertThat(gateway.getAdditionalProperties()).doesNotContainKey("status");

        post("/store/delete", "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: allow-get, namespace: demo}\n"
                + "---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: lonely, namespace: demo}\n");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(get("/store/status").body()).doesNotContain("allow-get").doesNotContain("lonely"));
    }
}
