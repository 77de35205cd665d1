package io.ambit.ztunnel.proxy;

import static io.ambit.ztunnel.state.Fixtures.removeAuthorizations;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.ambit.proto.security.Action;
import io.ambit.proto.security.Authorization;
import io.ambit.proto.security.Clause;
import io.ambit.proto.security.Match;
import io.ambit.proto.security.Rule;
import io.ambit.proto.security.Scope;
import io.ambit.proto.security.StringMatch;

/** The data path end to end in one process: client → SOCKS5 → ztunnel A → HBONE (mutual TLS) → ztunnel B → echo. */
class HboneProxyTest {

    TwoNodes nodes;

    @BeforeEach
    void start() throws IOException {
        nodes = new TwoNodes();
    }

    @AfterEach
    void stop() throws Exception {
        nodes.close();
    }

    @Test
    void bytesCrossBothWaysOverHboneAndHalfCloseIsCarriedEndToEnd() throws IOException {
        try (Socket socket = Socks5Client.connect(nodes.socks(), nodes.echoDirect())) {
            socket.getOutputStream().write("hello through the mesh".getBytes(StandardCharsets.UTF_8));
            socket.shutdownOutput(); // FIN → END_STREAM → FIN at the echo server, which then finishes and closes
            assertThat(readAll(socket.getInputStream())).isEqualTo("hello through the mesh");
        }
        // The echo server saw a connection from ztunnel B (plain TCP inside the destination "pod").
        assertThat(nodes.echo.peers()).hasSize(1);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(nodes.a.counter("istio_tcp_connections_closed", "reporter", "source", "destination_workload", "echo",
                    "connection_security_policy", "mutual_tls", "response_flags", "-")).isEqualTo(1);
            assertThat(nodes.b.counter("istio_tcp_connections_closed", "reporter", "destination",
                    "source_principal", "spiffe://cluster.local/ns/demo/sa/sleep", "source_workload", "sleep",
                    "connection_security_policy", "mutual_tls")).isEqualTo(1);
            assertThat(nodes.b.counter("istio_tcp_received_bytes", "reporter", "destination")).isEqualTo(22);
            assertThat(nodes.b.counter("istio_tcp_sent_bytes", "reporter", "destination")).isEqualTo(22);
            assertThat(nodes.a.counter("istio_tcp_received_bytes", "reporter", "source")).isEqualTo(22);
        });
    }

    /**
     * Bytes are counted while a connection is open (as ztunnel counts them as they flow), not only
     * when it ends: a connection open for hours must not show nothing.
     */
    @Test
    void bytesOfAnOpenConnectionAreCountedBeforeItEnds() throws IOException {
        try (Socket socket = Socks5Client.connect(nodes.socks(), nodes.echoDirect())) {
            assertThat(roundTrip(socket, "counted while open")).isEqualTo("counted while open");

            // A write's completion (which counts it) may trail the echo by a moment: report until it shows.
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                nodes.a.context.telemetry().reportProgress();
                nodes.b.context.telemetry().reportProgress();
                return nodes.b.counter("istio_tcp_sent_bytes", "reporter", "destination") == 18
                        && nodes.a.counter("istio_tcp_sent_bytes", "reporter", "source") == 18;
            });
            assertThat(nodes.b.counter("istio_tcp_received_bytes", "reporter", "destination")).isEqualTo(18);
            assertThat(nodes.a.counter("istio_tcp_received_bytes", "reporter", "source")).isEqualTo(18);
            assertThat(nodes.b.counter("istio_tcp_connections_closed", "reporter", "destination")).as("still open").isZero();

            assertThat(roundTrip(socket, "more")).isEqualTo("more");
            socket.shutdownOutput();
            assertThat(socket.getInputStream().read()).isEqualTo(-1);
        }
        // the rest is added when the connection ends, nothing twice
        await().atMost(Duration.ofSeconds(10)).until(() -> nodes.b.counter("istio_tcp_connections_closed", "reporter", "destination") == 1);
        assertThat(nodes.b.counter("istio_tcp_received_bytes", "reporter", "destination")).isEqualTo(22);
        await().atMost(Duration.ofSeconds(10)).until(() -> nodes.a.counter("istio_tcp_connections_closed", "reporter", "source") == 1);
        assertThat(nodes.a.counter("istio_tcp_sent_bytes", "reporter", "source")).isEqualTo(22);
    }

    @Test
    void aServiceVipIsBalancedToAnEndpointAtItsTargetPort() throws IOException {
        try (Socket socket = Socks5Client.connect(nodes.socks(), TwoNodes.ECHO_VIP)) {
            assertThat(roundTrip(socket, "via the VIP")).isEqualTo("via the VIP");
        }
        assertThat(nodes.a.counter("istio_tcp_connections_opened", "destination_service", "echo.demo.svc.cluster.local",
                "destination_service_namespace", "demo")).isEqualTo(1);
        // the destination's ztunnel names the service too (Istio: guess_inbound_service), from the Service resource
        assertThat(nodes.b.counter("istio_tcp_connections_opened", "reporter", "destination",
                "destination_service", "echo.demo.svc.cluster.local", "destination_service_name", "echo",
                "destination_service_namespace", "demo")).isEqualTo(1);
    }

    /** Addressed by pod IP, no service named: the destination finds the service by the pod's target port. */
    @Test
    void theInboundSideFindsTheServiceByTargetPort() throws IOException {
        try (Socket socket = Socks5Client.connect(nodes.socks(), nodes.echoDirect())) {
            assertThat(roundTrip(socket, "direct")).isEqualTo("direct");
        }
        assertThat(nodes.a.counter("istio_tcp_connections_opened", "reporter", "source", "destination_service", "unknown"))
                .isEqualTo(1);
        assertThat(nodes.b.counter("istio_tcp_connections_opened", "reporter", "destination",
                "destination_service", "echo.demo.svc.cluster.local", "destination_service_name", "echo")).isEqualTo(1);
    }

    @Test
    void aServiceHostNameIsResolvedFromZtunnelsStateNotDns() throws IOException {
        try (Socket socket = Socks5Client.connect(nodes.socks(), "echo.demo.svc.cluster.local", 80)) {
            assertThat(roundTrip(socket, "by name")).isEqualTo("by name");
        }
        assertThatThrownBy(() -> Socks5Client.connect(nodes.socks(), "unknown.demo.svc.cluster.local", 80))
                .isInstanceOfSatisfying(Socks5Client.ReplyException.class, e -> assertThat(e.code).isEqualTo(4));
    }

    @Test
    void tunnelsShareOnePooledConnection() throws IOException {
        for (int i = 0; i < 5; i++) {
            try (Socket socket = Socks5Client.connect(nodes.socks(), nodes.echoDirect())) {
                assertThat(roundTrip(socket, "n" + i)).isEqualTo("n" + i);
            }
        }
        assertThat(nodes.a.proxy.pool().connectionsOpened()).isEqualTo(1);
    }

    @Test
    void aDestinationOutsideTheMeshIsPassedThroughInPlainText() throws Exception {
        try (EchoServer outside = new EchoServer(io.ambit.ztunnel.state.Fixtures.ip("127.0.0.13"));
             Socket socket = Socks5Client.connect(nodes.socks(), outside.address())) {
            assertThat(roundTrip(socket, "plain")).isEqualTo("plain");
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(nodes.a.counter("istio_tcp_connections_closed",
                "reporter", "source", "connection_security_policy", "unknown", "destination_workload", "unknown")).isEqualTo(1));
        assertThat(nodes.a.proxy.pool().connectionsOpened()).isZero();
    }

    @Test
    void aDenyPolicyRefusesTheTunnelAndBothSidesCountDeny() {
        nodes.policy(denySleep("deny-sleep"));

        assertThatThrownBy(() -> Socks5Client.connect(nodes.socks(), nodes.echoDirect()))
                .isInstanceOfSatisfying(Socks5Client.ReplyException.class, e -> assertThat(e.code).isEqualTo(2));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(nodes.b.counter("istio_tcp_connections_failed", "reporter", "destination", "response_flags", "DENY"))
                    .isEqualTo(1);
            assertThat(nodes.a.counter("istio_tcp_connections_failed", "reporter", "source", "response_flags", "DENY"))
                    .isEqualTo(1);
        });
        assertThat(nodes.echo.peers()).isEmpty();
    }

    @Test
    void anAllowPolicyLetsOnlyItsPrincipalsIn() throws IOException {
        nodes.policy(Authorization.newBuilder().setNamespace("demo").setName("allow-other").setScope(Scope.NAMESPACE)
                .setAction(Action.ALLOW).addRules(Rule.newBuilder().addClauses(Clause.newBuilder().addMatches(
                        Match.newBuilder().addPrincipals(exact("cluster.local/ns/demo/sa/other"))))).build());
        assertThatThrownBy(() -> Socks5Client.connect(nodes.socks(), nodes.echoDirect()))
                .isInstanceOf(Socks5Client.ReplyException.class);

        nodes.policy(Authorization.newBuilder().setNamespace("demo").setName("allow-other").setScope(Scope.NAMESPACE)
                .setAction(Action.ALLOW).addRules(Rule.newBuilder().addClauses(Clause.newBuilder().addMatches(
                        Match.newBuilder().addPrincipals(exact("cluster.local/ns/demo/sa/sleep"))))).build());
        try (Socket socket = Socks5Client.connect(nodes.socks(), nodes.echoDirect())) {
            assertThat(roundTrip(socket, "allowed")).isEqualTo("allowed");
        }
    }

    @Test
    void aPolicyChangeClosesAnOpenConnectionItNowDenies() throws IOException {
        try (Socket socket = Socks5Client.connect(nodes.socks(), nodes.echoDirect())) {
            assertThat(roundTrip(socket, "before")).isEqualTo("before");

            nodes.policy(denySleep("deny-sleep"));

            // The tunnel is reset: the next read ends (EOF or reset) instead of waiting forever.
            socket.setSoTimeout(10_000);
            assertThat(endsWithoutData(socket)).isTrue();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(nodes.b.counter(
                    "istio_tcp_connections_closed", "reporter", "destination", "response_flags", "DENY")).isEqualTo(1));
        }
        nodes.applyEverywhere(removeAuthorizations("demo/deny-sleep"));
        try (Socket socket = Socks5Client.connect(nodes.socks(), nodes.echoDirect())) {
            assertThat(roundTrip(socket, "after")).isEqualTo("after");
        }
    }

    /**
     * A selector policy bound to the destination after its proxy started (the workload's
     * {@code authorization_policies} changed) applies: the proxy asks the current state, not the
     * workload it was started with.
     */
    @Test
    void aSelectorPolicyBoundAfterThePodWasCapturedApplies() {
        nodes.policy(Authorization.newBuilder().setNamespace("demo").setName("deny-sleep-selected")
                .setScope(Scope.WORKLOAD_SELECTOR).setAction(Action.DENY).addRules(Rule.newBuilder().addClauses(
                        Clause.newBuilder().addMatches(Match.newBuilder().addPrincipals(exact("cluster.local/ns/demo/sa/sleep")))))
                .build());
        nodes.applyEverywhere(io.ambit.ztunnel.state.Fixtures.addresses(io.ambit.ztunnel.state.Fixtures.resource(
                nodes.echoPod().toBuilder().addAuthorizationPolicies("demo/deny-sleep-selected").build())));

        assertThatThrownBy(() -> Socks5Client.connect(nodes.socks(), nodes.echoDirect()))
                .isInstanceOfSatisfying(Socks5Client.ReplyException.class, e -> assertThat(e.code).isEqualTo(2));
    }

    static Authorization denySleep(String name) {
        return Authorization.newBuilder().setNamespace("demo").setName(name).setScope(Scope.NAMESPACE)
                .setAction(Action.DENY).addRules(Rule.newBuilder().addClauses(Clause.newBuilder().addMatches(
                        Match.newBuilder().addPrincipals(exact("cluster.local/ns/demo/sa/sleep"))))).build();
    }

    static StringMatch exact(String value) {
        return StringMatch.newBuilder().setExact(value).build();
    }

    static String roundTrip(Socket socket, String message) throws IOException {
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        socket.getOutputStream().write(bytes);
        byte[] back = socket.getInputStream().readNBytes(bytes.length);
        return new String(back, StandardCharsets.UTF_8);
    }

    static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toString(StandardCharsets.UTF_8);
    }

    static boolean endsWithoutData(Socket socket) throws IOException {
        try {
            return socket.getInputStream().read() < 0;
        } catch (SocketException reset) {
            return true;
        }
    }

}
