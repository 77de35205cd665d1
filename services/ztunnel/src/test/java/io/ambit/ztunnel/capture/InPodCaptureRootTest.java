package io.ambit.ztunnel.capture;

import static io.ambit.ztunnel.state.Fixtures.addresses;
import static io.ambit.ztunnel.state.Fixtures.authorizations;
import static io.ambit.ztunnel.state.Fixtures.pod;
import static io.ambit.ztunnel.state.Fixtures.ports;
import static io.ambit.ztunnel.state.Fixtures.removeAuthorizations;
import static io.ambit.ztunnel.state.Fixtures.resource;
import static io.ambit.ztunnel.state.Fixtures.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import io.ambit.echo.server.AccessLog;
import io.ambit.echo.server.EchoServer;
import io.ambit.echo.server.ServerOptions;
import io.ambit.hbone.Transport;
import io.ambit.identity.SpiffeId;
import io.ambit.identity.Svid;
import io.ambit.identity.TrustBundle;
import io.ambit.netns.Commands;
import io.ambit.netns.NetNamespace;
import io.ambit.netns.RedirectConfig;
import io.ambit.netns.RedirectRules;
import io.ambit.netns.topology.Topology;
import io.ambit.proto.security.Action;
import io.ambit.proto.security.Authorization;
import io.ambit.proto.security.Clause;
import io.ambit.proto.security.Match;
import io.ambit.proto.security.Rule;
import io.ambit.proto.security.Scope;
import io.ambit.proto.security.StringMatch;
import io.ambit.proto.workload.TunnelProtocol;
import io.ambit.proto.workload.Workload;
import io.ambit.testkit.IssuedCertificate;
import io.ambit.testkit.Pcap;
import io.ambit.testkit.RequiresRoot;
import io.ambit.testkit.TestCa;
import io.ambit.xdsclient.XdsUpdate;
import io.ambit.ztunnel.identity.WorkloadCertificates;
import io.ambit.ztunnel.proxy.PodCertificates;
import io.ambit.ztunnel.proxy.ProxyContext;
import io.ambit.ztunnel.proxy.ProxyProperties;
import io.ambit.ztunnel.state.StateStore;
import io.ambit.ztunnel.state.XdsStateHandler;
import io.ambit.ztunnel.telemetry.ConnectionTelemetry;
import io.ambit.ztunnel.telemetry.TcpMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * In-pod capture for real: pods are network namespaces behind a router namespace, two ztunnels
 * (node-a serving {@code sleep} at 10.244.1.10, node-b serving {@code echo} at 10.244.2.10) find
 * them by IP, open their listeners inside them and install the redirect rules. The applications
 * are unaware: {@code sleep} connects to echo's service VIP or pod IP with an ordinary socket, and
 * the capture on the router's link to echo shows only TLS 1.3 to port 15008.
 */
@RequiresRoot("creates network namespaces, veths and redirect rules, and captures packets")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class InPodCaptureRootTest {

    static final TestCa CA = TestCa.newRoot("cluster.local");
    static final TrustBundle BUNDLE = TrustBundle.of("cluster.local", CA.root());
    static final int APP_PORT = 8080;
    static final InetSocketAddress VIP = new InetSocketAddress(java.net.InetAddress.ofLiteral("10.96.0.10"), 80);

    /** This test's namespaces (the topology kit's prefix for them). */
    static final String PREFIX = "ambt-zt-";

    Topology lab;
    NetNamespace sleepNs;
    NetNamespace echoNs;
    NetNamespace outsiderNs;
    Transport transport;
    Node nodeA;
    Node nodeB;
    EchoServer echo;

    /** One node's ztunnel: state, certificates, metrics, capture. */
    final class Node implements AutoCloseable {
        final String name;
        final StateStore state = new StateStore();
        final XdsStateHandler xds = new XdsStateHandler(state);
        final SimpleMeterRegistry meters = new SimpleMeterRegistry();
        final WorkloadCertificates certificates = new WorkloadCertificates(id -> () -> issue(id), Clock.systemUTC());
        final CaptureManager capture;

        Node(String name) {
            this.name = name;
            ProxyContext context = ProxyContext.create(transport, state, new PodCertificates(certificates, () -> BUNDLE),
                    new ConnectionTelemetry(new TcpMetrics(meters), Clock.systemUTC()), ProxyProperties.defaults());
            state.addListener(change -> certificates.serve(Set.copyOf(change.current().hboneWorkloadsOnNode(name).stream()
                    .map(io.ambit.ztunnel.state.Workload::identity).toList())));
            capture = CaptureManager.inPod(name, context, rules(), PodNamespaceFinder.byAddress(), Duration.ofMillis(200),
                    Clock.systemUTC());
            capture.start();
        }

        void apply(XdsUpdate update) {
            assertThat(xds.apply(update)).isEmpty();
        }

        double counter(String metric, String... tags) {
            return meters.find(metric).tags(tags).counters().stream().mapToDouble(c -> c.count()).sum();
        }

        @Override
        public void close() {
            capture.close();
            certificates.close();
        }
    }

    static RedirectRules rules() {
        try {
            return RedirectRules.detect(RedirectConfig.defaults());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static Svid issue(SpiffeId id) {
        Instant now = Instant.now();
        IssuedCertificate certificate = CA.leaf(id.toString()).validity(now.minusSeconds(1), now.plus(Duration.ofHours(1))).issue();
        return new Svid(id, certificate.privateKey(), certificate.chain());
    }

    static Workload sleepPod(TunnelProtocol protocol) {
        return pod("demo", "sleep", "node-a", "10.244.1.10").setWorkloadName("sleep").setTunnelProtocol(protocol).build();
    }

    static Workload echoPod() {
        return pod("demo", "echo", "node-b", "10.244.2.10").setWorkloadName("echo")
                .putServices("demo/echo.demo.svc.cluster.local", ports(80, APP_PORT)).build();
    }

    @BeforeAll
    void lab() throws Exception {
        lab = Topology.create(PREFIX, "10.244", 3);
        sleepNs = NetNamespace.named(lab.addPod("slp", 1, lab.podAddress(1, 10)));
        echoNs = NetNamespace.named(lab.addPod("ech", 2, lab.podAddress(2, 10)));
        outsiderNs = NetNamespace.named(lab.addPod("out", 3, lab.podAddress(3, 10)));
        // the lab's echo workload, its TCP echo on APP_PORT (its other listeners on free ports)
        echo = echoNs.run(() -> EchoServer.start(
                new ServerOptions("echo", "v1", 0, 0, APP_PORT, 0, InetAddress.ofLiteral("0.0.0.0"), false), AccessLog.NONE));
        transport = Transport.create(2);
        nodeA = new Node("node-a");
        nodeB = new Node("node-b");
        XdsUpdate mesh = addresses(resource(sleepPod(TunnelProtocol.HBONE)), resource(echoPod()),
                resource(service("demo", "echo", "10.96.0.10", 80, APP_PORT).build()));
        nodeA.apply(mesh);
        nodeB.apply(mesh);
        await().atMost(Duration.ofSeconds(20)).until(() -> nodeA.capture.captured().size() == 1 && nodeB.capture.captured().size() == 1);
    }

    @AfterAll
    void tearDown() throws Exception {
        if (nodeA != null) {
            nodeA.close();
        }
        if (nodeB != null) {
            nodeB.close();
        }
        if (echo != null) {
            echo.close();
        }
        if (transport != null) {
            transport.close();
        }
        for (NetNamespace ns : new NetNamespace[] {sleepNs, echoNs, outsiderNs}) {
            if (ns != null) {
                ns.close();
            }
        }
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void listenersAndRulesAreInsideThePodsNamespace() throws IOException {
        String sockets = Topology.exec(PREFIX + "slp", "ss", "-ltnH");
        assertThat(sockets).contains(":15001 ", ":15006 ", ":15008 ");
        assertThat(Commands.run(List.of("ss", "-ltnH"), null)).as("nothing listens on the host").doesNotContain(":15001 ");
        assertThat(nodeA.capture.captured().values()).singleElement()
                .satisfies(p -> assertThat(p.namespace().toString()).endsWith(PREFIX + "slp"));
    }

    @Test
    @org.junit.jupiter.api.Order(1) // first, so the HBONE connection (and its TLS handshake) is made while capturing
    void aServiceCallCrossesNodesOverMutualTls13AndThePlainTextNeverAppearsOnTheWire(@TempDir Path dir) throws Exception {
        Path pcap = dir.resolve("link.pcap");
        Process tcpdump = startCapture(lab.interNodeLink(2), pcap);
        String marker = "AMBIT-PLAINTEXT-MARKER-" + System.nanoTime();
        try {
            assertThat(callFrom(sleepNs, VIP, marker)).isEqualTo(marker);
            assertThat(callFrom(sleepNs, new InetSocketAddress(lab.podAddress(2, 10), APP_PORT), marker)).isEqualTo(marker);
        } finally {
            stopCapture(tcpdump, pcap);
        }
        List<Pcap.Segment> segments = Pcap.tcpSegments(pcap);
        assertThat(segments).as("the capture saw the tunnel").anyMatch(s -> s.destinationPort() == 15008);
        assertThat(segments).as("the application port is never on the wire")
                .noneMatch(s -> s.destinationPort() == APP_PORT || s.sourcePort() == APP_PORT);
        assertThat(segments).as("the request's plain text is never on the wire")
                .noneMatch(s -> Pcap.contains(s.payload(), marker.getBytes(StandardCharsets.US_ASCII)));
        // The ServerHello from 15008 negotiates TLS 1.3: extension supported_versions (0x002b) = 0x0304.
        assertThat(segments).filteredOn(s -> s.sourcePort() == 15008 && s.payload().length > 5)
                .first().satisfies(hello -> {
                    assertThat(hello.payload()[0]).as("a TLS handshake record").isEqualTo((byte) 0x16);
                    assertThat(hello.payload()[5]).as("ServerHello").isEqualTo((byte) 0x02);
                    assertThat(Pcap.contains(hello.payload(), new byte[] {0x00, 0x2b, 0x00, 0x02, 0x03, 0x04})).isTrue();
                });
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(nodeB.counter("istio_tcp_connections_closed",
                "reporter", "destination", "source_workload", "sleep", "connection_security_policy", "mutual_tls"))
                .isGreaterThanOrEqualTo(2));
    }

    @Test
    void policyAllowsAndDeniesAsWritten() throws Exception {
        Authorization deny = Authorization.newBuilder().setNamespace("demo").setName("deny-sleep").setScope(Scope.NAMESPACE)
                .setAction(Action.DENY).addRules(Rule.newBuilder().addClauses(Clause.newBuilder().addMatches(Match.newBuilder()
                        .addPrincipals(StringMatch.newBuilder().setExact("cluster.local/ns/demo/sa/sleep"))))).build();
        nodeA.apply(authorizations(resource(deny)));
        nodeB.apply(authorizations(resource(deny)));
        try {
            assertThat(refusedFrom(sleepNs, VIP)).isTrue();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(nodeB.counter("istio_tcp_connections_failed",
                    "reporter", "destination", "response_flags", "DENY")).isGreaterThanOrEqualTo(1));
        } finally {
            nodeA.apply(removeAuthorizations("demo/deny-sleep"));
            nodeB.apply(removeAuthorizations("demo/deny-sleep"));
        }
        assertThat(callFrom(sleepNs, VIP, "allowed again")).isEqualTo("allowed again");
    }

    @Test
    void plainTextFromOutsideTheMeshIsAllowedUnderPermissiveAndRefusedUnderStrict() throws Exception {
        InetSocketAddress echoPod = new InetSocketAddress(lab.podAddress(2, 10), APP_PORT);
        assertThat(callFrom(outsiderNs, echoPod, "permissive")).isEqualTo("permissive");
        // Istio's converted PeerAuthentication STRICT: deny what has no peer identity.
        Authorization strict = Authorization.newBuilder().setNamespace("demo").setName("converted_peer_authentication_strict")
                .setScope(Scope.NAMESPACE).setAction(Action.DENY).addRules(Rule.newBuilder().addClauses(Clause.newBuilder()
                        .addMatches(Match.newBuilder().addNotPrincipals(StringMatch.newBuilder()
                                .setPresence(com.google.protobuf.Empty.getDefaultInstance()))))).build();
        nodeB.apply(authorizations(resource(strict)));
        try {
            assertThat(refusedFrom(outsiderNs, echoPod)).isTrue();
            // Captured, mutual-TLS traffic from sleep still gets in.
            assertThat(callFrom(sleepNs, echoPod, "mtls")).isEqualTo("mtls");
        } finally {
            nodeB.apply(removeAuthorizations("demo/converted_peer_authentication_strict"));
        }
    }

    @Test
    void removingThePodFromTheMeshReleasesItWithoutTouchingTheProcess() throws Exception {
        Socket before = connectFrom(sleepNs, VIP); // opened while captured
        try {
            nodeA.apply(addresses(resource(sleepPod(TunnelProtocol.NONE))));
            await().atMost(Duration.ofSeconds(20)).until(() -> nodeA.capture.captured().isEmpty());
            String rules = Topology.exec(PREFIX + "slp", "sh", "-c", "nft list ruleset 2>/dev/null; iptables-save 2>/dev/null");
            assertThat(rules).doesNotContain("15001");
            assertThat(Topology.exec(PREFIX + "slp", "ss", "-ltnH")).doesNotContain(":15001");
            // Uncaptured now: a direct call to echo's pod IP arrives at echo's ztunnel as plain text (15006).
            double plainBefore = nodeB.counter("istio_tcp_connections_opened", "connection_security_policy", "unknown");
            assertThat(callFrom(sleepNs, new InetSocketAddress(lab.podAddress(2, 10), APP_PORT), "released")).isEqualTo("released");
            assertThat(nodeB.counter("istio_tcp_connections_opened", "connection_security_policy", "unknown"))
                    .isGreaterThan(plainBefore);
        } finally {
            before.close();
            nodeA.apply(addresses(resource(sleepPod(TunnelProtocol.HBONE))));
            await().atMost(Duration.ofSeconds(20)).until(() -> nodeA.capture.captured().size() == 1);
        }
        assertThat(callFrom(sleepNs, VIP, "captured again")).isEqualTo("captured again");
    }

    static Socket connectFrom(NetNamespace ns, InetSocketAddress target) throws Exception {
        // The socket is made (and connected) inside the pod: it is the pod's, as an application's would be.
        return ns.run(() -> {
            Socket socket = new Socket();
            socket.setSoTimeout(15_000);
            socket.connect(target, 5_000);
            return socket;
        });
    }

    static String callFrom(NetNamespace ns, InetSocketAddress target, String message) throws Exception {
        try (Socket socket = connectFrom(ns, target)) {
            byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
            socket.getOutputStream().write(bytes);
            return new String(socket.getInputStream().readNBytes(bytes.length), StandardCharsets.UTF_8);
        }
    }

    /** A refused connection: accepted by the local capture, then reset (or ended) without an answer. */
    static boolean refusedFrom(NetNamespace ns, InetSocketAddress target) throws Exception {
        try (Socket socket = connectFrom(ns, target)) {
            socket.getOutputStream().write("should not arrive".getBytes(StandardCharsets.UTF_8));
            return socket.getInputStream().read() < 0;
        } catch (SocketException reset) {
            return true;
        }
    }

    Process startCapture(String routerInterface, Path file) throws Exception {
        Process tcpdump = new ProcessBuilder("ip", "netns", "exec", lab.router(), "tcpdump", "-Z", "root", "--immediate-mode", "-i", routerInterface,
                "-U", "-n", "-w", file.toString(), "tcp").redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(tcpdump.getInputStream(), StandardCharsets.UTF_8));
        for (String line; (line = out.readLine()) != null;) {
            if (line.contains("listening on")) {
                Thread.ofPlatform().daemon().start(() -> {
                    try {
                        out.transferTo(java.io.Writer.nullWriter()); // keep tcpdump's output pipe drained
                    } catch (IOException e) {
                        // tcpdump ended
                    }
                });
                return tcpdump;
            }
        }
        throw new IOException("tcpdump ended before capturing (exit " + tcpdump.waitFor() + ")");
    }

    /**
     * Waits until the capture file holds packets (tcpdump writes each as it gets it, in immediate
     * mode), then SIGTERM: a packet the kernel captured but tcpdump has not read yet would be lost.
     */
    static void stopCapture(Process tcpdump, Path file) throws InterruptedException {
        await().atMost(Duration.ofSeconds(5)).ignoreExceptions().until(() -> java.nio.file.Files.size(file) > 24);
        tcpdump.destroy();
        tcpdump.waitFor(10, TimeUnit.SECONDS);
    }
}
