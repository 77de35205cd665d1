/**
 * Ambit's certificate authority. Starting points: {@link io.ambit.ca.CertificateAuthority} (one
 * request from credential to signed chain), {@link io.ambit.ca.grpc.IstioCertificateGrpcService}
 * (Istio's CA API), {@link io.ambit.ca.keys} (CA key material: self-signed or plug-in),
 * {@link io.ambit.ca.auth} (who is calling), {@link io.ambit.ca.authz} (which identity they get:
 * their own, or a pod's on their node), {@link io.ambit.ca.signing} (CSR checks, X.509-SVIDs).
 */
package io.ambit.ca;
