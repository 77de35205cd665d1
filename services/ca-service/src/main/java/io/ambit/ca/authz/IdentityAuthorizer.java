package io.ambit.ca.authz;

import static io.ambit.ca.CaRequestException.denied;
import static io.ambit.ca.CaRequestException.invalid;

import java.util.List;
import java.util.Optional;

import io.ambit.ca.auth.Caller;
import io.ambit.identity.InvalidSpiffeIdException;
import io.ambit.identity.SpiffeId;
import io.ambit.identity.WorkloadIdentity;

/**
 * Decides the identity to sign, never from the CSR. A caller gets its own identity. A trusted node
 * agent (by default {@code istio-system/ztunnel}) may ask for another one through
 * {@code ImpersonatedIdentity}, but only if a pod with that service account runs on the node the
 * agent's credential proves: a node can never obtain the identities of pods elsewhere.
 */
public final class IdentityAuthorizer {

    public static final String IMPERSONATED_IDENTITY = "ImpersonatedIdentity";

    private final String trustDomain;
    private final List<String> trustedNodeAccounts;
    private final PodLocator pods;

    public IdentityAuthorizer(String trustDomain, List<String> trustedNodeAccounts, PodLocator pods) {
        this.trustDomain = trustDomain;
        this.trustedNodeAccounts = List.copyOf(trustedNodeAccounts);
        this.pods = pods;
    }

    public SpiffeId decide(Caller caller, Optional<String> impersonated) {
        if (impersonated.isEmpty() || impersonated.get().equals(caller.identity().toString())) {
            return caller.identity().spiffeId();
        }
        WorkloadIdentity asked;
        try {
            asked = WorkloadIdentity.parse(impersonated.get());
        } catch (InvalidSpiffeIdException e) {
            throw invalid("impersonated_identity_invalid", IMPERSONATED_IDENTITY + " is not an Istio workload identity: "
                    + e.getMessage());
        }
        if (!asked.trustDomain().equals(trustDomain)) {
            throw invalid("impersonated_wrong_trust_domain", IMPERSONATED_IDENTITY + " " + asked
                    + " is not in trust domain " + trustDomain);
        }
        String account = caller.identity().namespace() + "/" + caller.identity().serviceAccount();
        if (!trustedNodeAccounts.contains(account)) {
            throw denied("not_node_agent", "caller " + caller.identity() + " is not a trusted node agent "
                    + trustedNodeAccounts + ", so it may only request its own identity");
        }
        if (caller.node().isEmpty()) {
            throw denied("node_unknown", "node rule: the caller's credential does not prove which node it runs on ("
                    + caller.method() + "), so it may not request " + asked);
        }
        String node = caller.node().get();
        if (!pods.runsOnNode(node, asked.namespace(), asked.serviceAccount())) {
            throw denied("node_rule", "node rule: no pod with service account " + asked.namespace() + "/"
                    + asked.serviceAccount() + " runs on node " + node + ", so its node agent may not obtain " + asked);
        }
        return asked.spiffeId();
    }
}
