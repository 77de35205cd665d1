package io.ambit.xds.identity;

import java.util.List;
import java.util.Set;

import io.ambit.identity.InvalidSpiffeIdException;
import io.ambit.identity.WorkloadIdentity;
import io.ambit.xds.ads.BearerAuthenticator;
import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * Kubernetes mode: a bearer token on the xDS port is a projected ServiceAccount token (audience
 * {@code istio-ca}, as Istio's ztunnel sends it), checked with a TokenReview. Only the node
 * agents' accounts ({@code istio-system/ztunnel}) are accepted: the call then acts as that account's
 * SPIFFE ID, exactly as with the node agent's client certificate. (ca-service checks tokens for
 * certificates the same way, with the node rule on top; see its {@code TokenReviewAuthenticator}.)
 */
public final class TokenReviewBearerAuthenticator implements BearerAuthenticator {

    static final String SA_PREFIX = "system:serviceaccount:";

    private final KubernetesClient client;
    private final String trustDomain;
    private final String audience;
    private final Set<String> nodeAccounts;

    /** @param nodeAccounts {@code namespace/serviceaccount} of the node agents that may use a token */
    public TokenReviewBearerAuthenticator(KubernetesClient client, String trustDomain, String audience, List<String> nodeAccounts) {
        this.client = client;
        this.trustDomain = trustDomain;
        this.audience = audience;
        this.nodeAccounts = Set.copyOf(nodeAccounts);
    }

    @Override
    public String authenticate(String token) {
        TokenReview review = new TokenReviewBuilder().withNewSpec().withToken(token).withAudiences(audience).endSpec().build();
        TokenReview answer;
        try {
            answer = client.authentication().v1().tokenReviews().create(review);
        } catch (KubernetesClientException e) {
            throw new Rejected("cannot review the token with the API server (" + e.getCode() + "); try again");
        }
        var status = answer == null ? null : answer.getStatus();
        if (status == null || !Boolean.TRUE.equals(status.getAuthenticated())) {
            throw new Rejected("ServiceAccount token rejected by the API server"
                    + (status == null || status.getError() == null ? "" : ": " + status.getError()));
        }
        if (status.getAudiences() != null && !status.getAudiences().isEmpty() && !status.getAudiences().contains(audience)) {
            throw new Rejected("the token is not meant for audience " + audience);
        }
        String username = status.getUser() == null ? null : status.getUser().getUsername();
        String[] parts = username == null || !username.startsWith(SA_PREFIX) ? new String[0]
                : username.substring(SA_PREFIX.length()).split(":", -1);
        if (parts.length != 2) {
            throw new Rejected("the token is not a ServiceAccount's");
        }
        if (!nodeAccounts.contains(parts[0] + "/" + parts[1])) {
            throw new Rejected("ServiceAccount " + parts[0] + "/" + parts[1] + " is not a node agent's; use a client certificate");
        }
        try {
            return new WorkloadIdentity(trustDomain, parts[0], parts[1]).spiffeId().toString();
        } catch (InvalidSpiffeIdException e) {
            throw new Rejected("the token's ServiceAccount gives no valid identity");
        }
    }
}
