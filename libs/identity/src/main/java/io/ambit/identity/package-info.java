/**
 * SPIFFE workload identity for Ambit: {@link io.ambit.identity.SpiffeId} (parsing per the SPIFFE
 * spec) and {@link io.ambit.identity.WorkloadIdentity} (Istio's {@code /ns/<ns>/sa/<sa>} form);
 * key pairs and CSRs ({@link io.ambit.identity.KeyPairs}, {@link io.ambit.identity.Csrs});
 * PEM ({@link io.ambit.identity.Pem}); trust bundles in PEM and SPIFFE bundle form
 * ({@link io.ambit.identity.TrustBundle}); and X.509-SVID validation
 * ({@link io.ambit.identity.SvidValidator}). Plain Java, no Spring.
 */
package io.ambit.identity;
