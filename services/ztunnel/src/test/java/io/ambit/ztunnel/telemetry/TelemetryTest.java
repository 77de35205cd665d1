package io.ambit.ztunnel.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import io.ambit.proto.workload.Locality;
import io.ambit.proto.workload.Workload;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

/** Istio's metric names and labels, and the access-log line, from real workloads as xDS describes them. */
public class TelemetryTest {

    public static final Workload SLEEP = Workload.newBuilder().setUid("Kubernetes//Pod/demo/sleep-1").setName("sleep-1")
            .setNamespace("demo").setServiceAccount("sleep").setTrustDomain("cluster.local").setWorkloadName("sleep")
            .setCanonicalName("sleep").setCanonicalRevision("v1").setClusterId("Kubernetes").build();
    public static final Workload ECHO = Workload.newBuilder().setUid("Kubernetes//Pod/demo/echo-1").setName("echo-1")
            .setNamespace("demo").setServiceAccount("echo").setTrustDomain("cluster.local").setWorkloadName("echo")
            .setCanonicalName("echo").setCanonicalRevision("v2").setClusterId("Kubernetes")
            .setLocality(Locality.newBuilder().setRegion("eu-west").setZone("eu-west-1b")).build();
    public static final ServiceDescription ECHO_SERVICE = new ServiceDescription("echo.demo.svc.cluster.local", "echo", "demo");

    /**
     * The label set of istio/ztunnel's {@code CommonTrafficLabels} (src/proxy/metrics.rs), its
     * locality labels included (present whenever ztunnel knows either end).
     */
    public static final Set<String> ISTIO_TCP_LABELS = Set.of("reporter",
            "source_workload", "source_canonical_service", "source_canonical_revision", "source_workload_namespace",
            "source_principal", "source_app", "source_version", "source_cluster",
            "destination_service", "destination_service_namespace", "destination_service_name",
            "destination_workload", "destination_canonical_service", "destination_canonical_revision",
            "destination_workload_namespace", "destination_principal", "destination_app", "destination_version",
            "destination_cluster", "request_protocol", "response_flags", "connection_security_policy",
            "source_region", "source_zone", "destination_region", "destination_zone");

    /** The label names of one Prometheus text line. */
    public static Set<String> labelNames(String line) {
        String labels = line.substring(line.indexOf('{') + 1, line.lastIndexOf('}'));
        return Arrays.stream(labels.split("\",(?=[a-z_]+=\")")).map(l -> l.substring(0, l.indexOf('=')))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void countersCarryIstiosNamesAndLabels() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        TcpMetrics metrics = new TcpMetrics(registry);
        ConnectionLabels labels = ConnectionLabels.of(ConnectionLabels.Reporter.DESTINATION, Peer.of(SLEEP), Peer.of(ECHO),
                Optional.of(ECHO_SERVICE), true, "-");
        var counters = metrics.of(labels);
        counters.opened().increment();
        counters.sent().increment(1200);
        counters.received().increment(34);
        assertThat(metrics.of(labels)).isSameAs(counters);

        String scrape = registry.scrape();
        assertThat(scrape).contains("istio_tcp_connections_opened_total{", "istio_tcp_sent_bytes_total{", "istio_tcp_received_bytes_total{");
        String opened = scrape.lines().filter(l -> l.startsWith("istio_tcp_connections_opened_total{")).findFirst().orElseThrow();
        assertThat(opened).contains("reporter=\"destination\"", "source_workload=\"sleep\"", "source_workload_namespace=\"demo\"",
                "source_principal=\"spiffe://cluster.local/ns/demo/sa/sleep\"", "destination_workload=\"echo\"",
                "destination_principal=\"spiffe://cluster.local/ns/demo/sa/echo\"", "destination_canonical_revision=\"v2\"",
                "destination_service=\"echo.demo.svc.cluster.local\"", "destination_service_name=\"echo\"",
                "destination_service_namespace=\"demo\"", "connection_security_policy=\"mutual_tls\"", "response_flags=\"-\"",
                "request_protocol=\"tcp\"");
        assertThat(opened).endsWith(" 1.0");
        assertThat(labelNames(opened)).containsExactlyInAnyOrderElementsOf(ISTIO_TCP_LABELS);
        assertThat(scrape.lines().filter(l -> l.startsWith("istio_tcp_sent_bytes_total{")).findFirst().orElseThrow()).endsWith(" 1200.0");
    }

    /** A ServiceEntry's host says nothing of its name or namespace: they come from the Service resource. */
    @Test
    void serviceNameAndNamespaceComeFromTheServiceNotTheHostname() {
        ConnectionLabels labels = ConnectionLabels.of(ConnectionLabels.Reporter.SOURCE, Peer.of(SLEEP), Peer.UNKNOWN,
                Optional.of(new ServiceDescription("api.example.com", "external-api", "shared")), false, "-");
        assertThat(labels.get("destination_service")).isEqualTo("api.example.com");
        assertThat(labels.get("destination_service_name")).isEqualTo("external-api");
        assertThat(labels.get("destination_service_namespace")).isEqualTo("shared");
    }

    @Test
    void localityLabelsComeFromTheWorkloads() {
        ConnectionLabels labels = ConnectionLabels.of(ConnectionLabels.Reporter.SOURCE, Peer.of(SLEEP), Peer.of(ECHO),
                Optional.of(ECHO_SERVICE), true, "-");
        assertThat(labels.get("destination_region")).isEqualTo("eu-west");
        assertThat(labels.get("destination_zone")).isEqualTo("eu-west-1b");
        assertThat(labels.get("source_region")).isEqualTo("unknown");
        assertThat(labels.get("source_zone")).isEqualTo("unknown");
    }

    @Test
    void openSocketsFollowConnectionsPerReporter() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        TcpMetrics metrics = new TcpMetrics(registry);
        ConnectionTelemetry telemetry = new ConnectionTelemetry(metrics, Clock.systemUTC());
        InetSocketAddress a = new InetSocketAddress("10.244.1.5", 43210);
        InetSocketAddress b = new InetSocketAddress("10.244.2.7", 8080);
        var first = telemetry.open(ConnectionLabels.Reporter.DESTINATION, a, Peer.of(SLEEP), b, Optional.empty(),
                Optional.of(ECHO_SERVICE), Peer.of(ECHO), true);
        var second = telemetry.open(ConnectionLabels.Reporter.DESTINATION, a, Peer.of(SLEEP), b, Optional.empty(),
                Optional.of(ECHO_SERVICE), Peer.of(ECHO), true);
        assertThat(registry.scrape()).contains("istio_tcp_sockets_open{reporter=\"destination\"} 2.0",
                "istio_tcp_sockets_open{reporter=\"source\"} 0.0");
        first.finish(10, 20, "-", Optional.empty());
        first.finish(10, 20, "-", Optional.empty()); // a second finish is ignored
        second.fail(ResponseFlags.TLS_FAILURE, "handshake failed");
        String scrape = registry.scrape();
        assertThat(scrape).contains("istio_tcp_sockets_open{reporter=\"destination\"} 0.0");
        assertThat(scrape.lines().filter(l -> l.startsWith("istio_tcp_connections_failed_total{"))
                .filter(l -> l.contains("response_flags=\"TLS_FAILURE\"")).findFirst()).hasValueSatisfying(l -> assertThat(l).endsWith(" 1.0"));
    }

    @Test
    void unknownPeersAndDeniedPlaintextAreLabelledAsIstioDoes() {
        ConnectionLabels labels = ConnectionLabels.of(ConnectionLabels.Reporter.DESTINATION, Peer.UNKNOWN, Peer.of(ECHO),
                Optional.empty(), false, "DENY");
        assertThat(labels.get("source_workload")).isEqualTo("unknown");
        assertThat(labels.get("source_principal")).isEqualTo("unknown");
        assertThat(labels.get("destination_service")).isEqualTo("unknown");
        assertThat(labels.get("connection_security_policy")).isEqualTo("unknown");
        assertThat(labels.get("response_flags")).isEqualTo("DENY");
    }

    @Test
    void accessLogIsOneKeyValueLine() {
        String line = AccessLog.line(new AccessLog.Entry("inbound", new InetSocketAddress("10.244.1.5", 43210), Peer.of(SLEEP),
                new InetSocketAddress("10.244.2.7", 15008), Optional.of(new InetSocketAddress("10.244.2.7", 8080)),
                Optional.of("echo.demo.svc.cluster.local"), Peer.of(ECHO), 1200, 34, Duration.ofMillis(12),
                Optional.of("policy \"deny-all\" denied")));
        assertThat(line).isEqualTo("src.addr=10.244.1.5:43210 src.workload=sleep-1 src.namespace=demo "
                + "src.identity=spiffe://cluster.local/ns/demo/sa/sleep dst.addr=10.244.2.7:15008 dst.hbone_addr=10.244.2.7:8080 "
                + "dst.service=echo.demo.svc.cluster.local dst.workload=echo-1 dst.namespace=demo "
                + "dst.identity=spiffe://cluster.local/ns/demo/sa/echo direction=inbound bytes_sent=1200 bytes_recv=34 "
                + "duration=12ms error=\"policy \\\"deny-all\\\" denied\"");
        assertThat(line).doesNotContain("\n");
    }
}
