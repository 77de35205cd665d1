package io.ambit.ca.authz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import java.util.Set;

import io.ambit.ca.CaRequestException;
import io.ambit.ca.auth.Caller;
import io.ambit.identity.SpiffeId;
import io.ambit.identity.WorkloadIdentity;
import org.junit.jupiter.api.Test;

class IdentityAuthorizerTest {

    static final WorkloadIdentity ZTUNNEL = new WorkloadIdentity("cluster.local", "istio-system", "ztunnel");
    static final WorkloadIdentity SLEEP = new WorkloadIdentity("cluster.local", "demo", "sleep");
    static final Set<String> PODS = Set.of(LocalPodLocator.key("node-a", "demo", "sleep"), LocalPodLocator.key("node-b", "demo", "echo"));

    final IdentityAuthorizer authorizer = new IdentityAuthorizer("cluster.local", List.of("istio-system/ztunnel"),
            (node, ns, sa) -> PODS.contains(LocalPodLocator.key(node, ns, sa)));

    @Test
    void aCallerGetsItsOwnIdentity() {
        assertThat(authorizer.decide(new Caller(SLEEP, Optional.empty(), "t"), Optional.empty())).isEqualTo(SLEEP.spiffeId());
        assertThat(authorizer.decide(new Caller(SLEEP, Optional.empty(), "t"), Optional.of(SLEEP.toString()))).isEqualTo(SLEEP.spiffeId());
    }

    @Test
    void aNodeAgentGetsPodsOnItsNodeOnly() {
        Caller nodeA = new Caller(ZTUNNEL, Optional.of("node-a"), "t");
        assertThat(authorizer.decide(nodeA, Optional.of("spiffe://cluster.local/ns/demo/sa/sleep")))
                .isEqualTo(SpiffeId.parse("spiffe://cluster.local/ns/demo/sa/sleep"));
        assertDenied(() -> authorizer.decide(nodeA, Optional.of("spiffe://cluster.local/ns/demo/sa/echo")), "node_rule",
                "no pod with service account demo/echo runs on node node-a");
    }

    @Test
    void onlyTrustedNodeAgentsMayImpersonate() {
        assertDenied(() -> authorizer.decide(new Caller(SLEEP, Optional.of("node-a"), "t"),
                Optional.of("spiffe://cluster.local/ns/demo/sa/echo")), "not_node_agent", "is not a trusted node agent");
    }

    @Test
    void aNodeAgentWithoutAProvenNodeMayNotImpersonate() {
        assertDenied(() -> authorizer.decide(new Caller(ZTUNNEL, Optional.empty(), "client-certificate"),
                Optional.of("spiffe://cluster.local/ns/demo/sa/sleep")), "node_unknown", "does not prove which node");
    }

    @Test
    void malformedOrForeignImpersonationIsInvalid() {
        Caller nodeA = new Caller(ZTUNNEL, Optional.of("node-a"), "t");
        assertThatThrownBy(() -> authorizer.decide(nodeA, Optional.of("spiffe://cluster.local/something")))
                .isInstanceOfSatisfying(CaRequestException.class, e -> assertThat(e.kind()).isEqualTo(CaRequestException.Kind.INVALID_ARGUMENT))
                .hasMessageContaining("not an Istio workload identity");
        assertThatThrownBy(() -> authorizer.decide(nodeA, Optional.of("spiffe://other.domain/ns/demo/sa/sleep")))
                .hasMessageContaining("is not in trust domain cluster.local");
    }

    private static void assertDenied(Runnable decision, String reason, String message) {
        assertThatThrownBy(decision::run)
                .isInstanceOfSatisfying(CaRequestException.class, e -> {
                    assertThat(e.kind()).isEqualTo(CaRequestException.Kind.PERMISSION_DENIED);
                    assertThat(e.reason()).isEqualTo(reason);
                })
                .hasMessageContaining(message);
    }
}
