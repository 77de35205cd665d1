package io.ambit.ztunnel.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;

import io.ambit.authz.AuthorizationPolicy;
import io.ambit.proto.workload.TunnelProtocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A local config file written for Istio's ztunnel ({@code LOCAL_XDS_PATH}, the shape of its
 * {@code examples/localhost.yaml} and of its config dump) is accepted, and means what it means there.
 */
class ZtunnelLocalFormatTest {

    static final String ZTUNNEL_SHAPED = """
            workloads:
            - uid: cluster1//v1/Pod/demo/sleep-1
              name: sleep-1
              namespace: demo
              serviceAccount: sleep
              workloadIps: ["10.244.1.10"]
              protocol: HBONE
              node: node-a
              network: ""
              status: Healthy
              services:
                "demo/echo.demo.svc.cluster.local":
                  80: 8080
            - uid: cluster1//v1/Pod/demo/legacy-1
              name: legacy-1
              namespace: demo
              workloadIps: ["10.244.1.11"]
              protocol: TCP
              node: node-a
              waypoint: {destination: "demo/waypoint.demo.svc.cluster.local", hboneMtlsPort: 15008}
            services:
            - name: echo
              namespace: demo
              hostname: echo.demo.svc.cluster.local
              vips: ["/10.96.0.10"]
              ports: {80: 8080}
            policies:
            - name: deny-9999
              namespace: demo
              scope: Namespace
              action: Deny
              dryRun: false
              rules:
              - - - destinationPorts: [9999]
                    sourceIps: ["10.244.0.0/16"]
                    principals: [{Exact: "spiffe://cluster.local/ns/demo/sa/sleep"}, {Presence: []}]
            """;

    @TempDir
    Path dir;

    @Test
    void ztunnelsLocalConfigShapeBecomesTheState() throws Exception {
        StateSnapshot state = load(ZTUNNEL_SHAPED);

        Workload sleep = state.workload("cluster1//v1/Pod/demo/sleep-1").orElseThrow();
        assertThat(sleep.addresses()).containsExactly(InetAddress.getByName("10.244.1.10"));
        assertThat(sleep.tunnelProtocol()).isEqualTo(TunnelProtocol.HBONE);
        assertThat(state.workload("cluster1//v1/Pod/demo/legacy-1").orElseThrow().tunnelProtocol()).isEqualTo(TunnelProtocol.NONE);
        assertThat(state.workload("cluster1//v1/Pod/demo/legacy-1").orElseThrow().waypoint()).isPresent();
        assertThat(state.serviceAt(InetAddress.getByName("10.96.0.10"), 80).orElseThrow().key())
                .isEqualTo("demo/echo.demo.svc.cluster.local");
        assertThat(state.endpoints("demo/echo.demo.svc.cluster.local")).singleElement()
                .satisfies(e -> assertThat(e.ports()).containsExactly(new PortMapping(80, 8080)));
        AuthorizationPolicy policy = state.policy("demo/deny-9999").orElseThrow();
        assertThat(policy.action()).isEqualTo(AuthorizationPolicy.Action.DENY);
        assertThat(policy.scope()).isEqualTo(AuthorizationPolicy.Scope.NAMESPACE);
        assertThat(policy.proto().getRules(0).getClauses(0).getMatches(0).getSourceIps(0).getLength()).isEqualTo(16);
        assertThat(policy.proto().getRules(0).getClauses(0).getMatches(0).getPrincipalsCount()).isEqualTo(2);
    }

    @Test
    void malformedZtunnelShapedEntriesAreRefusedWithTheirPath() {
        assertRefused("workloads:\n- uid: a\n  workloadIps: [\"10.0.0.1\"]\n  protocol: QUIC\n", "workloads[0]", "protocol");
        assertRefused("workloads:\n- uid: a\n  workloadIps: [\"10.0.0.1\"]\n  serviceAcount: x\n", "workloads[0]", "serviceAcount");
        assertRefused("services:\n- name: x\n  namespace: d\n  hostname: x.d\n  vips: [\"10.0.0.1\"]\n", "services[0]", "network/address");
        assertRefused("services:\n- name: x\n  namespace: d\n  hostname: x.d\n  vips: []\n  ports: {http: 80}\n", "services[0]", "port number");
        assertRefused("policies:\n- name: p\n  namespace: d\n  scope: Namespace\n  action: Maybe\n", "policies[0]", "Allow or Deny");
        assertRefused("policies:\n- name: p\n  namespace: d\n  scope: Namespace\n  action: Allow\n  rules: [[[{principals: [{Regex: x}]}]]]\n",
                "policies[0]", "Regex");
        assertRefused("policies:\n- name: p\n  namespace: d\n  scope: Namespace\n  action: Allow\n  rules: [[{principals: []}]]\n",
                "policies[0]", "list of matches");
        assertRefused("workloads:\n- uid: a\n  workloadIps: [\"10.0.0.1\"]\n  protocol: HBONE\n  waypoint: {destination: nowhere}\n",
                "workloads[0]", "waypoint");
    }

    private StateSnapshot load(String yaml) throws Exception {
        Path file = dir.resolve("ztunnel.yaml");
        Files.writeString(file, yaml);
        return new LocalConfigLoader(file, new StateStore()).load();
    }

    private void assertRefused(String yaml, String... fragments) {
        StateStore store = new StateStore();
        long before = store.snapshot().generation();
        assertThatThrownBy(() -> {
            Path file = dir.resolve("bad.yaml");
            Files.writeString(file, yaml);
            new LocalConfigLoader(file, store).load();
        }).isInstanceOf(LocalConfigException.class).hasMessageContainingAll(fragments);
        assertThat(store.snapshot().generation()).as("nothing changed").isEqualTo(before);
    }
}
