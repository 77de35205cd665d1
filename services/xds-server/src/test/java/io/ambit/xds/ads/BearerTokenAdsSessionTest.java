package io.ambit.xds.ads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.ambit.xds.identity.TokenReviewBearerAuthenticator;
import io.ambit.xds.state.XdsState;
import io.ambit.xdsclient.AdsSession;
import io.ambit.xdsclient.XdsUpdate;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ambit's own node agent session ({@link AdsSession#useBearerToken}) on the bearer-only path Istio's
 * ztunnel takes: TLS without a client certificate, the projected token read from its file at each call
 * and reviewed by the (mock) API server's TokenReview, the node agent's view in return. A server that
 * accepts certificates only gives it nothing: no certificate was presented.
 */
@EnableKubernetesMockClient
class BearerTokenAdsSessionTest {

    KubernetesMockServer server;
    KubernetesClient client;
    AdsTestBench bench;
    @TempDir
    Path dir;
    final Set<String> reviewedTokens = ConcurrentHashMap.newKeySet();
    final Map<String, XdsUpdate.Resource> addresses = new ConcurrentHashMap<>();
    final List<XdsUpdate> updates = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        server.expect().post().withPath("/apis/authentication.k8s.io/v1/tokenreviews").andReply(201, request -> {
            Map<?, ?> review = Serialization.unmarshal(request.getBody().readUtf8(), Map.class);
            String token = String.valueOf(((Map<?, ?>) review.get("spec")).get("token"));
            reviewedTokens.add(token);
            boolean ztunnel = token.startsWith("projected-ztunnel-");
            return Map.of("apiVersion", "authentication.k8s.io/v1", "kind", "TokenReview",
                    "status", !ztunnel ? Map.of("authenticated", false, "error", "invalid bearer token")
                            : Map.of("authenticated", true, "audiences", List.of("istio-ca"),
                                    "user", Map.of("username", "system:serviceaccount:istio-system:ztunnel")));
        }).always();
        bench = new AdsTestBench(DeltaAdsTest.MESH + "---\n" + DeltaAdsTest.pod("echo-1", "10.244.1.5"));
    }

    @AfterEach
    void close() throws Exception {
        bench.close();
    }

    @Test
    void theNodeAgentsTokenWithoutACertificateGetsItsView() throws Exception {
        bench.server.stop();
        bench.startServer(0, new TokenReviewBearerAuthenticator(client, AdsTestBench.TD, "istio-ca", List.of("istio-system/ztunnel")));
        Path tokenFile = Files.writeString(dir.resolve("istio-token"), "projected-ztunnel-1\n");

        try (AdsSession session = session()) {
            session.useBearerToken(bench.bundle, () -> read(tokenFile), "Kubernetes");
            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(addresses.keySet())
                    .containsExactlyInAnyOrderElementsOf(bench.state.current().of(XdsState.ADDRESS_TYPE).keySet()));
            assertThat(reviewedTokens).containsExactly("projected-ztunnel-1");
            // the same peer a certificate of the node agent would make it
            assertThat(bench.service.clients()).singleElement()
                    .satisfies(c -> assertThat(c.peer()).isEqualTo(AdsTestBench.ZTUNNEL_ID.toString()));
        }
    }

    @Test
    void aServerThatWantsCertificatesGivesItNothing() throws Exception {
        Path tokenFile = Files.writeString(dir.resolve("istio-token"), "projected-ztunnel-1\n");
        try (AdsSession session = session()) {
            session.useBearerToken(bench.bundle, () -> read(tokenFile), "Kubernetes");
            // the session keeps trying with backoff; the server never serves it
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> updates.isEmpty());
            assertThat(bench.service.clients()).isEmpty();
            assertThat(reviewedTokens).isEmpty();
        }
    }

    private AdsSession session() {
        return new AdsSession(new java.net.InetSocketAddress("127.0.0.1", bench.port), AdsTestBench.SERVER_ID,
                BearerTokenAdsTest.firstRequest().getNode(), List.of(XdsState.ADDRESS_TYPE), update -> {
                    updates.add(update);
                    if (update.typeUrl().equals(XdsState.ADDRESS_TYPE)) {
                        update.updated().forEach(r -> addresses.put(r.name(), r));
                        update.removed().forEach(addresses::remove);
                    }
                    return List.of();
                }, builder -> builder.backoff(Duration.ofMillis(100), Duration.ofMillis(400)));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file).strip();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
