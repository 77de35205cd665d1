package io.ambit.kubeauth;

import java.util.Optional;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * Checks a ServiceAccount token with a TokenReview through the API server, for one audience (Istio's
 * {@code istio-ca}, which its ztunnel's projected token carries). Accepts only a token the API
 * server authenticates, for that audience (when it reports audiences), of a user
 * {@code system:serviceaccount:<ns>:<sa>}. Never logs or returns the token.
 */
public final class TokenReviewer {

    static final String SA_PREFIX = "system:serviceaccount:";

    private final KubernetesClient client;
    private final String audience;

    public TokenReviewer(KubernetesClient client, String audience) {
        this.client = client;
        this.audience = audience;
    }

    public String audience() {
        return audience;
    }

    /** @throws TokenRejectedException with the reason */
    public ReviewedToken review(String token) {
        TokenReview review = new TokenReviewBuilder().withNewSpec().withToken(token).withAudiences(audience).endSpec().build();
        TokenReview answer;
        try {
            answer = client.authentication().v1().tokenReviews().create(review);
        } catch (KubernetesClientException e) {
            throw new TokenRejectedException(TokenRejectedException.Reason.REVIEW_FAILED,
                    "cannot review the token with the API server (" + e.getCode() + "); try again");
        }
        var status = answer == null ? null : answer.getStatus();
        if (status == null || !Boolean.TRUE.equals(status.getAuthenticated())) {
            String why = status == null || status.getError() == null ? "not authenticated" : status.getError();
            throw new TokenRejectedException(TokenRejectedException.Reason.INVALID, "ServiceAccount token rejected by the API server: " + why);
        }
        if (status.getAudiences() != null && !status.getAudiences().isEmpty() && !status.getAudiences().contains(audience)) {
            throw new TokenRejectedException(TokenRejectedException.Reason.WRONG_AUDIENCE, "the token is not meant for audience " + audience);
        }
        String username = status.getUser() == null ? null : status.getUser().getUsername();
        String[] parts = username == null || !username.startsWith(SA_PREFIX) ? new String[0]
                : username.substring(SA_PREFIX.length()).split(":", -1);
        if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
            throw new TokenRejectedException(TokenRejectedException.Reason.NOT_SERVICE_ACCOUNT,
                    "the token belongs to " + username + ", not a ServiceAccount");
        }
        return new ReviewedToken(parts[0], parts[1], status.getUser().getExtra());
    }

    /**
     * The node a pod-bound token's pod runs on: {@code authentication.kubernetes.io/node-name} when the
     * API server reports it, else the bound pod's {@code spec.nodeName}, and only while its uid
     * matches the claim (a token bound to an earlier pod of that name proves no node).
     */
    public Optional<String> boundNode(ReviewedToken token) {
        Optional<String> node = token.claim(ReviewedToken.NODE_NAME);
        if (node.isPresent()) {
            return node;
        }
        Optional<String> podName = token.claim(ReviewedToken.POD_NAME);
        if (podName.isEmpty()) {
            return Optional.empty();
        }
        Pod pod = client.pods().inNamespace(token.namespace()).withName(podName.get()).get();
        if (pod == null || pod.getSpec() == null) {
            return Optional.empty();
        }
        Optional<String> uid = token.claim(ReviewedToken.POD_UID);
        if (uid.isPresent() && !uid.get().equals(pod.getMetadata().getUid())) {
            return Optional.empty();
        }
        return Optional.ofNullable(pod.getSpec().getNodeName());
    }
}
