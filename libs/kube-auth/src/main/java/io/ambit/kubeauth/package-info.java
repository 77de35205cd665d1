/**
 * Kubernetes ServiceAccount tokens as Istio's control plane checks them: a TokenReview with the
 * {@code istio-ca} audience ({@link io.ambit.kubeauth.TokenReviewer}), giving the account and the
 * node the token is bound to ({@link io.ambit.kubeauth.ReviewedToken}). ca-service (certificate
 * requests) and xds-server (bearer tokens on the ADS port) both use it; each decides what the
 * account may do.
 */
package io.ambit.kubeauth;
