package io.ambit.ca.auth;

import static io.ambit.ca.CaRequestException.unauthenticated;

import io.ambit.ca.CaRequestException;
import io.ambit.identity.InvalidSpiffeIdException;
import io.ambit.identity.WorkloadIdentity;
import io.ambit.kubeauth.ReviewedToken;
import io.ambit.kubeauth.TokenRejectedException;
import io.ambit.kubeauth.TokenReviewer;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * Kubernetes mode: a ServiceAccount token checked with a TokenReview ({@link TokenReviewer}, shared
 * with the xds-server). The account gives the identity; the pod-bound claims give the node (see
 * {@link TokenReviewer#boundNode}).
 */
public final class TokenReviewAuthenticator implements TokenAuthenticator {

    private final TokenReviewer reviewer;
    private final String trustDomain;

    public TokenReviewAuthenticator(KubernetesClient client, String trustDomain, String audience) {
        this.reviewer = new TokenReviewer(client, audience);
        this.trustDomain = trustDomain;
    }

    @Override
    public Caller authenticate(String token) {
        ReviewedToken reviewed;
        try {
            reviewed = reviewer.review(token);
        } catch (TokenRejectedException e) {
            if (e.reason() == TokenRejectedException.Reason.REVIEW_FAILED) {
                throw new CaRequestException(CaRequestException.Kind.UNAVAILABLE, e.reason().code(), e.getMessage());
            }
            throw unauthenticated(e.reason().code(), e.getMessage());
        }
        WorkloadIdentity identity;
        try {
            identity = new WorkloadIdentity(trustDomain, reviewed.namespace(), reviewed.serviceAccount());
        } catch (InvalidSpiffeIdException e) {
            throw unauthenticated("token_identity_invalid", "token's ServiceAccount gives no valid identity: " + e.getMessage());
        }
        return new Caller(identity, reviewer.boundNode(reviewed), "serviceaccount-token");
    }
}
