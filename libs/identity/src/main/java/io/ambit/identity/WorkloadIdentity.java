package io.ambit.identity;

import java.util.Objects;

/**
 * Istio's workload identity: {@code spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>}.
 * This is the only SPIFFE ID shape that Ambit's CA signs for workloads and that policy speaks of.
 */
public record WorkloadIdentity(String trustDomain, String namespace, String serviceAccount) {

    public WorkloadIdentity {
        Objects.requireNonNull(trustDomain, "trustDomain");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(serviceAccount, "serviceAccount");
        requireSingleSegment("namespace", namespace);
        requireSingleSegment("service account", serviceAccount);
        // Building the SPIFFE ID validates the characters of every part.
        new SpiffeId(trustDomain, "/ns/" + namespace + "/sa/" + serviceAccount);
    }

    private static void requireSingleSegment(String what, String value) {
        if (value.isEmpty()) {
            throw new InvalidSpiffeIdException("workload identity " + what + " is empty");
        }
        if (value.indexOf('/') >= 0) {
            throw new InvalidSpiffeIdException("workload identity " + what + " must not contain '/': " + value);
        }
    }

    /** Reads Istio's form out of a SPIFFE ID, or says why it is not in that form. */
    public static WorkloadIdentity from(SpiffeId id) {
        String[] segments = id.path().split("/", -1);
        // "/ns/<ns>/sa/<sa>" splits into ["", "ns", <ns>, "sa", <sa>]
        if (segments.length != 5 || !segments[1].equals("ns") || !segments[3].equals("sa")) {
            throw new InvalidSpiffeIdException(
                    "not an Istio workload identity (want spiffe://<td>/ns/<namespace>/sa/<service-account>): " + id);
        }
        return new WorkloadIdentity(id.trustDomain(), segments[2], segments[4]);
    }

    public static WorkloadIdentity parse(String uri) {
        return from(SpiffeId.parse(uri));
    }

    public SpiffeId spiffeId() {
        return new SpiffeId(trustDomain, "/ns/" + namespace + "/sa/" + serviceAccount);
    }

    @Override
    public String toString() {
        return spiffeId().toString();
    }
}
