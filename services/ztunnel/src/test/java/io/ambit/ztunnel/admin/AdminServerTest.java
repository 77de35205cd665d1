package io.ambit.ztunnel.admin;

import static io.ambit.ztunnel.state.Fixtures.authorizations;
import static io.ambit.ztunnel.state.Fixtures.addresses;
import static io.ambit.ztunnel.state.Fixtures.bytes;
import static io.ambit.ztunnel.state.Fixtures.pod;
import static io.ambit.ztunnel.state.Fixtures.resource;
import static io.ambit.ztunnel.state.Fixtures.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.StreamSupport;

import io.ambit.identity.SpiffeId;
import io.ambit.identity.Svid;
import io.ambit.proto.security.Action;
import io.ambit.proto.security.Address;
import io.ambit.proto.security.Authorization;
import io.ambit.proto.security.Clause;
import io.ambit.proto.security.Match;
import io.ambit.proto.security.Rule;
import io.ambit.proto.security.Scope;
import io.ambit.testkit.IssuedCertificate;
import io.ambit.testkit.TestCa;
import io.ambit.ztunnel.identity.WorkloadCertificates;
import io.ambit.ztunnel.state.StateStore;
import io.ambit.ztunnel.state.XdsStateHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The admin endpoint on an ephemeral loopback port, over a state filled as xDS would fill it. */
class AdminServerTest {

    static final TestCa CA = TestCa.newRoot("cluster.local").newIntermediate();
    static final SpiffeId SLEEP = SpiffeId.parse("spiffe://cluster.local/ns/demo/sa/sleep");
    /** An identity whose CA request never succeeds: shown as pending. */
    static final SpiffeId ECHO = SpiffeId.parse("spiffe://cluster.local/ns/demo/sa/echo");
    /** Certificates are issued at whole seconds, as X.509 stores them, so remaining time is exact. */
    static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);

    final StateStore state = new StateStore();
    volatile IssuedCertificate issued;
    WorkloadCertificates certificates;
    AdminServer server;
    HttpClient http;

    @BeforeEach
    void start() throws Exception {
        XdsStateHandler handler = new XdsStateHandler(state);
        handler.apply(addresses(resource(pod("demo", "sleep-1", "node-a", "10.244.1.10").build()),
                resource(service("demo", "echo", "10.96.0.10", 80, 8080).build())));
        handler.apply(authorizations(resource(Authorization.newBuilder().setName("allow-sleep").setNamespace("demo")
                .setScope(Scope.NAMESPACE).setAction(Action.ALLOW)
                .addRules(Rule.newBuilder().addClauses(Clause.newBuilder().addMatches(Match.newBuilder()
                        .addSourceIps(Address.newBuilder().setAddress(bytes("10.244.0.0")).setLength(16))
                        .addDestinationPorts(8080))))
                .build())));

        certificates = new WorkloadCertificates(id -> () -> {
            if (id.equals(ECHO)) {
                throw new IllegalStateException("CA unavailable");
            }
            issued = CA.leaf(id.toString()).validity(NOW.minusSeconds(60), NOW.plus(Duration.ofHours(1))).issue();
            return new Svid(id, issued.privateKey(), issued.chain());
        }, Clock.systemUTC());
        certificates.serve(java.util.Set.of(SLEEP, ECHO));
        await().atMost(Duration.ofSeconds(10)).until(() -> certificates.current(SLEEP).isPresent());

        server = new AdminServer(0, new ConfigDump(state, certificates, Clock.fixed(NOW, ZoneOffset.UTC)));
        server.start();
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterEach
    void stop() {
        http.close();
        server.close();
        certificates.close();
    }

    /** The shape of istio/ztunnel's dump (and of istioctl's {@code configdump/api.go}, which reads it). */
    @Test
    void configDumpHasZtunnelsJsonShape() throws Exception {
        HttpResponse<String> response = get("/config_dump");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/json");
        JsonNode dump = ConfigDump.JSON.readTree(response.body());
        assertThat(dump.propertyNames()).containsExactly("workloads", "services", "policies", "certificates", "generation", "capture");
        assertThat(dump.get("generation").asLong()).isEqualTo(state.snapshot().generation()).isEqualTo(2);

        JsonNode workload = dump.get("workloads").get(0);
        assertThat(workload.get("uid").asString()).isEqualTo("Kubernetes//Pod/demo/sleep-1");
        assertThat(workload.get("workloadIps").get(0).asString()).isEqualTo("10.244.1.10");
        assertThat(workload.get("protocol").asString()).isEqualTo("HBONE");
        assertThat(workload.get("name").asString()).isEqualTo("sleep-1");
        assertThat(workload.get("namespace").asString()).isEqualTo("demo");
        assertThat(workload.get("node").asString()).isEqualTo("node-a");
        assertThat(workload.get("status").asString()).isEqualTo("Healthy");
        assertThat(workload.has("tunnelProtocol")).as("the protobuf name is not ztunnel's").isFalse();

        JsonNode service = dump.get("services").get(0);
        assertThat(service.get("hostname").asString()).isEqualTo("echo.demo.svc.cluster.local");
        assertThat(service.get("name").asString()).isEqualTo("echo");
        assertThat(service.get("vips").get(0).asString()).isEqualTo("/10.96.0.10");
        assertThat(service.get("ports").get("80").asInt()).isEqualTo(8080);
        assertThat(service.get("endpoints").isObject()).isTrue();

        JsonNode policy = dump.get("policies").get(0);
        assertThat(policy.get("name").asString()).isEqualTo("allow-sleep");
        assertThat(policy.get("scope").asString()).isEqualTo("Namespace");
        assertThat(policy.get("action").asString()).isEqualTo("Allow");
        assertThat(policy.at("/rules/0/0/0/sourceIps/0").asString()).isEqualTo("10.244.0.0/16");
        assertThat(policy.at("/rules/0/0/0/destinationPorts/0").asInt()).isEqualTo(8080);
        assertThat(dump.get("certificates")).isEqualTo(ConfigDump.JSON.readTree(get("/certs").body()));
        assertThat(dump.at("/capture/enabled").asBoolean()).isFalse();
    }

    /** ztunnel's CertsDump: base64 PEM, decimal serial, RFC 3339 validity; leaf and intermediates, then roots. */
    @Test
    void certsDescribeEachServedIdentity() throws Exception {
        JsonNode certs = ConfigDump.JSON.readTree(get("/certs").body());

        assertThat(certs).hasSize(2);
        JsonNode echo = certs.get(0);
        assertThat(echo.get("identity").asString()).isEqualTo(ECHO.toString());
        assertThat(echo.get("state").asString()).isEqualTo("Initializing");
        assertThat(echo.get("certChain")).isEmpty();

        JsonNode sleep = certs.get(1);
        var leaf = issued.certificate();
        assertThat(sleep.propertyNames()).containsExactly("identity", "state", "certChain", "rootCerts");
        assertThat(sleep.get("identity").asString()).isEqualTo(SLEEP.toString());
        assertThat(sleep.get("state").asString()).isEqualTo("Available");
        JsonNode first = sleep.get("certChain").get(0);
        assertThat(first.propertyNames()).containsExactly("pem", "serialNumber", "validFrom", "expirationTime");
        assertThat(first.get("serialNumber").asString()).isEqualTo(leaf.getSerialNumber().toString());
        assertThat(first.get("validFrom").asString()).isEqualTo(NOW.minusSeconds(60).toString());
        assertThat(first.get("expirationTime").asString()).isEqualTo(NOW.plus(Duration.ofHours(1)).toString());
        String pem = new String(Base64.getDecoder().decode(first.get("pem").asString()), java.nio.charset.StandardCharsets.US_ASCII);
        var parsed = (java.security.cert.X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                .generateCertificate(new java.io.ByteArrayInputStream(pem.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        assertThat(parsed).isEqualTo(leaf);
        assertThat(sleep.get("certChain")).as("leaf and intermediate").hasSize(2);
        assertThat(sleep.get("rootCerts")).as("the self-signed root of the chain, when no bundle is given").hasSize(1);
    }

    @Test
    void noPrivateKeyEverLeaves() throws Exception {
        String dump = get("/config_dump").body() + get("/certs").body();
        byte[] key = issued.privateKey().getEncoded();

        assertThat(dump).doesNotContain("PRIVATE KEY").doesNotContainIgnoringCase("privateKey");
        assertThat(dump).doesNotContain(Base64.getEncoder().encodeToString(key))
                .doesNotContain(Base64.getMimeEncoder().encodeToString(key).lines().findFirst().orElseThrow())
                .doesNotContainIgnoringCase(HexFormat.of().formatHex(key));
    }

    @Test
    void anythingElseIsNotFound() throws Exception {
        for (String path : List.of("/", "/config_dump/", "/certs/x", "/stats", "/config_dumpx")) {
            HttpResponse<String> response = get(path);
            assertThat(response.statusCode()).as(path).isEqualTo(404);
            assertThat(response.body()).contains("/config_dump and /certs");
        }
        assertThat(get("/certs?format=json").statusCode()).isEqualTo(200);
    }

    @Test
    void onlyGetIsAllowed() throws Exception {
        for (String method : List.of("POST", "PUT", "DELETE", "PATCH")) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri("/config_dump"))
                    .method(method, HttpRequest.BodyPublishers.ofString("x".repeat(1_000))).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(method).isEqualTo(405);
            assertThat(response.headers().firstValue("Allow")).contains("GET");
            assertThat(response.headers().firstValue("Connection")).contains("close"); // its body was not read
        }
        HttpResponse<Void> head = http.send(HttpRequest.newBuilder(uri("/certs")).method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.discarding());
        assertThat(head.statusCode()).isEqualTo(405);
        assertThat(get("/certs").statusCode()).isEqualTo(200); // the server is still answering
    }

    @Test
    void listensOnLoopbackOnly() throws Exception {
        assertThat(server.address().getAddress()).isEqualTo(InetAddress.getByName("127.0.0.1"));
        assertThat(server.address().getPort()).isPositive();

        Optional<InetAddress> external = NetworkInterface.networkInterfaces().filter(AdminServerTest::up)
                .flatMap(NetworkInterface::inetAddresses)
                .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress())
                .findFirst();
        assumeThat(external).as("a non-loopback IPv4 address on this machine").isPresent();
        try (Socket socket = new Socket()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(
                    () -> socket.connect(new InetSocketAddress(external.get(), server.address().getPort()), 5_000))
                    .isInstanceOf(ConnectException.class);
        }
    }

    @Test
    void closingReleasesThePort() throws Exception {
        InetSocketAddress address = server.address();
        server.close();

        try (java.net.ServerSocket again = new java.net.ServerSocket()) {
            again.setReuseAddress(true);
            again.bind(address);
            assertThat(again.isBound()).isTrue();
        }
    }

    private static boolean up(NetworkInterface network) {
        try {
            return network.isUp();
        } catch (SocketException e) {
            return false;
        }
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.address().getPort() + path);
    }
}
