package io.ambit.ca.grpc;

import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import io.ambit.ca.crypto.JcaSignatureEngine;
import io.ambit.ca.keys.CaKeyMaterial;
import io.ambit.ca.signing.SvidSigner;
import io.ambit.identity.KeyPairs;
import io.ambit.identity.ServiceDnsNames;
import io.ambit.identity.Svid;
import io.ambit.identity.WorkloadIdentity;

/**
 * The CA's own serving certificate, signed by itself at start-up: an X.509-SVID for
 * {@code <mesh namespace>/ca-service} (what Ambit clients check) with the service's DNS names
 * beside it (what host-name-checking clients check).
 */
public final class ServingCertificate {

    public static final String SERVICE_ACCOUNT = "ca-service";

    private ServingCertificate() {
    }

    public static WorkloadIdentity identity(String trustDomain, String meshNamespace) {
        return new WorkloadIdentity(trustDomain, meshNamespace, SERVICE_ACCOUNT);
    }

    public static Svid issue(CaKeyMaterial keys, String trustDomain, String meshNamespace, Duration validity, Clock clock) {
        return issue(keys, trustDomain, meshNamespace, ServiceDnsNames.controlPlane(SERVICE_ACCOUNT, meshNamespace, "cluster.local", false),
                validity, clock);
    }

    /** @param dns the Service names to carry (see {@link ServiceDnsNames#controlPlane}) */
    public static Svid issue(CaKeyMaterial keys, String trustDomain, String meshNamespace, List<String> dns, Duration validity,
            Clock clock) {
        KeyPair pair = KeyPairs.ecP256();
        WorkloadIdentity id = identity(trustDomain, meshNamespace);
        return new Svid(id.spiffeId(), pair.getPrivate(),
                new SvidSigner(keys, clock, new JcaSignatureEngine()).sign(id.spiffeId(), dns, pair.getPublic(), validity));
    }
}
