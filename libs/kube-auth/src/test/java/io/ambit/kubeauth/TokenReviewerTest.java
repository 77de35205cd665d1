package io.ambit.kubeauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** TokenReviews answered by fabric8's mock API server (canned answers per token), pods from its expectations. */
@EnableKubernetesMockClient
class TokenReviewerTest {

    KubernetesMockServer server;
    KubernetesClient client;
    TokenReviewer reviewer;

    @BeforeEach
    void setUp() {
        server.expect().post().withPath("/apis/authentication.k8s.io/v1/tokenreviews").andReply(201, request -> {
            Map<?, ?> review = Serialization.unmarshal(request.getBody().readUtf8(), Map.class);
            Map<?, ?> spec = (Map<?, ?>) review.get("spec");
            assertThat(spec.get("audiences")).isEqualTo(List.of("istio-ca"));
            Map<String, Object> status = switch (String.valueOf(spec.get("token"))) {
                case "ztunnel" -> Map.of("authenticated", true, "audiences", List.of("istio-ca"),
                        "user", Map.of("username", "system:serviceaccount:istio-system:ztunnel",
                                "extra", Map.of(ReviewedToken.NODE_NAME, List.of("worker-1"))));
                case "pod-bound" -> Map.of("authenticated", true,
                        "user", Map.of("username", "system:serviceaccount:demo:sleep",
                                "extra", Map.of(ReviewedToken.POD_NAME, List.of("sleep-1"), ReviewedToken.POD_UID, List.of("uid-1"))));
                case "stale-pod" -> Map.of("authenticated", true,
                        "user", Map.of("username", "system:serviceaccount:demo:sleep",
                                "extra", Map.of(ReviewedToken.POD_NAME, List.of("sleep-1"), ReviewedToken.POD_UID, List.of("uid-0"))));
                case "other-audience" -> Map.of("authenticated", true, "audiences", List.of("kubernetes"),
                        "user", Map.of("username", "system:serviceaccount:demo:sleep"));
                case "a-person" -> Map.of("authenticated", true, "user", Map.of("username", "alice"));
                case "odd-account" -> Map.of("authenticated", true, "user", Map.of("username", "system:serviceaccount:demo:x:y"));
                default -> Map.of("authenticated", false, "error", "invalid bearer token");
            };
            return Map.of("apiVersion", "authentication.k8s.io/v1", "kind", "TokenReview", "status", status);
        }).always();
        server.expect().get().withPath("/api/v1/namespaces/demo/pods/sleep-1").andReturn(200, new PodBuilder()
                .withNewMetadata().withName("sleep-1").withNamespace("demo").withUid("uid-1").endMetadata()
                .withNewSpec().withNodeName("worker-2").endSpec().build()).always();
        reviewer = new TokenReviewer(client, "istio-ca");
    }

    @Test
    void aNodeAgentsTokenGivesItsAccountAndNode() {
        ReviewedToken token = reviewer.review("ztunnel");
        assertThat(token.account()).isEqualTo("istio-system/ztunnel");
        assertThat(reviewer.boundNode(token)).contains("worker-1");
    }

    @Test
    void aPodBoundTokenWithoutANodeClaimGetsTheNodeOfItsPodWhileTheUidMatches() {
        assertThat(reviewer.boundNode(reviewer.review("pod-bound"))).contains("worker-2");
        assertThat(reviewer.boundNode(reviewer.review("stale-pod"))).isEmpty();
    }

    @Test
    void refusalsSayWhy() {
        assertRejected("forged", TokenRejectedException.Reason.INVALID, "rejected by the API server: invalid bearer token");
        assertRejected("other-audience", TokenRejectedException.Reason.WRONG_AUDIENCE, "not meant for audience istio-ca");
        assertRejected("a-person", TokenRejectedException.Reason.NOT_SERVICE_ACCOUNT, "belongs to alice, not a ServiceAccount");
        assertRejected("odd-account", TokenRejectedException.Reason.NOT_SERVICE_ACCOUNT, "not a ServiceAccount");
    }

    @Test
    void anApiServerThatFailsIsAReviewFailureNotARefusalOfTheCaller() {
        server.reset();
        server.expect().post().withPath("/apis/authentication.k8s.io/v1/tokenreviews").andReturn(500, "boom").always();
        assertRejected("ztunnel", TokenRejectedException.Reason.REVIEW_FAILED, "cannot review the token with the API server (500)");
    }

    private void assertRejected(String token, TokenRejectedException.Reason reason, String message) {
        assertThatThrownBy(() -> reviewer.review(token))
                .isInstanceOfSatisfying(TokenRejectedException.class, e -> assertThat(e.reason()).isEqualTo(reason))
                .hasMessageContaining(message)
                .hasMessageNotContaining(token.length() > 8 ? token : "\u0000");
    }
}
