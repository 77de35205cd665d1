package io.ambit.ztunnel.proxy;

import static io.ambit.ztunnel.state.Fixtures.addresses;
import static io.ambit.ztunnel.state.Fixtures.authorizations;
import static io.ambit.ztunnel.state.Fixtures.ip;
import static io.ambit.ztunnel.state.Fixtures.pod;
import static io.ambit.ztunnel.state.Fixtures.ports;
import static io.ambit.ztunnel.state.Fixtures.resource;
import static io.ambit.ztunnel.state.Fixtures.service;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.ambit.hbone.Transport;
import io.ambit.identity.SpiffeId;
import io.ambit.identity.Svid;
import io.ambit.identity.TrustBundle;
import io.ambit.proto.security.Authorization;
import io.ambit.proto.workload.Workload;
import io.ambit.testkit.IssuedCertificate;
import io.ambit.testkit.TestCa;
import io.ambit.xdsclient.XdsUpdate;
import io.ambit.ztunnel.identity.WorkloadCertificates;
import io.ambit.ztunnel.state.StateStore;
import io.ambit.ztunnel.state.XdsStateHandler;
import io.ambit.ztunnel.telemetry.ConnectionTelemetry;
import io.ambit.ztunnel.telemetry.TcpMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * Two ztunnels in one process, as the in-process tests need them: node-a serves the {@code sleep}
 * pod (127.0.0.11), node-b the {@code echo} pod (127.0.0.12), whose application is a real echo
 * server on an ephemeral port; service {@code echo.demo} has VIP 10.96.0.10:80. Both ztunnels hear
 * the same state, get their pods' certificates from one test CA and use host sockets: the
 * application reaches node-a's ztunnel through SOCKS5, as on a machine without capture.
 */
final class TwoNodes implements AutoCloseable {

    static final TestCa CA = TestCa.newRoot("cluster.local");
    static final TrustBundle BUNDLE = TrustBundle.of("cluster.local", CA.root());
    static final String SLEEP_IP = "127.0.0.11";
    static final String ECHO_IP = "127.0.0.12";
    static final InetSocketAddress ECHO_VIP = new InetSocketAddress(ip("10.96.0.10"), 80);

    final Transport transport = Transport.create(2);
    final EchoServer echo;
    final Node a;
    final Node b;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    /** One ztunnel: its state, certificates, metrics and the proxy of its one pod. */
    static final class Node implements AutoCloseable {
        final StateStore state = new StateStore();
        final XdsStateHandler xds = new XdsStateHandler(state);
        final SimpleMeterRegistry meters = new SimpleMeterRegistry();
        final WorkloadCertificates certificates;
        ProxyContext context;
        PodProxy proxy;

        Node(Duration certificateLifetime) {
            certificates = new WorkloadCertificates(id -> () -> issue(id, certificateLifetime), Clock.systemUTC());
        }

        void start(Transport transport, ProxyProperties settings, io.ambit.ztunnel.state.Workload pod, String bind) {
            certificates.serve(Set.of(pod.identity()));
            context = ProxyContext.create(transport, state, new PodCertificates(certificates, () -> BUNDLE),
                    new ConnectionTelemetry(new TcpMetrics(meters), Clock.systemUTC()), settings);
            proxy = PodProxy.start(context, pod, PodSockets.host(transport, ip(bind)), ip(bind), ip(bind));
        }

        void awaitCertificate() {
            certificates.await(proxy.pod().identity()).orTimeout(10, TimeUnit.SECONDS).join();
        }

        void apply(XdsUpdate update) {
            var rejected = xds.apply(update);
            if (!rejected.isEmpty()) {
                throw new IllegalArgumentException("test state refused: " + rejected);
            }
        }

        double counter(String name, String... tags) {
            var search = meters.find(name).tags(tags);
            return search.counters().stream().mapToDouble(c -> c.count()).sum();
        }

        @Override
        public void close() {
            if (proxy != null) {
                proxy.close();
            }
            certificates.close();
        }
    }

    TwoNodes() throws IOException {
        this(Duration.ofHours(1));
    }

    TwoNodes(Duration certificateLifetime) throws IOException {
        this(certificateLifetime, ProxyProperties.defaults().drainDeadline());
    }

    TwoNodes(Duration certificateLifetime, Duration drainDeadline) throws IOException {
        echo = new EchoServer(ip(ECHO_IP));
        a = new Node(certificateLifetime);
        b = new Node(certificateLifetime);
        closeables.add(echo);
        XdsUpdate mesh = addresses(resource(sleepPod()), resource(echoPod()),
                resource(service("demo", "echo", "10.96.0.10", 80, echo.port()).build()));
        a.apply(mesh);
        b.apply(mesh);
        ProxyProperties base = ProxyProperties.defaults().withDrainDeadline(drainDeadline);
        // node-b first: its HBONE port (ephemeral) is the one node-a must dial.
        b.start(transport, base.withPorts(0, 0, 0, 0, false), b.state.snapshot().workloadAt(ip(ECHO_IP)).orElseThrow(), ECHO_IP);
        int hbonePort = b.proxy.hboneAddress().getPort();
        a.start(transport, base.withPorts(0, 0, hbonePort, 0, true), a.state.snapshot().workloadAt(ip(SLEEP_IP)).orElseThrow(),
                SLEEP_IP);
        // Tests begin with both pods' first certificates issued, as a ztunnel whose pods are ready:
        // before that, node-b's HBONE listener has nothing to complete a handshake with.
        a.awaitCertificate();
        b.awaitCertificate();
    }

    Workload sleepPod() {
        return pod("demo", "sleep", "node-a", SLEEP_IP).setWorkloadName("sleep").build();
    }

    Workload echoPod() {
        return pod("demo", "echo", "node-b", ECHO_IP).setWorkloadName("echo").putServices("demo/echo.demo.svc.cluster.local", ports(80, echo.port()))
                .build();
    }

    /** Both ztunnels hear the same policy change, as from the xDS server. */
    void applyEverywhere(XdsUpdate update) {
        a.apply(update);
        b.apply(update);
    }

    void policy(Authorization policy) {
        applyEverywhere(authorizations(resource(policy)));
    }

    InetSocketAddress socks() {
        return a.proxy.socksAddress().orElseThrow();
    }

    InetSocketAddress echoDirect() {
        return new InetSocketAddress(ip(ECHO_IP), echo.port());
    }

    static Svid issue(SpiffeId id, Duration lifetime) {
        Instant now = Instant.now();
        IssuedCertificate certificate = CA.leaf(id.toString()).validity(now.minusSeconds(1), now.plus(lifetime)).issue();
        return new Svid(id, certificate.privateKey(), certificate.chain());
    }

    @Override
    public void close() throws Exception {
        a.close();
        b.close();
        for (AutoCloseable c : closeables) {
            c.close();
        }
        transport.group().shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
