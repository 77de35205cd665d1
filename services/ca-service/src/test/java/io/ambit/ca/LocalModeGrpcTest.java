package io.ambit.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import io.ambit.caclient.CaClient;
import io.ambit.ca.grpc.CaGrpcServer;
import io.ambit.ca.grpc.ServingCertificate;
import io.ambit.ca.keys.CaKeyMaterial;
import io.ambit.identity.Csrs;
import io.ambit.identity.KeyPairs;
import io.ambit.identity.SpiffeId;
import io.ambit.identity.Svid;
import io.ambit.identity.SvidValidator;
import io.ambit.identity.TrustBundle;
import io.ambit.proto.ca.IstioCertificateRequest;
import io.ambit.proto.ca.IstioCertificateServiceGrpc;
import io.ambit.tls.MeshTls;
import io.ambit.tls.PeerPolicy;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The CA as a node agent meets it in local mode: the real Spring Boot service, its gRPC server on
 * TLS, bootstrap tokens, and pods read from a config directory (sleep on node-a, echo on node-b).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
        properties = {"server.port=0", "management.server.port=0", "ambit.ca.grpc.port=0",
                "ambit.ca.local.node-tokens.node-a=" + LocalModeGrpcTest.NODE_A_TOKEN,
                "ambit.ca.local.node-tokens.node-b=" + LocalModeGrpcTest.NODE_B_TOKEN})
class LocalModeGrpcTest {

    static final String NODE_A_TOKEN = "test-token-node-a-0123456789";
    static final String NODE_B_TOKEN = "test-token-node-b-0123456789";
    static final SpiffeId SLEEP = SpiffeId.parse("spiffe://cluster.local/ns/demo/sa/sleep");
    static final SpiffeId ECHO = SpiffeId.parse("spiffe://cluster.local/ns/demo/sa/echo");
    static final SpiffeId ZTUNNEL = SpiffeId.parse("spiffe://cluster.local/ns/istio-system/sa/ztunnel");

    @TempDir
    static Path state;
    @TempDir
    static Path config;

    @DynamicPropertySource
    static void directories(DynamicPropertyRegistry registry) throws Exception {
        Files.writeString(config.resolve("pods.yaml"), """
                apiVersion: v1
                kind: Pod
                metadata: {name: sleep-1, namespace: demo}
                spec: {nodeName: node-a, serviceAccountName: sleep, containers: [{name: c, image: i}]}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: echo-1, namespace: demo}
                spec: {nodeName: node-b, serviceAccountName: echo, containers: [{name: c, image: i}]}
                """);
        registry.add("ambit.ca.state-dir", () -> state.toString());
        registry.add("ambit.ca.local.config-dir", () -> config.toString());
    }

    @Autowired
    CaGrpcServer grpcServer;
    @Autowired
    io.ambit.ca.grpc.ServingCertificateRotator rotator;
    @Autowired
    CaKeyMaterial keys;
    @Autowired
    Environment environment;

    private InetSocketAddress address;
    private CaClient bootstrapClient;

    @BeforeEach
    void connect() throws Exception {
        address = new InetSocketAddress("127.0.0.1", grpcServer.port());
        bootstrapClient = CaClient.connect(address, keys.bundle(), caIdentity(), Optional.empty());
    }

    @AfterEach
    void close() {
        bootstrapClient.close();
    }

    private static SpiffeId caIdentity() {
        return ServingCertificate.identity("cluster.local", "istio-system").spiffeId();
    }

    @Test
    void nodeAgentObtainsTheIdentityOfAPodOnItsNode() {
        Svid svid = bootstrapClient.request(SLEEP, true, Optional.of(NODE_A_TOKEN), Duration.ofHours(1));
        assertThat(svid.id()).isEqualTo(SLEEP);
        assertThat(SvidValidator.validate(svid.chain(), keys.bundle(), java.time.Instant.now())).isEqualTo(SLEEP);
        CaTestSupport.assertOpensslVerifies(svid.chain());
    }

    @Test
    void nodeAgentIsRefusedTheIdentityOfAPodOnAnotherNode() {
        assertThatThrownBy(() -> bootstrapClient.request(ECHO, true, Optional.of(NODE_A_TOKEN), Duration.ofHours(1)))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                    assertThat(e.getStatus().getDescription()).contains("node rule")
                            .contains("demo/echo").contains("node-a");
                });
        // ...while node-b's agent gets it.
        assertThat(bootstrapClient.request(ECHO, true, Optional.of(NODE_B_TOKEN), Duration.ofHours(1)).id()).isEqualTo(ECHO);
    }

    @Test
    void nodeAgentObtainsItsOwnIdentityAndRenewsItOverMutualTls() {
        Svid own = bootstrapClient.request(ZTUNNEL, false, Optional.of(NODE_A_TOKEN), Duration.ofHours(1));
        try (CaClient mtls = CaClient.connect(address, keys.bundle(), caIdentity(), Optional.of(own))) {
            Svid renewed = mtls.request(ZTUNNEL, false, Optional.empty(), Duration.ofHours(1));
            assertThat(renewed.id()).isEqualTo(ZTUNNEL);
            assertThat(renewed.leaf().getSerialNumber()).isNotEqualTo(own.leaf().getSerialNumber());
            // A certificate proves no node, so it cannot be used to impersonate.
            assertThatThrownBy(() -> mtls.request(SLEEP, true, Optional.empty(), Duration.ofHours(1)))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                        assertThat(e.getStatus().getDescription()).contains("does not prove which node");
                    });
        }
    }

    @Test
    void refusesCallersWithoutAValidCredential() {
        assertStatus(() -> bootstrapClient.request(SLEEP, true, Optional.empty(), Duration.ofHours(1)),
                Status.Code.UNAUTHENTICATED, "no credential");
        assertStatus(() -> bootstrapClient.request(SLEEP, true, Optional.of("garbage-token-that-is-long"), Duration.ofHours(1)),
                Status.Code.UNAUTHENTICATED, "not a known node bootstrap credential");
    }

    @Test
    void refusesBadRequestsWithSpecificErrorsAndKeepsServing() throws Exception {
        var keysPair = KeyPairs.ecP256();
        String goodCsr = Csrs.createPem(keysPair, SLEEP);
        assertStatus(() -> raw(NODE_A_TOKEN, SLEEP, "not a csr", 3600), Status.Code.INVALID_ARGUMENT, "not a PEM certificate request");
        assertStatus(() -> raw(NODE_A_TOKEN, SLEEP, goodCsr, -5), Status.Code.INVALID_ARGUMENT, "negative");
        assertStatus(() -> raw(NODE_A_TOKEN, SLEEP, goodCsr, Duration.ofDays(400).toSeconds()), Status.Code.INVALID_ARGUMENT,
                "exceeds the maximum");
        assertStatus(() -> raw(NODE_A_TOKEN, SLEEP, Csrs.createPem(KeyPairs.ecP256(), ECHO), 3600), Status.Code.INVALID_ARGUMENT,
                "but the caller is authorized for " + SLEEP);
        assertStatus(() -> raw(NODE_A_TOKEN, SLEEP, "x".repeat(10 * 1024 * 1024), 3600), Status.Code.RESOURCE_EXHAUSTED, "");
        // a workload never gets a DNS name, whatever it asks for
        assertStatus(() -> raw(NODE_A_TOKEN, SLEEP, Csrs.createPem(KeyPairs.ecP256(), SLEEP, java.util.List.of("istiod.istio-system.svc")),
                3600), Status.Code.INVALID_ARGUMENT, "only the control plane's own identities may carry DNS SANs");
        assertStatus(() -> rawWithMetadata(NODE_A_TOKEN, goodCsr, com.google.protobuf.Struct.newBuilder()
                        .putFields("ImpersonatedIdentity", com.google.protobuf.Value.newBuilder().setNumberValue(7).build()).build()),
                Status.Code.INVALID_ARGUMENT, "ImpersonatedIdentity must be a string");
        assertStatus(() -> rawWithMetadata(NODE_A_TOKEN, goodCsr, com.google.protobuf.Struct.newBuilder()
                        .putFields("ImpersonatedIdentity", com.google.protobuf.Value.newBuilder().setStringValue("spiffe://cluster.local/x").build()).build()),
                Status.Code.INVALID_ARGUMENT, "not an Istio workload identity");
        // The service is unaffected: a good request still succeeds.
        assertThat(raw(NODE_A_TOKEN, SLEEP, goodCsr, 3600)).isNotEmpty();
    }

    @Test
    void countsOutcomesAndServesTheTrustBundle() throws Exception {
        bootstrapClient.request(SLEEP, true, Optional.of(NODE_A_TOKEN), Duration.ofHours(1));
        assertStatus(() -> bootstrapClient.request(ECHO, true, Optional.of(NODE_A_TOKEN), Duration.ofHours(1)),
                Status.Code.PERMISSION_DENIED, "node rule");
        assertStatus(() -> bootstrapClient.request(SLEEP, true, Optional.of("garbage-token-that-is-long"), Duration.ofHours(1)),
                Status.Code.UNAUTHENTICATED, "not a known node bootstrap credential");
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String base = "http://127.0.0.1:" + environment.getProperty("local.server.port");
        String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + environment.getProperty("local.management.port") + "/actuator/prometheus")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).contains("ambit_ca_requests_total{app=\"ca-service\",outcome=\"signed\",reason=\"ok\"}")
                .contains("reason=\"node_rule\"")
                .contains("citadel_server_csr_count{")
                .contains("ambit_ca_sign_duration_seconds_bucket")
                .contains("citadel_server_root_cert_expiry_seconds");
        // The control-plane dashboard's CA panels (citadel_*) read this scrape; the xds-server checks the rest.
        var dashboard = io.ambit.service.GrafanaDashboard.load("control-plane.json");
        assertThat(dashboard.metrics()).contains("citadel_server_csr_count", "citadel_server_root_cert_expiry_seconds");
        assertThat(dashboard.missingFrom(metrics, metric -> metric.startsWith("citadel_"))).isEmpty();
        assertThat(metrics).containsPattern("(?m)^citadel_server_success_cert_issuance_count\\{app=\"ca-service\"} [1-9]")
                .containsPattern("(?m)^citadel_server_root_cert_expiry_timestamp\\{app=\"ca-service\"} [1-9]")
                .containsPattern("(?m)^citadel_server_cert_chain_expiry_seconds\\{app=\"ca-service\"} [1-9]")
                .containsPattern("(?m)^citadel_server_authentication_failure_count\\{app=\"ca-service\"} [1-9]")
                .doesNotContain("citadel_server_csr_count_total");

        String pem = http.send(HttpRequest.newBuilder(URI.create(base + "/ca/root-cert.pem")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(TrustBundle.fromPem("cluster.local", pem).authorities()).containsExactly(keys.root());
        String json = http.send(HttpRequest.newBuilder(URI.create(base + "/ca/spiffe-bundle.json")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(TrustBundle.fromSpiffeBundleJson("cluster.local", json).authorities()).containsExactly(keys.root());
    }

    @Test
    void itsServingCertificateCarriesItsServiceDnsNames() throws Exception {
        var leaf = rotator.context().keyMaterial().svid().chain().getFirst();
        java.util.List<String> dns = leaf.getSubjectAlternativeNames().stream().filter(san -> (Integer) san.get(0) == 2)
                .map(san -> (String) san.get(1)).toList();
        assertThat(dns).containsExactly("ca-service.istio-system.svc", "ca-service.istio-system.svc.cluster.local", "localhost");
    }

    @Test
    void servesWithItsOwnSvid() throws Exception {
        var tls = MeshTls.bootstrapClient(keys.bundle(), PeerPolicy.exactly(caIdentity()));
        ManagedChannel channel = NettyChannelBuilder.forAddress(address).sslContext(tls).build();
        try {
            // Any call completes the handshake; the trust manager has checked the CA's SPIFFE ID.
            assertStatus(() -> IstioCertificateServiceGrpc.newBlockingStub(channel)
                    .createCertificate(IstioCertificateRequest.getDefaultInstance()), Status.Code.UNAUTHENTICATED, "");
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void theServingCertificateIsRenewedInPlace() throws Exception {
        java.math.BigInteger before = servingSerial();
        try (CaClient open = CaClient.connect(address, keys.bundle(), caIdentity(), Optional.empty())) {
            open.request(SLEEP, true, Optional.of(NODE_A_TOKEN), Duration.ofHours(1));
            rotator.rotate();
            // New connections see the new certificate; the open channel keeps working.
            assertThat(servingSerial()).isNotEqualTo(before);
            assertThat(open.request(SLEEP, true, Optional.of(NODE_A_TOKEN), Duration.ofHours(1)).id()).isEqualTo(SLEEP);
        }
        assertThat(bootstrapClient.request(SLEEP, true, Optional.of(NODE_A_TOKEN), Duration.ofHours(1)).id()).isEqualTo(SLEEP);
    }

    /** The serial of the certificate the CA presents to a new connection (a bare TLS 1.3 handshake). */
    private java.math.BigInteger servingSerial() throws Exception {
        javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLSv1.3");
        tls.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
            public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) {
            }

            public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) {
            }

            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                return new java.security.cert.X509Certificate[0];
            }
        }}, null);
        try (var socket = (javax.net.ssl.SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", address.getPort())) {
            socket.startHandshake();
            return ((java.security.cert.X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }

    private java.util.List<String> raw(String token, SpiffeId identity, String csr, long validity) {
        return rawWithMetadata(token, csr, validity, com.google.protobuf.Struct.newBuilder().putFields("ImpersonatedIdentity",
                com.google.protobuf.Value.newBuilder().setStringValue(identity.toString()).build()).build());
    }

    private java.util.List<String> rawWithMetadata(String token, String csr, com.google.protobuf.Struct metadata) {
        return rawWithMetadata(token, csr, 3600, metadata);
    }

    private java.util.List<String> rawWithMetadata(String token, String csr, long validity, com.google.protobuf.Struct metadata) {
        var tls = MeshTls.bootstrapClient(keys.bundle(), PeerPolicy.exactly(caIdentity()));
        ManagedChannel channel = NettyChannelBuilder.forAddress(address).sslContext(tls).maxInboundMessageSize(1 << 20).build();
        try {
            Metadata headers = new Metadata();
            headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
            return IstioCertificateServiceGrpc.newBlockingStub(channel)
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                    .createCertificate(IstioCertificateRequest.newBuilder().setCsr(csr).setValidityDuration(validity)
                            .setMetadata(metadata).build())
                    .getCertChainList();
        } finally {
            channel.shutdownNow();
        }
    }

    private static void assertStatus(Runnable call, Status.Code code, String message) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(code);
            if (!message.isEmpty()) {
                assertThat(e.getStatus().getDescription()).contains(message);
            }
        });
    }
}
