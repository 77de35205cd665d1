package io.ambit.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.ambit.caclient.CaClient;
import io.ambit.identity.SpiffeId;
import io.ambit.identity.Svid;
import io.ambit.identity.TrustBundle;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Issue 15 §1 on a running lab (on the host: no root needed): no process the lab starts carries a
 * secret in its arguments, and the CA's node rule, which asks the xds-server's store which pods run
 * on a node, cannot be talked into an identity by a pod POSTed without the admin token.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LabCredentialsTest {

    static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    static final String IMPOSTOR = """
            apiVersion: v1
            kind: Pod
            metadata: {name: impostor, namespace: demo}
            spec: {nodeName: node-a, serviceAccountName: payments, containers: [{name: c, image: i}]}
            """;
    static final SpiffeId PAYMENTS = SpiffeId.parse("spiffe://cluster.local/ns/demo/sa/payments");

    Lab lab;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void startLab() throws IOException {
        LabSpec spec = LabSpec.builder(1).ambientNamespace("demo").pod("sleep", "demo", "sleep", 1, Map.of("app", "sleep")).build();
        lab = Lab.start(spec, Lab.Options.forTests(REPO, Duration.ofHours(1)).onTheHost());
    }

    @AfterAll
    void stopLab() {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void noProcessOfTheLabHasATokenInItsCommandLine() throws Exception {
        List<Path> tokenFiles = lab.tokenFiles();
        assertThat(tokenFiles).extracting(p -> p.getFileName().toString())
                .contains("node-a", "xds-server", "admin", "viewer");
        List<String> tokens = new ArrayList<>();
        for (Path file : tokenFiles) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).as(file.toString()).isEqualTo("rw-------");
            tokens.add(Files.readString(file).strip());
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFiles.getFirst().getParent()))).isEqualTo("rwx------");

        List<ProcessHandle> processes = new ArrayList<>();
        for (MeshProcess process : lab.processes()) {
            ProcessHandle handle = ProcessHandle.of(process.pid()).orElseThrow();
            processes.add(handle);
            handle.descendants().forEach(processes::add);
        }
        assertThat(processes).hasSizeGreaterThanOrEqualTo(4); // ca-service, xds-server, one ztunnel, one workload
        for (ProcessHandle process : processes) {
            // NUL-separated argv, as ps and every local user read it
            String cmdline = new String(Files.readAllBytes(Path.of("/proc", Long.toString(process.pid()), "cmdline")),
                    StandardCharsets.UTF_8).replace('\0', ' ');
            assertThat(cmdline).as("pid " + process.pid()).isNotBlank();
            for (String token : tokens) {
                assertThat(cmdline).as("pid %d: %s", process.pid(), cmdline).doesNotContain(token);
            }
        }
    }

    record Run(int exit, String out, String err) {
    }

    /** {@code ./meshctl} as a user runs it, against this lab's store, with the token file given. */
    Run meshctl(Path tokenFile, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", REPO.resolve("meshctl").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("MESHCTL_SERVER", lab.xdsUrl());
        builder.environment().put("MESHCTL_TOKEN_FILE", tokenFile.toString());
        Path err = Files.createTempFile("meshctl", ".err");
        Process process = builder.redirectError(err.toFile()).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = process.waitFor();
        String stderr = Files.readString(err);
        Files.delete(err);
        return new Run(exit, out, stderr);
    }

    @Test
    void meshctlSendsTheTokenFromItsFileAndSaysWhatARefusalIs() throws Exception {
        Path tokens = lab.runDir().resolve("tokens");
        Run pods = meshctl(tokens.resolve("admin"), "get", "Pod");
        assertThat(pods.exit()).as(pods.err()).isZero();
        assertThat(pods.out()).contains("\"name\":\"sleep\"");

        Path yaml = Files.writeString(lab.runDir().resolve("meshctl-impostor.yaml"), IMPOSTOR);
        Run asViewer = meshctl(tokens.resolve("viewer"), "apply", "-f", yaml.toString());
        assertThat(asViewer.exit()).isEqualTo(1);
        assertThat(asViewer.err()).contains("HTTP 403 Forbidden").contains("needs the admin role").doesNotContain("cannot reach");

        Run wrong = meshctl(tokens.resolve("node-a"), "get", "Pod");
        assertThat(wrong.exit()).isEqualTo(1);
        assertThat(wrong.err()).contains("HTTP 401 Unauthorized").contains("not valid").doesNotContain("cannot reach");

        Run none = meshctl(tokens.resolve("no-such-file"), "get", "Pod");
        assertThat(none.exit()).isEqualTo(1);
        assertThat(none.err()).contains("no admin token at");
    }

    HttpResponse<String> apply(String yaml, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(lab.xdsUrl() + "/store/apply"))
                .header("Content-Type", "application/yaml").POST(HttpRequest.BodyPublishers.ofString(yaml));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    Svid askAsNodeA(SpiffeId identity) throws Exception {
        String pem = http.send(HttpRequest.newBuilder(URI.create(lab.bundleUrl())).build(), HttpResponse.BodyHandlers.ofString()).body();
        try (CaClient ca = CaClient.connect(lab.caAddress(), TrustBundle.fromPem("cluster.local", pem),
                SpiffeId.parse("spiffe://cluster.local/ns/istio-system/sa/ca-service"), Optional.empty())) {
            return ca.request(identity, true, Optional.of(token("node-a")), Duration.ofHours(1));
        }
    }

    String token(String name) throws IOException {
        return Files.readString(lab.runDir().resolve("tokens").resolve(name)).strip();
    }

    /**
     * The escalation: a pod with another service account POSTed onto node-a, then node-a's ztunnel
     * asking for that identity. Without the admin token the POST is refused and so is the
     * certificate; with it (the positive control: the CA's question reaches the store, over mutual
     * TLS with its own certificate as the only credential) the same request is granted.
     */
    @Test
    void aPodPostedWithoutTheAdminTokenGivesTheNodeNoIdentity() throws Exception {
        assertThat(apply(IMPOSTOR, null).statusCode()).isEqualTo(401);
        assertThat(apply(IMPOSTOR, token("viewer")).statusCode()).isEqualTo(403);
        assertThat(apply(IMPOSTOR, token("node-a")).statusCode()).as("a node's bootstrap token is no HTTP credential").isEqualTo(401);
        assertThatThrownBy(() -> askAsNodeA(PAYMENTS)).isInstanceOf(StatusRuntimeException.class)
                .hasMessageContaining("PERMISSION_DENIED");

        assertThat(apply(IMPOSTOR, token("admin")).statusCode()).isEqualTo(200);
        try {
            // the CA keeps each node's answer for a second
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() ->
                    assertThat(askAsNodeA(PAYMENTS).id()).isEqualTo(PAYMENTS));
        } finally {
            lab.delete(IMPOSTOR);
        }
    }
}
