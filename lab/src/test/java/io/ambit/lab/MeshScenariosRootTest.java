package io.ambit.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import io.ambit.netns.NetNamespace;
import io.ambit.testkit.Pcap;
import io.ambit.testkit.RequiresRoot;

/**
 * The end-to-end suite, modelled on Istio's ambient integration tests, on one two-node lab: the
 * real ca-service, xds-server and a ztunnel per node as processes, pods as network namespaces
 * with the echo workload in each. Scenarios run in order on the shared lab and leave it as they
 * found it (policies deleted, labels restored, processes up).
 */
@RequiresRoot("builds a lab of network namespaces with redirect rules and runs the mesh in it")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MeshScenariosRootTest {

    static final String ECHO_VIP = "10.96.0.10";
    static final Path REPO = Path.of("..").toAbsolutePath().normalize();

    Lab lab;

    @BeforeAll
    void startLab() throws IOException {
        LabSpec spec = LabSpec.builder(2)
                .ambientNamespace("demo")
                .namespace("legacy", Map.of())
                .namespace("late", Map.of())
                .pod("sleep", "demo", "sleep", 1, Map.of("app", "sleep"))
                .pod("job", "demo", "job", 1, Map.of("app", "job"))
                .pod("echo-a", "demo", "echo", 2, Map.of("app", "echo"))
                .pod("outsider", "legacy", "outsider", 2, Map.of("app", "outsider"))
                .pod("late", "late", "late", 1, Map.of("app", "late"))
                .service("echo", "demo", ECHO_VIP, List.of(new LabSpec.Port("http", 80, 8080),
                        new LabSpec.Port("tcp", 9090, 9090), new LabSpec.Port("server-first", 9091, 9091)), Map.of("app", "echo"))
                .build();
        lab = Lab.start(spec, Lab.Options.forTests(REPO, Duration.ofSeconds(40)));
    }

    @AfterAll
    void stopLab() throws IOException {
        if (lab != null) {
            lab.close();
            assertThat(LabNetwork.existing()).as("the lab leaves no namespace behind").isEmpty();
        }
    }

    InetAddress ip(String pod) {
        return lab.spec().pod(pod).ip();
    }

    String http(String from, String url) throws IOException {
        return lab.echoClient(from, url, "--count", "1");
    }

    // 4 first: the HBONE connection (and its TLS handshake) is made while the capture runs.
    @Test
    @Order(1)
    void mutualTlsOnTheWireShowsTls13ToPort15008AndNeverThePlainText() throws Exception {
        Path pcap = lab.runDir().resolve("inter-node.pcap");
        Process tcpdump = new ProcessBuilder("ip", "netns", "exec", LabNetwork.ROUTER, "tcpdump", "-Z", "root", "--immediate-mode", "-i",
                LabNetwork.interNodeLink(2), "-U", "-n", "-w", pcap.toString(), "tcp").redirectErrorStream(true).start();
        awaitListening(tcpdump);
        String marker = "AMBIT-MARKER-" + System.nanoTime();
        try {
            String out = lab.echoClient("sleep", "http://" + ECHO_VIP + ":80/", "--count", "2", "--header", "X-Marker=" + marker);
            assertThat(out).contains("Pod=echo-a").contains("ok=2");
        } finally {
            // Immediate mode writes each packet as it comes; wait for them before SIGTERM, or unread ones are lost.
            await().atMost(Duration.ofSeconds(5)).ignoreExceptions().until(() -> Files.size(pcap) > 24);
            tcpdump.destroy();
            tcpdump.waitFor(10, TimeUnit.SECONDS);
        }
        List<Pcap.Segment> segments = Pcap.tcpSegments(pcap);
        assertThat(segments).anyMatch(s -> s.destinationPort() == 15008);
        assertThat(segments).noneMatch(s -> s.destinationPort() == 8080 || s.sourcePort() == 8080);
        assertThat(segments).noneMatch(s -> Pcap.contains(s.payload(), marker.getBytes(StandardCharsets.US_ASCII)));
        assertThat(segments).filteredOn(s -> s.sourcePort() == 15008 && s.payload().length > 5 && s.payload()[0] == 0x16)
                .first().satisfies(hello -> {
                    assertThat(hello.payload()[5]).as("ServerHello").isEqualTo((byte) 0x02);
                    assertThat(Pcap.contains(hello.payload(), new byte[] {0x00, 0x2b, 0x00, 0x02, 0x03, 0x04}))
                            .as("supported_versions = TLS 1.3").isTrue();
                });
    }

    @Test
    @Order(2)
    void serviceVipCallAcrossNodesOverHttpAndTcpReachesTheRightPod() throws IOException {
        assertThat(http("sleep", "http://" + ECHO_VIP + ":80/hello")).contains("Pod=echo-a").contains("ok=1");
        assertThat(lab.echoClient("sleep", ECHO_VIP + ":9090", "--protocol", "tcp", "--message", "tcp-through-the-mesh"))
                .contains("tcp-through-the-mesh").contains("ok=1");
    }

    @Test
    @Order(3)
    void directPodIpCall() throws IOException {
        String out = http("sleep", "http://" + ip("echo-a").getHostAddress() + ":8080/");
        assertThat(out).contains("Pod=echo-a").contains("ok=1");
    }

    @Test
    @Order(4)
    void serverSpeaksFirstProtocolThroughTheMesh() throws IOException {
        String out = lab.echoClient("sleep", ECHO_VIP + ":9091", "--protocol", "server-first", "--message", "after-banner");
        assertThat(out).contains("HELLO pod=echo-a").contains("after-banner").contains("ok=1");
    }

    @Test
    @Order(5)
    void uncapturedPodReachesACapturedPodUnderPermissiveButNotUnderStrict() throws IOException {
        String echoPod = "http://" + ip("echo-a").getHostAddress() + ":8080/";
        assertThat(http("outsider", echoPod)).contains("Pod=echo-a");
        String strict = """
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata: {name: strict, namespace: demo}
                spec:
                  mtls: {mode: STRICT}
                """;
        lab.apply(strict);
        try {
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(refused("outsider", echoPod)).isTrue());
            assertThat(http("sleep", echoPod)).as("mesh traffic still gets in").contains("Pod=echo-a");
        } finally {
            lab.delete(strict);
        }
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(http("outsider", echoPod)).contains("Pod=echo-a"));
    }

    @Test
    @Order(6)
    void capturedPodReachesADestinationOutsideTheMeshThroughPassthrough() throws IOException {
        assertThat(http("sleep", "http://" + ip("outsider").getHostAddress() + ":8080/")).contains("Pod=outsider");
    }

    @Test
    @Order(7)
    void l4AuthorizationPoliciesAllowAndDenyAsWritten() throws Exception {
        String url = "http://" + ECHO_VIP + ":80/";
        double deniedBefore = denied();
        // allow by principal: only sleep
        String allowSleep = policy("allow-sleep", "ALLOW", "from: [{source: {principals: [cluster.local/ns/demo/sa/sleep]}}]");
        lab.apply(allowSleep);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(refused("job", url)).isTrue());
        assertThat(http("sleep", url)).contains("Pod=echo-a");
        lab.delete(allowSleep);
        // deny by namespace
        String denyDemo = policy("deny-demo", "DENY", "from: [{source: {namespaces: [demo]}}]");
        lab.apply(denyDemo);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(refused("sleep", url)).isTrue());
        lab.delete(denyDemo);
        // port-scoped: only 9090
        String onlyTcp = policy("only-9090", "ALLOW", "to: [{operation: {ports: [\"9090\"]}}]");
        lab.apply(onlyTcp);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(refused("sleep", url)).isTrue());
        assertThat(lab.echoClient("sleep", ECHO_VIP + ":9090", "--protocol", "tcp", "--message", "port-ok")).contains("port-ok");
        lab.delete(onlyTcp);
        // default deny: spec {}
        String denyAll = """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: deny-all, namespace: demo}
                spec: {}
                """;
        lab.apply(denyAll);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(refused("sleep", url)).isTrue());
        lab.delete(denyAll);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(http("sleep", url)).contains("Pod=echo-a"));
        assertThat(denied()).as("denials counted with response_flags=DENY").isGreaterThan(deniedBefore);
    }

    @Test
    @Order(8)
    void labellingANamespaceCapturesARunningPodWithoutRestartAndUnlabellingReleasesIt() throws Exception {
        long pid = lab.workload("late").pid();
        String vip = "http://" + ECHO_VIP + ":80/";
        assertThat(refused("late", vip)).as("a VIP answers only through the mesh").isTrue();
        lab.apply(KubeObjects.namespace(new LabSpec.NamespaceSpec("late", Map.of("istio.io/dataplane-mode", "ambient"))));
        lab.awaitCaptured("late");
        assertThat(http("late", vip)).contains("Pod=echo-a");
        lab.apply(KubeObjects.namespace(new LabSpec.NamespaceSpec("late", Map.of())));
        lab.awaitReleased("late");
        assertThat(refused("late", vip)).isTrue();
        assertThat(lab.workload("late").pid()).isEqualTo(pid);
        assertThat(lab.workload("late").alive()).isTrue();
    }

    @Test
    @Order(9)
    void aShortLivedJobThatConnectsInItsFirstMillisecondIsCaptured() throws IOException {
        double before = fromJob();
        // The job is a fresh process in an already captured pod: its very first connection is in the mesh.
        assertThat(lab.echoClient("job", ECHO_VIP + ":9090", "--protocol", "tcp", "--message", "job")).contains("ok=1");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(fromJob()).isGreaterThan(before));
    }

    private double fromJob() throws IOException {
        return Prometheus.sum(lab.ztunnel(2), "istio_tcp_connections_opened_total", Map.of("reporter", "destination",
                "source_principal", "spiffe://cluster.local/ns/demo/sa/job", "connection_security_policy", "mutual_tls"));
    }

    @Test
    @Order(10)
    void aPolicyChangeClosesAnAlreadyOpenConnectionThatTheNewPolicyDenies() throws Exception {
        Socket socket = connectFrom("sleep", new InetSocketAddress(ECHO_VIP, 9090));
        try {
            assertThat(roundTrip(socket, "open")).isEqualTo("open");
            String deny = policy("deny-sleep", "DENY", "from: [{source: {principals: [cluster.local/ns/demo/sa/sleep]}}]");
            lab.apply(deny);
            try {
                socket.setSoTimeout(20_000);
                assertThat(endsWithoutAnswer(socket)).isTrue();
            } finally {
                lab.delete(deny);
            }
        } finally {
            socket.close();
        }
    }

    @Test
    @Order(11)
    void afterAZtunnelRestartNewConnectionsWorkWithinFiveSeconds() throws Exception {
        lab.ztunnel(2).process().kill();
        lab.startZtunnel(2); // returns once the new process reports ready
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> assertThat(http("sleep", "http://" + ECHO_VIP + ":80/")).contains("Pod=echo-a"));
    }

    @Test
    @Order(12)
    void withTheXdsServerStoppedKnownPodsStillTalkAndChangesFlowAfterItsRestart() throws Exception {
        lab.service("xds-server").stop();
        try {
            assertThat(http("sleep", "http://" + ECHO_VIP + ":80/")).contains("Pod=echo-a");
        } finally {
            lab.restartService("xds-server");
        }
        // The restarted server rebuilds from its store; a change flows to the ztunnels again.
        String deny = policy("deny-after-restart", "DENY", "from: [{source: {principals: [cluster.local/ns/demo/sa/sleep]}}]");
        lab.apply(deny);
        try {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(refused("sleep", "http://" + ECHO_VIP + ":80/")).isTrue());
        } finally {
            lab.delete(deny);
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(http("sleep", "http://" + ECHO_VIP + ":80/")).contains("Pod=echo-a"));
    }

    @Test
    @Order(13)
    void withTheCaStoppedCertificatesKeepServingAndRenewalResumesAfterItsRestart() throws Exception {
        String before = serial(1, "sleep");
        lab.service("ca-service").stop();
        try {
            assertThat(http("sleep", "http://" + ECHO_VIP + ":80/")).contains("Pod=echo-a");
            // Certificates live 40 s here, renewed at half-life: a renewal falls in the outage and fails.
            await().atMost(Duration.ofSeconds(40)).until(() -> Files.readString(lab.ztunnel(1).process().logFile())
                    .contains("cannot obtain a certificate for spiffe://cluster.local/ns/demo/sa/sleep"));
            assertThat(http("sleep", "http://" + ECHO_VIP + ":80/")).contains("Pod=echo-a");
        } finally {
            lab.restartService("ca-service");
        }
        await().atMost(Duration.ofSeconds(90)).until(() -> !serial(1, "sleep").equals(before));
        assertThat(http("sleep", "http://" + ECHO_VIP + ":80/")).contains("Pod=echo-a");
    }

    @Test
    @Order(14)
    void metricsOnBothZtunnelsMatchTheTrafficSent() throws Exception {
        Map<String, String> source = Map.of("reporter", "source", "source_workload", "sleep", "destination_workload", "echo-a");
        Map<String, String> destination = Map.of("reporter", "destination", "source_workload", "sleep",
                "destination_workload", "echo-a", "connection_security_policy", "mutual_tls");
        double openedAtSource = Prometheus.sum(lab.ztunnel(1), "istio_tcp_connections_opened_total", source);
        double openedAtDestination = Prometheus.sum(lab.ztunnel(2), "istio_tcp_connections_opened_total", destination);
        double bytesAtDestination = Prometheus.sum(lab.ztunnel(2), "istio_tcp_received_bytes_total", destination);
        double sentAtDestination = Prometheus.sum(lab.ztunnel(2), "istio_tcp_sent_bytes_total", destination);
        String message = "x".repeat(1000);
        for (int i = 0; i < 5; i++) {
            try (Socket socket = connectFrom("sleep", new InetSocketAddress(ECHO_VIP, 9090))) {
                assertThat(roundTrip(socket, message)).isEqualTo(message);
            }
        }
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            assertThat(Prometheus.sum(lab.ztunnel(1), "istio_tcp_connections_opened_total", source) - openedAtSource).isEqualTo(5);
            assertThat(Prometheus.sum(lab.ztunnel(2), "istio_tcp_connections_opened_total", destination) - openedAtDestination)
                    .isEqualTo(5);
            assertThat(Prometheus.sum(lab.ztunnel(2), "istio_tcp_received_bytes_total", destination) - bytesAtDestination)
                    .isEqualTo(5000);
            assertThat(Prometheus.sum(lab.ztunnel(2), "istio_tcp_sent_bytes_total", destination) - sentAtDestination)
                    .isEqualTo(5000);
        });
    }

    // --- helpers ---------------------------------------------------------------------------

    double denied() throws IOException {
        return Prometheus.sum(lab.ztunnel(2), "istio_tcp_connections_failed_total", Map.of("reporter", "destination",
                "response_flags", "DENY"));
    }

    String serial(int node, String serviceAccount) throws IOException {
        String certs = MeshProcess.get("http://127.0.0.1:" + lab.ztunnel(node).adminPort() + "/certs");
        int at = certs.indexOf("/sa/" + serviceAccount + "\"");
        int serial = certs.indexOf("\"serialNumber\"", at);
        return at < 0 || serial < 0 ? "" : certs.substring(serial, certs.indexOf(',', serial));
    }

    static String policy(String name, String action, String rule) {
        return """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: %s, namespace: demo}
                spec:
                  action: %s
                  rules:
                    - %s
                """.formatted(name, action, rule);
    }

    /** An HTTP call that fails (reset, refused, unreachable): the echo client exits non-zero. */
    boolean refused(String from, String url) {
        try {
            String out = lab.echoClient(from, url, "--count", "1", "--timeout", "3s");
            return !out.contains("ok=1");
        } catch (IOException failed) {
            return true;
        }
    }

    Socket connectFrom(String pod, InetSocketAddress target) throws Exception {
        try (NetNamespace ns = NetNamespace.named(lab.network().podNamespace(pod))) {
            return ns.run(() -> {
                Socket socket = new Socket();
                socket.setSoTimeout(15_000);
                socket.connect(target, 5_000);
                return socket;
            });
        }
    }

    static String roundTrip(Socket socket, String message) throws IOException {
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        socket.getOutputStream().write(bytes);
        return new String(socket.getInputStream().readNBytes(bytes.length), StandardCharsets.UTF_8);
    }

    static boolean endsWithoutAnswer(Socket socket) throws IOException {
        try {
            return socket.getInputStream().read() < 0;
        } catch (SocketException reset) {
            return true;
        }
    }

    static void awaitListening(Process tcpdump) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(tcpdump.getInputStream(), StandardCharsets.UTF_8));
        for (String line; (line = out.readLine()) != null;) {
            if (line.contains("listening on")) {
                Thread.ofPlatform().daemon().start(() -> {
                    try {
                        out.transferTo(java.io.Writer.nullWriter());
                    } catch (IOException e) {
                        // tcpdump ended
                    }
                });
                return;
            }
        }
        throw new IOException("tcpdump ended before capturing");
    }
}
