package io.ambit.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.ambit.ca.auth.CallerAuthenticator;
import io.ambit.ca.auth.TokenReviewAuthenticator;
import io.ambit.ca.authz.IdentityAuthorizer;
import io.ambit.ca.authz.KubernetesPodLocator;
import io.ambit.ca.bundle.RootCertConfigMapPublisher;
import io.ambit.ca.grpc.CaGrpcServer;
import io.ambit.ca.grpc.IstioCertificateGrpcService;
import io.ambit.ca.grpc.ServingCertificate;
import io.ambit.ca.grpc.ServingCertificateRotator;
import io.ambit.ca.keys.CaKeyMaterial;
import io.ambit.ca.keys.SecretCaKeyStore;
import io.ambit.ca.signing.CsrPolicy;
import io.ambit.ca.telemetry.AuditLog;
import io.ambit.ca.telemetry.CaMetrics;
import io.ambit.caclient.CaClient;
import io.ambit.identity.SpiffeId;
import io.ambit.identity.Svid;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Kubernetes mode against fabric8's mock API server in CRUD mode: pods on two nodes, the root in
 * a Secret, callers authenticated by TokenReview. The node-a ztunnel obtains node-a pods'
 * identities and is refused node-b's.
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesModeTest {

    // Instance fields: a fresh API server for every test.
    KubernetesMockServer server;
    KubernetesClient client;

    static final String NODE_A_ZTUNNEL = "token-ztunnel-node-a";
    static final String NODE_B_ZTUNNEL = "token-ztunnel-node-b";
    static final String SLEEP_POD_TOKEN = "token-sleep-pod";
    static final SpiffeId SLEEP = SpiffeId.parse("spiffe://cluster.local/ns/demo/sa/sleep");
    static final SpiffeId ECHO = SpiffeId.parse("spiffe://cluster.local/ns/demo/sa/echo");

    private KubernetesPodLocator pods;
    private CaGrpcServer grpc;
    private CaKeyMaterial keys;
    private RootCertConfigMapPublisher publisher;

    @BeforeEach
    void start() {
        // The API server's answers to TokenReviews: who each test token belongs to, and its pod binding.
        server.expect().post().withPath("/apis/authentication.k8s.io/v1/tokenreviews").andReply(201, request -> {
            TokenReview asked = Serialization.unmarshal(request.getBody().readUtf8(), TokenReview.class);
            return review(asked.getSpec().getToken(), asked.getSpec().getAudiences());
        }).always();
        for (String ns : List.of("istio-system", "demo")) {
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
        }
        pod("sleep-1", "sleep", "node-a", "uid-sleep-1");
        pod("echo-1", "echo", "node-b", "uid-echo-1");

        keys = new SecretCaKeyStore(client, "istio-system", "cluster.local").loadOrCreate();
        pods = new KubernetesPodLocator(client).start();
        Clock clock = Clock.systemUTC();
        CertificateAuthority ca = new CertificateAuthority(keys,
                new CallerAuthenticator(new TokenReviewAuthenticator(client, "cluster.local", "istio-ca"), keys::bundle, clock),
                new IdentityAuthorizer("cluster.local", List.of("istio-system/ztunnel"), pods),
                new CsrPolicy(64 * 1024, Duration.ofHours(24), Duration.ofHours(24), io.ambit.ca.crypto.SignatureEngines.best()),
                new io.ambit.ca.signing.SvidSigner(keys, clock, io.ambit.ca.crypto.SignatureEngines.best()),
                new CaMetrics(new SimpleMeterRegistry(), () -> keys, clock), new AuditLog(), clock);
        grpc = new CaGrpcServer(new InetSocketAddress("127.0.0.1", 0),
                new ServingCertificateRotator(keys, "cluster.local", "istio-system", Duration.ofDays(1), clock).context(),
                new IstioCertificateGrpcService(ca), 256 * 1024, 16 * 1024);
        grpc.start();
        publisher = new RootCertConfigMapPublisher(client, keys.bundle().toPem()).start();
    }

    @AfterEach
    void stop() {
        publisher.close();
        grpc.stop();
        pods.close();
    }

    private void pod(String name, String serviceAccount, String node, String uid) {
        client.pods().inNamespace("demo").resource(new PodBuilder()
                .withNewMetadata().withName(name).withNamespace("demo").withUid(uid).endMetadata()
                .withNewSpec().withNodeName(node).withServiceAccountName(serviceAccount)
                .addNewContainer().withName("app").withImage("echo").endContainer().endSpec()
                .build()).create();
    }

    private static TokenReview review(String token, List<String> audiences) {
        var builder = new TokenReviewBuilder().withNewSpec().withToken(token).withAudiences(audiences).endSpec();
        return switch (token) {
            case NODE_A_ZTUNNEL, NODE_B_ZTUNNEL -> builder.withNewStatus().withAuthenticated(true).withAudiences(audiences)
                    .withNewUser().withUsername("system:serviceaccount:istio-system:ztunnel")
                    .withExtra(Map.of("authentication.kubernetes.io/node-name",
                            List.of(token.equals(NODE_A_ZTUNNEL) ? "node-a" : "node-b")))
                    .endUser().endStatus().build();
            case SLEEP_POD_TOKEN -> builder.withNewStatus().withAuthenticated(true).withAudiences(audiences)
                    .withNewUser().withUsername("system:serviceaccount:demo:sleep")
                    .withExtra(Map.of("authentication.kubernetes.io/pod-name", List.of("sleep-1"),
                            "authentication.kubernetes.io/pod-uid", List.of("uid-sleep-1")))
                    .endUser().endStatus().build();
            default -> builder.withNewStatus().withAuthenticated(false).withError("invalid bearer token").endStatus().build();
        };
    }

    private CaClient client() {
        return CaClient.connect(new InetSocketAddress("127.0.0.1", grpc.port()), keys.bundle(),
                ServingCertificate.identity("cluster.local", "istio-system").spiffeId(), Optional.empty());
    }

    @Test
    void nodeAZtunnelGetsNodeAPodsAndIsRefusedNodeBPods() {
        try (CaClient ca = client()) {
            Svid sleep = ca.request(SLEEP, true, Optional.of(NODE_A_ZTUNNEL), Duration.ofHours(1));
            assertThat(sleep.id()).isEqualTo(SLEEP);
            CaTestSupport.assertOpensslVerifies(sleep.chain());
            assertThatThrownBy(() -> ca.request(ECHO, true, Optional.of(NODE_A_ZTUNNEL), Duration.ofHours(1)))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                        assertThat(e.getStatus().getDescription()).contains("node rule").contains("node-a");
                    });
            assertThat(ca.request(ECHO, true, Optional.of(NODE_B_ZTUNNEL), Duration.ofHours(1)).id()).isEqualTo(ECHO);
        }
    }

    @Test
    void theNodeRuleFollowsPodsAsTheyComeAndGo() {
        try (CaClient ca = client()) {
            SpiffeId late = SpiffeId.parse("spiffe://cluster.local/ns/demo/sa/late");
            assertThatThrownBy(() -> ca.request(late, true, Optional.of(NODE_A_ZTUNNEL), Duration.ofHours(1)))
                    .isInstanceOf(StatusRuntimeException.class);
            pod("late-1", "late", "node-a", "uid-late-1");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(ca.request(late, true, Optional.of(NODE_A_ZTUNNEL), Duration.ofHours(1)).id()).isEqualTo(late));
            client.pods().inNamespace("demo").withName("late-1").delete();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThatThrownBy(() -> ca.request(late, true, Optional.of(NODE_A_ZTUNNEL), Duration.ofHours(1)))
                            .isInstanceOf(StatusRuntimeException.class));
        }
    }

    @Test
    void aPodTokenGetsItsOwnIdentityOnly() {
        try (CaClient ca = client()) {
            assertThat(ca.request(SLEEP, false, Optional.of(SLEEP_POD_TOKEN), Duration.ofHours(1)).id()).isEqualTo(SLEEP);
            assertThatThrownBy(() -> ca.request(ECHO, true, Optional.of(SLEEP_POD_TOKEN), Duration.ofHours(1)))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getDescription()).contains("not a trusted node agent"));
        }
    }

    @Test
    void aTokenTheApiServerRejectsIsUnauthenticated() {
        try (CaClient ca = client()) {
            assertThatThrownBy(() -> ca.request(SLEEP, true, Optional.of("forged"), Duration.ofHours(1)))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                        assertThat(e.getStatus().getDescription()).contains("invalid bearer token");
                    });
        }
    }

    @Test
    void theRootLivesInASecretAndIsReusedAfterRestart() {
        assertThat(client.secrets().inNamespace("istio-system").withName(SecretCaKeyStore.SELF_SIGNED_SECRET).get()).isNotNull();
        CaKeyMaterial again = new SecretCaKeyStore(client, "istio-system", "cluster.local").loadOrCreate();
        assertThat(again.root()).isEqualTo(keys.root());
    }

    @Test
    void publishesTheRootCertConfigMapInEveryNamespace() {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("later").endMetadata().build()).create();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            for (String ns : List.of("istio-system", "demo", "later")) {
                var map = client.configMaps().inNamespace(ns).withName(RootCertConfigMapPublisher.NAME).get();
                assertThat(map).as("ConfigMap in %s", ns).isNotNull();
                assertThat(map.getData().get(RootCertConfigMapPublisher.KEY)).isEqualTo(keys.bundle().toPem());
            }
        });
    }
}
