package io.ambit.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.ambit.identity.Pem;
import io.ambit.service.TestTokens;
import io.ambit.testkit.IssuedCertificate;
import io.ambit.testkit.TestCa;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * admin-ui against the real xds-server in Kubernetes mode (its built jar, run as its own process
 * with the {@code kubernetes} profile) reading fabric8's mock API server (CRUD): the API shows the
 * API server's namespaces, workloads and policies, follows a {@code kubectl apply} made to the API
 * server, and answers a write with a 501 problem saying to use kubectl (nothing changed). Needs
 * {@code services/xds-server/target/xds-server.jar}, which the reactor builds before admin-ui
 * (module order); run alone, the test skips with that reason.
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesModeTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Path XDS_JAR = Path.of("../xds-server/target/xds-server.jar");
    private static final ResourceDefinitionContext POLICIES = new ResourceDefinitionContext.Builder()
            .withGroup("security.istio.io").withVersion("v1").withKind("AuthorizationPolicy").withPlural("authorizationpolicies")
            .withNamespaced(true).build();

    KubernetesMockServer server;
    KubernetesClient client;

    @TempDir
    Path files;

    private Process xds;
    private ConfigurableApplicationContext admin;

    @BeforeEach
    void start() throws Exception {
        if (!Files.isRegularFile(XDS_JAR)) {
            String reason = "KubernetesModeTest skipped: " + XDS_JAR.toAbsolutePath() + " is not built (mvn -pl services/xds-server -am package)";
            System.out.println(reason);
            Assumptions.abort(reason);
        }
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("demo")
                .addToLabels("istio.io/dataplane-mode", "ambient").endMetadata().build()).create();
        client.pods().inNamespace("demo").resource(new PodBuilder().withNewMetadata().withName("sleep-1").withNamespace("demo")
                .addToLabels("app", "sleep").endMetadata().withNewSpec().withNodeName("node-a").withServiceAccountName("sleep")
                .addNewContainer().withName("sleep").withImage("curl").endContainer().endSpec()
                .withNewStatus().withPhase("Running").withPodIP("10.244.1.10").endStatus().build()).create();
        client.services().inNamespace("demo").resource(new ServiceBuilder().withNewMetadata().withName("echo").withNamespace("demo")
                .endMetadata().withNewSpec().withClusterIP("10.96.0.20").addToSelector("app", "echo")
                .addNewPort().withPort(80).withNewTargetPort(8080).endPort().endSpec().build()).create();
        client.genericKubernetesResources(POLICIES).inNamespace("demo").resource(policy("allow-sleep")).create();

        int port = freePort();
        xds = new ProcessBuilder(xdsCommand(port)).redirectErrorStream(true)
                .redirectOutput(files.resolve("xds-server.log").toFile()).start();
        URI xdsUrl = URI.create("http://127.0.0.1:" + port);
        await().atMost(Duration.ofSeconds(120)).ignoreExceptionsInstanceOf(java.net.ConnectException.class).untilAsserted(() -> {
            assertThat(xds.isAlive()).as("xds-server is running; its log: " + log()).isTrue();
            assertThat(get(xdsUrl.resolve("/store/export"), TestTokens.VIEWER).statusCode()).isEqualTo(200);
        });
        admin = new SpringApplicationBuilder(AdminUiApplication.class).run("--server.port=0", "--management.server.port=0",
                "--ambit.admin.xds-url=" + xdsUrl, "--ambit.admin.refresh=300ms",
                "--ambit.security.admin.token-file=" + TestTokens.file("admin"),
                "--ambit.security.viewer.token-file=" + TestTokens.file("viewer"),
                "--ambit.security.services.ca-service.token-file=" + TestTokens.file("ca-service"));
    }

    @AfterEach
    void stop() throws Exception {
        if (admin != null) {
            admin.close();
        }
        if (xds != null) {
            xds.destroy();
            if (!xds.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                xds.destroyForcibly();
            }
        }
    }

    @Test
    void theApiShowsTheApiServersObjectsFollowsKubectlAndRefusesWritesWithAProblem() throws Exception {
        JsonNode namespaces = api("/api/v1/namespaces");
        assertThat(namespaces.toString()).contains("\"demo\"");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode workloads = api("/api/v1/workloads?namespace=demo");
            assertThat(workloads.toString()).contains("sleep-1", "spiffe://cluster.local/ns/demo/sa/sleep");
        });
        assertThat(api("/api/v1/services?namespace=demo").toString()).contains("\"echo\"", "10.96.0.20");
        assertThat(policyNames()).containsExactly("allow-sleep");

        // kubectl apply: the API server changes, the xds-server's informer follows, admin-ui shows it
        client.genericKubernetesResources(POLICIES).inNamespace("demo").resource(policy("deny-debug")).create();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(policyNames()).containsExactly("allow-sleep", "deny-debug"));

        // a write through admin-ui: a problem saying to use kubectl, and nothing changed
        HttpResponse<String> refused;
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            refused = http.send(HttpRequest.newBuilder(adminUri("/api/v1/apply")).header("Authorization", "Bearer " + TestTokens.ADMIN)
                    .header("Content-Type", "application/yaml").POST(HttpRequest.BodyPublishers.ofString("""
                            apiVersion: v1
                            kind: Namespace
                            metadata: {name: intruder}
                            """)).build(), HttpResponse.BodyHandlers.ofString());
        }
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(501);
        assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        JsonNode problem = JSON.readTree(refused.body());
        assertThat(problem.path("type").asString()).endsWith("/read-only-store");
        assertThat(problem.path("detail").asString()).contains("Kubernetes mode", "kubectl apply");
        assertThat(client.namespaces().withName("intruder").get()).isNull();
    }

    private List<String> policyNames() throws Exception {
        List<String> names = new ArrayList<>();
        api("/api/v1/policies?namespace=demo").forEach(p -> names.add(p.path("name").asString()));
        return names;
    }

    private JsonNode api(String path) throws Exception {
        HttpResponse<String> response = get(adminUri(path), TestTokens.VIEWER);
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private URI adminUri(String path) {
        return URI.create("http://127.0.0.1:" + admin.getEnvironment().getProperty("local.server.port") + path);
    }

    private static HttpResponse<String> get(URI uri, String token) throws Exception {
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            return http.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
        }
    }

    private List<String> xdsCommand(int port) throws IOException {
        TestCa ca = TestCa.newRoot("cluster.local");
        IssuedCertificate serving = ca.issue("spiffe://cluster.local/ns/istio-system/sa/xds-server");
        Path cert = Files.writeString(files.resolve("cert-chain.pem"), Pem.encodeCertificates(serving.chain()));
        Path key = Files.writeString(files.resolve("key.pem"), Pem.encode(serving.privateKey()));
        Path roots = Files.writeString(files.resolve("root-cert.pem"), Pem.encode(ca.root()));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-Dkubernetes.master=" + client.getMasterUrl(), "-Dkubernetes.trust.certificates=true",
                "-Dkubernetes.auth.tryKubeConfig=false", "-Dkubernetes.auth.tryServiceAccount=false", "-Dkubernetes.namespace=istio-system",
                "-jar", XDS_JAR.toString(), "--spring.profiles.active=kubernetes"));
        // credentials as file paths, never values, on the command line
        command.addAll(List.of("--server.port=" + port, "--management.server.port=0",
                "--ambit.xds.identity.cert-file=" + cert, "--ambit.xds.identity.key-file=" + key,
                "--ambit.xds.identity.bundle-file=" + roots, "--ambit.xds.grpc.port=0", "--ambit.xds.grpc.address=127.0.0.1",
                "--ambit.security.admin.token-file=" + TestTokens.file("admin"),
                "--ambit.security.viewer.token-file=" + TestTokens.file("viewer"),
                "--ambit.security.services.ca-service.token-file=" + TestTokens.file("ca-service")));
        return command;
    }

    private String log() {
        try {
            List<String> lines = Files.readAllLines(files.resolve("xds-server.log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static GenericKubernetesResource policy(String name) {
        return new GenericKubernetesResourceBuilder().withApiVersion("security.istio.io/v1").withKind("AuthorizationPolicy")
                .withNewMetadata().withNamespace("demo").withName(name).endMetadata()
                .addToAdditionalProperties("spec", Map.of("action", name.startsWith("deny") ? "DENY" : "ALLOW",
                        "rules", List.of(Map.of("from", List.of(Map.of("source", Map.of(
                                "principals", List.of("cluster.local/ns/demo/sa/sleep"))))))))
                .build();
    }
}
