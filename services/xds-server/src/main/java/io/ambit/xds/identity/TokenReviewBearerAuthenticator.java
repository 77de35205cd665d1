package io.ambit.xds.identity;

import java.util.List;
import java.util.Set;

import io.ambit.identity.InvalidSpiffeIdException;
import io.ambit.identity.WorkloadIdentity;
import io.ambit.kubeauth.ReviewedToken;
import io.ambit.kubeauth.TokenRejectedException;
import io.ambit.kubeauth.TokenReviewer;
import io.ambit.xds.ads.BearerAuthenticator;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * Kubernetes mode: a bearer token on the xDS port is a projected ServiceAccount token (audience
 * {@code istio-ca}, as Istio's ztunnel sends it), checked with a TokenReview ({@link TokenReviewer},
 * shared with ca-service). Only the node agents' accounts ({@code istio-system/ztunnel}) are
 * accepted: the call then acts as that account's SPIFFE ID, exactly as with the node agent's client
 * certificate.
 */
public final class TokenReviewBearerAuthenticator implements BearerAuthenticator {

    private final TokenReviewer reviewer;
    private final String trustDomain;
    private final Set<String> nodeAccounts;

    /** @param nodeAccounts {@code namespace/serviceaccount} of the node agents that may use a token */
    public TokenReviewBearerAuthenticator(KubernetesClient client, String trustDomain, String audience, List<String> nodeAccounts) {
        this.reviewer = new TokenReviewer(client, audience);
        this.trustDomain = trustDomain;
        this.nodeAccounts = Set.copyOf(nodeAccounts);
    }

    @Override
    public String authenticate(String token) {
        ReviewedToken reviewed;
        try {
            reviewed = reviewer.review(token);
        } catch (TokenRejectedException e) {
            throw new Rejected(e.getMessage());
        }
        if (!nodeAccounts.contains(reviewed.account())) {
            throw new Rejected("ServiceAccount " + reviewed.account() + " is not a node agent's; use a client certificate");
        }
        try {
            return new WorkloadIdentity(trustDomain, reviewed.namespace(), reviewed.serviceAccount()).spiffeId().toString();
        } catch (InvalidSpiffeIdException e) {
            throw new Rejected("the token's ServiceAccount gives no valid identity");
        }
    }
}
