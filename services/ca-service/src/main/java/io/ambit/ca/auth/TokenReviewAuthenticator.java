package io.ambit.ca.auth;

import static io.ambit.ca.CaRequestException.unauthenticated;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.ambit.ca.CaRequestException;
import io.ambit.identity.InvalidSpiffeIdException;
import io.ambit.identity.WorkloadIdentity;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * Kubernetes mode: a ServiceAccount token checked with a TokenReview through the API server. The
 * username {@code system:serviceaccount:<ns>:<sa>} gives the identity; the pod-bound claims give
 * the node: {@code authentication.kubernetes.io/node-name} when the API server reports it, else
 * the bound pod's {@code spec.nodeName} (and only if its uid matches the claim).
 */
public final class TokenReviewAuthenticator implements TokenAuthenticator {

    static final String SA_PREFIX = "system:serviceaccount:";
    static final String NODE_NAME = "authentication.kubernetes.io/node-name";
    static final String POD_NAME = "authentication.kubernetes.io/pod-name";
    static final String POD_UID = "authentication.kubernetes.io/pod-uid";

    private final KubernetesClient client;
    private final String trustDomain;
    private final String audience;

    public TokenReviewAuthenticator(KubernetesClient client, String trustDomain, String audience) {
        this.client = client;
        this.trustDomain = trustDomain;
        this.audience = audience;
    }

    @Override
    public Caller authenticate(String token) {
        TokenReview review = new TokenReviewBuilder()
                .withNewSpec().withToken(token).withAudiences(audience).endSpec()
                .build();
        TokenReview answer;
        try {
            answer = client.authentication().v1().tokenReviews().create(review);
        } catch (KubernetesClientException e) {
            throw new CaRequestException(CaRequestException.Kind.UNAVAILABLE, "token_review_failed",
                    "cannot review the token with the API server: " + e.getMessage());
        }
        var status = answer == null ? null : answer.getStatus();
        if (status == null || !Boolean.TRUE.equals(status.getAuthenticated())) {
            String why = status == null || status.getError() == null ? "not authenticated" : status.getError();
            throw unauthenticated("token_invalid", "ServiceAccount token rejected by the API server: " + why);
        }
        if (status.getAudiences() != null && !status.getAudiences().isEmpty() && !status.getAudiences().contains(audience)) {
            throw unauthenticated("token_audience", "token is not meant for audience " + audience);
        }
        String username = status.getUser() == null ? null : status.getUser().getUsername();
        if (username == null || !username.startsWith(SA_PREFIX) || username.substring(SA_PREFIX.length()).split(":").length != 2) {
            throw unauthenticated("token_not_service_account", "token belongs to " + username + ", not a ServiceAccount");
        }
        String[] parts = username.substring(SA_PREFIX.length()).split(":");
        WorkloadIdentity identity;
        try {
            identity = new WorkloadIdentity(trustDomain, parts[0], parts[1]);
        } catch (InvalidSpiffeIdException e) {
            throw unauthenticated("token_identity_invalid", "token's ServiceAccount gives no valid identity: " + e.getMessage());
        }
        Map<String, List<String>> extra = status.getUser().getExtra() == null ? Map.of() : status.getUser().getExtra();
        return new Caller(identity, nodeOf(parts[0], extra), "serviceaccount-token");
    }

    private Optional<String> nodeOf(String namespace, Map<String, List<String>> extra) {
        Optional<String> node = first(extra, NODE_NAME);
        if (node.isPresent()) {
            return node;
        }
        Optional<String> podName = first(extra, POD_NAME);
        if (podName.isEmpty()) {
            return Optional.empty();
        }
        Pod pod = client.pods().inNamespace(namespace).withName(podName.get()).get();
        if (pod == null || pod.getSpec() == null) {
            return Optional.empty();
        }
        Optional<String> uid = first(extra, POD_UID);
        if (uid.isPresent() && !uid.get().equals(pod.getMetadata().getUid())) {
            return Optional.empty(); // the token was bound to an earlier pod of that name
        }
        return Optional.ofNullable(pod.getSpec().getNodeName());
    }

    private static Optional<String> first(Map<String, List<String>> extra, String key) {
        List<String> values = extra.get(key);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.ofNullable(values.getFirst());
    }
}
