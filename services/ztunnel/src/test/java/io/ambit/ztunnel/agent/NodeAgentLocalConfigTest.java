package io.ambit.ztunnel.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import io.ambit.identity.SpiffeId;
import io.ambit.identity.Svid;
import io.ambit.testkit.IssuedCertificate;
import io.ambit.testkit.TestCa;
import io.ambit.ztunnel.ZtunnelProperties;
import io.ambit.ztunnel.identity.WorkloadCertificates;
import io.ambit.ztunnel.state.LocalConfigException;
import io.ambit.ztunnel.state.StateStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With a local config, the node agent's state comes from the file and no xDS session is opened. */
class NodeAgentLocalConfigTest {

    static final TestCa CA = TestCa.newRoot("cluster.local");
    static final SpiffeId SLEEP = SpiffeId.parse("spiffe://cluster.local/ns/demo/sa/sleep");

    @TempDir
    Path dir;

    final StateStore state = new StateStore();
    final WorkloadCertificates certificates = new WorkloadCertificates(id -> () -> {
        Instant now = Instant.now();
        IssuedCertificate certificate = CA.leaf(id.toString()).validity(now.minusSeconds(1), now.plus(Duration.ofHours(1))).issue();
        return new Svid(id, certificate.privateKey(), certificate.chain());
    }, Clock.systemUTC());

    @Test
    void theStateComesFromTheFileAndItsPodsGetCertificates() throws Exception {
        Path file = dir.resolve("config.yaml");
        Files.writeString(file, """
                workloads:
                - {uid: sleep-1, name: sleep-1, namespace: demo, node: node-a, serviceAccount: sleep,
                   tunnelProtocol: HBONE, addresses: ["10.244.1.10"]}
                """);
        NodeAgent agent = new NodeAgent(properties(file), state, certificates);
        try {
            agent.start(); // an xDS session would have failed on the xDS address "not an address"
            assertThat(state.snapshot().workload("sleep-1")).isPresent();
            await().atMost(Duration.ofSeconds(10)).until(() -> certificates.current(SLEEP).isPresent());
        } finally {
            agent.stop();
        }
    }

    @Test
    void aRefusedFileFailsStartUp() throws Exception {
        Path file = dir.resolve("config.yaml");
        Files.writeString(file, "workloads:\n- {uid: a, addresses: [\"echo.demo\"]}\n");
        NodeAgent agent = new NodeAgent(properties(file), state, certificates);
        try {
            assertThatThrownBy(agent::start).isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("ambit.ztunnel.local-config: local config " + file + " refused: workloads[0] (line 2)")
                    .hasCauseInstanceOf(LocalConfigException.class);
            assertThat(state.snapshot().generation()).isZero();
        } finally {
            agent.stop();
        }
    }

    private static ZtunnelProperties properties(Path localConfig) {
        return new ZtunnelProperties("node-a", "cluster.local", "istio-system", "127.0.0.1:1", "not an address", null,
                "http://127.0.0.1:1/ca/root-cert.pem", Path.of("no-token"), Duration.ofHours(24), localConfig, 0,
                ZtunnelProperties.XdsAuth.CERTIFICATE);
    }
}
