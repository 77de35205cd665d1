package io.ambit.waypoint.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import io.ambit.hbone.HboneClient;
import io.ambit.hbone.HboneConnection;
import io.ambit.hbone.HboneHeaders;
import io.ambit.hbone.HbonePool;
import io.ambit.hbone.HboneServer;
import io.ambit.hbone.HboneSettings;
import io.ambit.hbone.HboneTunnel;
import io.ambit.hbone.TargetPolicy;
import io.ambit.hbone.Transport;
import io.ambit.identity.SpiffeId;
import io.ambit.identity.Svid;
import io.ambit.identity.TrustBundle;
import io.ambit.identity.X509Svids;
import io.ambit.testkit.TestCa;
import io.ambit.waypoint.TestMeshConfig;
import io.ambit.tls.MeshTls;
import io.ambit.tls.PeerPolicy;
import io.ambit.tls.ReloadableSslContext.KeyMaterial;
import io.ambit.waypoint.config.WaypointConfigStore;
import io.ambit.waypoint.config.WaypointSnapshot;
import io.ambit.waypoint.telemetry.RequestTelemetry;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.type.matcher.v3.PathMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.ssl.SslContext;

/**
 * End to end on loopback with real mutual TLS: a test client (libs/hbone, a workload certificate
 * from the test CA) → the waypoint (HBONE server, HTTP/1.1 inside the tunnel) → a libs/hbone
 * server standing in for the destination's ztunnel → HTTP echo backends. Configuration is Envoy
 * protos compiled through the same path xDS resources take.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WaypointDataPathTest {

    static final String HOST = TestMeshConfig.HOST;
    static final String VIP = TestMeshConfig.VIP;
    static final SpiffeId WAYPOINT = SpiffeId.parse("spiffe://cluster.local/ns/ns/sa/waypoint");
    static final SpiffeId DESTINATION = SpiffeId.parse("spiffe://cluster.local/ns/ns/sa/echo");
    static final SpiffeId CLIENT = SpiffeId.parse("spiffe://cluster.local/ns/sleep/sa/sleep");

    TestCa ca;
    TrustBundle bundle;
    Transport transport;
    TestBackends backends;
    HboneServer destination;
    HbonePool pool;
    WaypointProxy waypoint;
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    HboneConnection client;
    volatile WaypointSnapshot snapshot;
    TestMeshConfig.Resources resources;
    InetSocketAddress backendA;
    /** How each tunnel at the destination ended. */
    /** Tunnels the destination accepted (from the waypoint: its upstream connections). */
    final java.util.concurrent.atomic.AtomicInteger upstreamTunnels = new java.util.concurrent.atomic.AtomicInteger();
    /** Every upstream tunnel the destination served, in the order they opened: a test can follow its own. */
    final List<java.util.concurrent.CompletableFuture<io.ambit.hbone.RelayResult>> relays = new java.util.concurrent.CopyOnWriteArrayList<>();
    ProxyContext context;
    /** The HTTP/1.1 backends A, B, S, F, M, for configurations that swap one cluster. */
    List<InetSocketAddress> backendAddresses;

    @BeforeAll
    void start() {
        ca = TestCa.newRoot("cluster.local");
        bundle = TrustBundle.of(ca.trustDomain(), ca.root());
        transport = Transport.create(2);
        backends = new TestBackends(transport.group(), transport.serverChannel());
        InetSocketAddress a = backends.start("A", TestBackends.Behaviour.ECHO);
        backendA = a;
        InetSocketAddress b = backends.start("B", TestBackends.Behaviour.ECHO);
        InetSocketAddress slow = backends.start("S", TestBackends.Behaviour.SLOW);
        InetSocketAddress failing = backends.start("F", TestBackends.Behaviour.FAILING);
        InetSocketAddress mirror = backends.start("M", TestBackends.Behaviour.ECHO);
        InetSocketAddress grpc = backends.h2c("G");
        SslContext destinationTls = MeshTls.server(svid(DESTINATION), bundle, PeerPolicy.anyInTrustDomain("cluster.local"));
        destination = HboneServer.builder(transport, () -> destinationTls)
                .targetPolicy(TargetPolicy.addresses(java.util.Set.of(InetAddress.getLoopbackAddress())))
                .observer(new io.ambit.hbone.TunnelObserver() {
                    @Override
                    public void opened(io.ambit.hbone.ConnectRequest request, io.ambit.hbone.Relay relay) {
                        relays.add(relay.done());
                        upstreamTunnels.incrementAndGet();
                    }
                }).start();
        Svid waypointSvid = svid(WAYPOINT);
        pool = HbonePool.withIstioDefaults(new HboneClient(transport, HboneSettings.clientDefaults()),
                id -> new KeyMaterial(waypointSvid, bundle));
        backendAddresses = List.of(a, b, slow, failing, mirror);
        resources = TestMeshConfig.resources(a, b, slow, failing, mirror, grpc);
        snapshot = resources.snapshot();
        SslContext waypointTls = MeshTls.server(waypointSvid, bundle, PeerPolicy.anyInTrustDomain("cluster.local"));
        context = new ProxyContext(() -> snapshot, pool, WAYPOINT, destination.address().getPort(), new EndpointPicker(),
                new RequestTelemetry(registry, "Kubernetes"), new HttpLimits(4096, 8192, Duration.ofSeconds(1), Duration.ofHours(1)));
        waypoint = WaypointProxy.start(transport, () -> waypointTls, new InetSocketAddress("127.0.0.1", 0), context);
        client = new HboneClient(transport, HboneSettings.clientDefaults())
                .connect(waypoint.address(), MeshTls.client(svid(CLIENT), bundle, PeerPolicy.exactly(WAYPOINT))).join();
    }

    @AfterAll
    void stop() {
        client.close();
        waypoint.close();
        pool.close();
        destination.close();
        backends.close();
        transport.close();
    }

    private Svid svid(SpiffeId id) {
        var issued = ca.issue(id.toString());
        return new Svid(X509Svids.spiffeIdOf(issued.certificate()), issued.privateKey(), issued.chain());
    }

    // ---- clients ----

    /** An HTTP/1.1 client inside one tunnel to {@code VIP:80}; responses arrive whole in a queue. */
    final class TunnelHttp implements AutoCloseable {
        final BlockingQueue<FullHttpResponse> responses = new LinkedBlockingQueue<>();
        final Http2StreamChannel stream;

        TunnelHttp(String authority) {
            HboneTunnel tunnel = client.open(authority, HboneHeaders.none()).join();
            stream = tunnel.stream();
            stream.pipeline().addLast(new TunnelFrames(), new HttpClientCodec(), new HttpObjectAggregator(1 << 20),
                    new SimpleChannelInboundHandler<FullHttpResponse>() {
                        @Override
                        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse msg) {
                            responses.add(msg.retain());
                        }
                    });
            stream.config().setAutoRead(true);
            stream.read();
        }

        FullHttpResponse send(FullHttpRequest request) throws InterruptedException {
            request.headers().set(HttpHeaderNames.HOST, HOST);
            HttpUtilShim.setLength(request);
            stream.writeAndFlush(request);
            FullHttpResponse response = responses.poll(10, TimeUnit.SECONDS);
            assertThat(response).as("a response").isNotNull();
            return response;
        }

        FullHttpResponse get(String uri, String... headers) throws InterruptedException {
            FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
            for (int i = 0; i < headers.length; i += 2) {
                request.headers().add(headers[i], headers[i + 1]);
            }
            return send(request);
        }

        @Override
        public void close() {
            stream.close();
        }
    }

    static final class HttpUtilShim {
        static void setLength(FullHttpRequest r) {
            r.headers().set(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
        }
    }

    private static String body(FullHttpResponse r) {
        try {
            return r.content().toString(StandardCharsets.UTF_8);
        } finally {
            r.release();
        }
    }

    /** Raw bytes into a tunnel, for input the codecs would never produce; the answer as text. */
    private String raw(String bytes) {
        HboneTunnel tunnel = client.open(VIP + ":80", HboneHeaders.none()).join();
        StringBuffer out = new StringBuffer();
        AtomicBoolean closed = new AtomicBoolean();
        Http2StreamChannel stream = tunnel.stream();
        stream.pipeline().addLast(new TunnelFrames(), new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof ByteBuf buf) {
                    out.append(buf.toString(StandardCharsets.ISO_8859_1));
                    buf.release();
                }
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                closed.set(true);
            }
        });
        stream.config().setAutoRead(true);
        stream.read();
        stream.writeAndFlush(Unpooled.copiedBuffer(bytes, StandardCharsets.ISO_8859_1));
        await().atMost(Duration.ofSeconds(10)).until(() -> closed.get() || out.indexOf("\r\n\r\n") >= 0);
        return out.toString();
    }

    private void stillServing() throws InterruptedException {
        try (TunnelHttp http = new TunnelHttp(VIP + ":80")) {
            FullHttpResponse r = http.get("/version");
            assertThat(r.status().code()).isEqualTo(200);
            assertThat(body(r)).startsWith("A GET /version");
        }
    }

    // ---- tests ----

    /** A tunnel carrying raw bytes: what arrived, and whether the waypoint ended or closed it. */
    final class TcpTunnel implements AutoCloseable {
        final StringBuffer received = new StringBuffer();
        final AtomicBoolean ended = new AtomicBoolean();
        final Http2StreamChannel stream;

        TcpTunnel(String target) {
            stream = client.open(target, HboneHeaders.none()).join().stream();
            stream.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    if (msg instanceof io.netty.handler.codec.http2.Http2DataFrame data) {
                        received.append(data.content().toString(StandardCharsets.UTF_8));
                        if (data.isEndStream()) {
                            ended.set(true);
                        }
                    }
                    io.netty.util.ReferenceCountUtil.release(msg);
                }

                @Override
                public void channelInactive(ChannelHandlerContext ctx) {
                    ended.set(true);
                }
            });
            stream.config().setAutoRead(true);
            stream.read();
        }

        void send(String text, boolean end) {
            stream.writeAndFlush(new io.netty.handler.codec.http2.DefaultHttp2DataFrame(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8), end));
        }

        @Override
        public void close() {
            stream.close();
        }
    }

    private double tcpMetric(String name, String flags) {
        var search = registry.find(name).tag("reporter", "waypoint").tag("destination_service", TestMeshConfig.TCP_HOST)
                .tag("request_protocol", "tcp").tag("source_principal", CLIENT.toString());
        if (flags != null) {
            search = search.tag("response_flags", flags);
        }
        return search.counters().stream().mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
    }

    @Test
    void aTcpPortIsRelayedAsBytesAuthorizedOnL4AndCountedInIstioTcpMetrics() throws Exception {
        InetSocketAddress db = backends.tcpEcho("D");
        String target = TestMeshConfig.TCP_VIP + ":5432";
        try {
            snapshot = TestMeshConfig.withTcpService(resources, db, "spiffe://cluster.local/ns/other/sa/blocked").snapshot();
            double openedBefore = tcpMetric("istio_tcp_connections_opened", null);
            try (TcpTunnel tcp = new TcpTunnel(target)) {
                // not HTTP: a request line would get a 400 from an HTTP chain; here the echo's bytes come back as they are
                tcp.send("GET / HTTP/1.1\r\n\r\n", false);
                await().atMost(Duration.ofSeconds(10)).until(() -> tcp.received.toString().equals("D>GET / HTTP/1.1\r\n\r\n"));
                tcp.send("more", true); // half-close: the echo answers, then closes its side, which ends ours
                await().atMost(Duration.ofSeconds(10)).until(() -> tcp.received.toString().endsWith("more"));
            }
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(tcpMetric("istio_tcp_connections_opened", null)).as(() -> registry.getMeters().stream()
                        .filter(m -> m.getId().getName().startsWith("istio_tcp")).map(m -> m.getId().toString()).toList().toString())
                        .isEqualTo(openedBefore + 1);
                assertThat(tcpMetric("istio_tcp_connections_closed", "-")).isGreaterThanOrEqualTo(1);
                assertThat(tcpMetric("istio_tcp_received_bytes", null)).isGreaterThanOrEqualTo(22); // request line + "more"
                assertThat(tcpMetric("istio_tcp_sent_bytes", null)).isGreaterThanOrEqualTo(24); // "D>" + both echoed
            });

            // L4 policy with the source identity from the terminated tunnel: this client is denied, the tunnel closed unanswered
            snapshot = TestMeshConfig.withTcpService(resources, db, CLIENT.toString()).snapshot();
            try (TcpTunnel tcp = new TcpTunnel(target)) {
                tcp.send("hello", false);
                await().atMost(Duration.ofSeconds(10)).untilTrue(tcp.ended);
                assertThat(tcp.received.toString()).isEmpty();
            }
        } finally {
            snapshot = resources.snapshot();
        }
        stillServing();
    }

    /**
     * Envoy's tcp_proxy {@code idle_timeout}: a connection that carries bytes stays, one that goes
     * quiet for the timeout is closed (both sides), counted. Unset, it is Envoy's 1 h.
     */
    @Test
    void aTcpConnectionIdleForTheTcpProxysIdleTimeoutIsClosed() throws Exception {
        InetSocketAddress db = backends.tcpEcho("I");
        String target = TestMeshConfig.TCP_VIP + ":5432";
        assertThat(TestMeshConfig.withTcpService(resources, db, "spiffe://cluster.local/ns/other/sa/blocked").snapshot()
                .chain(new InetSocketAddress(TestMeshConfig.TCP_VIP, 5432)).orElseThrow().tcpIdleTimeout()).isEqualTo(Duration.ofHours(1));
        try {
            snapshot = TestMeshConfig.withTcpService(resources, List.of(db), "spiffe://cluster.local/ns/other/sa/blocked",
                    Duration.ofMillis(300), false).snapshot();
            double before = idleTimeouts();
            try (TcpTunnel tcp = new TcpTunnel(target)) {
                tcp.send("one", false);
                await().atMost(Duration.ofSeconds(10)).until(() -> tcp.received.toString().equals("I>one"));
                assertThat(tcp.ended).as("open while bytes flow").isFalse();
                await().atMost(Duration.ofSeconds(10)).untilTrue(tcp.ended); // then quiet: closed by the waypoint
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> idleTimeouts() == before + 1);
        } finally {
            snapshot = resources.snapshot();
        }
        stillServing();
    }

    private double idleTimeouts() {
        var c = registry.find("ambit_waypoint_tcp_idle_timeouts_total").counter();
        return c == null ? 0 : c.count();
    }

    /**
     * A TCP endpoint whose tunnel cannot be opened counts as a gateway failure (Envoy's local-origin
     * connect failure, when external and local errors are not split) for the same outlier
     * detection as HTTP: after two in a row it is ejected and every later connection goes to the
     * healthy endpoint.
     */
    @Test
    void aTcpEndpointThatCannotBeReachedIsEjectedAfterConsecutiveConnectFailures() throws Exception {
        InetSocketAddress db = backends.tcpEcho("O");
        // an endpoint nothing listens on (a port just freed, on loopback): the destination's HBONE server answers 503
        InetSocketAddress dead;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            dead = new InetSocketAddress("127.0.0.1", free.getLocalPort());
        }
        String target = TestMeshConfig.TCP_VIP + ":5432";
        try {
            snapshot = TestMeshConfig.withTcpService(resources, List.of(dead, db), "spiffe://cluster.local/ns/other/sa/blocked",
                    null, true).snapshot();
            int served = 0;
            int failed = 0;
            for (int i = 0; i < 12; i++) {
                String sent = "x" + i;
                try (TcpTunnel tcp = new TcpTunnel(target)) {
                    tcp.send(sent, true);
                    await().atMost(Duration.ofSeconds(20)).until(() -> tcp.received.toString().equals("O>" + sent) || tcp.ended.get());
                    await().atMost(Duration.ofSeconds(20)).untilTrue(tcp.ended);
                    if (tcp.received.toString().equals("O>" + sent)) {
                        served++;
                    } else {
                        failed++;
                    }
                }
            }
            assertThat(failed).as("connections that met the dead endpoint before its ejection").isEqualTo(2);
            assertThat(served).isEqualTo(10);
        } finally {
            snapshot = resources.snapshot();
        }
        stillServing();
    }

    /**
     * Unbinding while a keep-alive tunnel is open: its next request is still served, with the
     * configuration the tunnel was accepted with, and the connection is closed after it (Envoy
     * drains a removed filter chain's connections); a new tunnel is refused as unserved.
     */
    @Test
    void aTunnelOpenWhenItsServiceIsUnboundIsDrainedOnItsConfiguration() throws Exception {
        try (TunnelHttp http = new TunnelHttp(VIP + ":80")) {
            assertThat(body(http.get("/version"))).startsWith("A GET /version");
            snapshot = WaypointSnapshot.EMPTY; // the service unbound: no chain, route or cluster any more
            FullHttpResponse r = http.get("/version");
            assertThat(r.status().code()).isEqualTo(200);
            assertThat(body(r)).startsWith("A GET /version");
            assertThat(r.headers().get(io.netty.handler.codec.http.HttpHeaderNames.CONNECTION)).isEqualToIgnoringCase("close");
            assertThatThrownBy(() -> client.open(VIP + ":80", HboneHeaders.none()).join()).as("a new tunnel").hasMessageContaining("400");
        } finally {
            snapshot = resources.snapshot();
        }
        stillServing();
    }

    /**
     * A new binding: ztunnel's first tunnel for the service arrives before the waypoint's xDS update
     * that serves it. The CONNECT waits for that update (rather than a 400, the reset the lab saw)
     * and is served once it comes.
     */
    @Test
    void aConnectArrivingBeforeItsChainWaitsForTheConfigurationThatServesIt() throws Exception {
        InetSocketAddress db = backends.tcpEcho("W");
        String target = TestMeshConfig.TCP_VIP + ":5432";
        io.ambit.waypoint.config.ChainWaiters waiters = new io.ambit.waypoint.config.ChainWaiters(() -> snapshot, transport.group(),
                Duration.ofSeconds(30));
        SslContext tls = MeshTls.server(svid(WAYPOINT), bundle, PeerPolicy.anyInTrustDomain("cluster.local"));
        // its own context (and so its own upstream pool, which close() ends), the same configuration
        ProxyContext own = new ProxyContext(() -> snapshot, pool, WAYPOINT, destination.address().getPort(), new EndpointPicker(),
                new RequestTelemetry(registry, "Kubernetes"), new HttpLimits(4096, 8192, Duration.ofSeconds(1), Duration.ofHours(1)));
        WaypointProxy held = WaypointProxy.start(transport, () -> tls, new InetSocketAddress("127.0.0.1", 0), own, null, waiters);
        HboneConnection early = new HboneClient(transport, HboneSettings.clientDefaults())
                .connect(held.address(), MeshTls.client(svid(CLIENT), bundle, PeerPolicy.exactly(WAYPOINT))).join();
        try {
            assertThat(snapshot.chain(new InetSocketAddress(TestMeshConfig.TCP_VIP, 5432))).as("not served yet").isEmpty();
            var opening = early.open(target, HboneHeaders.none());
            await().atMost(Duration.ofSeconds(10)).until(() -> waiters.waiting() == 1); // held, neither refused nor answered
            assertThat(opening).isNotDone();

            snapshot = TestMeshConfig.withTcpService(resources, db, "spiffe://cluster.local/ns/other/sa/blocked").snapshot();
            waiters.snapshotPublished(snapshot);
            Http2StreamChannel stream = opening.get(10, TimeUnit.SECONDS).stream();
            StringBuffer received = new StringBuffer();
            stream.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    if (msg instanceof io.netty.handler.codec.http2.Http2DataFrame data) {
                        received.append(data.content().toString(StandardCharsets.UTF_8));
                    }
                    io.netty.util.ReferenceCountUtil.release(msg);
                }
            });
            stream.config().setAutoRead(true);
            stream.read();
            stream.writeAndFlush(new io.netty.handler.codec.http2.DefaultHttp2DataFrame(Unpooled.copiedBuffer("hello", StandardCharsets.UTF_8), true));
            await().atMost(Duration.ofSeconds(10)).until(() -> received.toString().equals("W>hello"));
            assertThat(waiters.waiting()).isZero();
        } finally {
            snapshot = resources.snapshot();
            early.close();
            held.close();
        }
        stillServing();
    }

    @Test
    void aWorkloadBoundToTheWaypointIsReachedOnAnyPortAndMustProveItsIdentity() throws Exception {
        InetSocketAddress workload = backends.start("W", TestBackends.Behaviour.ECHO);
        String target = "127.0.0.1:" + workload.getPort();
        try {
            // before the binding: the waypoint serves no such target (400 at CONNECT)
            assertThat(client.open(target, HboneHeaders.none())).failsWithin(Duration.ofSeconds(10));
            snapshot = TestMeshConfig.withWorkload(resources, "127.0.0.1", TestMeshConfig.ENDPOINT_IDENTITY).snapshot();
            try (TunnelHttp http = new TunnelHttp(target)) {
                assertThat(body(http.get("/hello"))).startsWith("W GET /hello");
                FullHttpResponse denied = http.get("/admin"); // the waypoint's own L7 policies apply to its workloads
                assertThat(denied.status().code()).isEqualTo(403);
                assertThat(body(denied)).isEqualTo("RBAC: access denied");
            }
            // a workload-addressed tunnel to an address that is a service's endpoint still takes the service's chain
            try (TunnelHttp http = new TunnelHttp("127.0.0.1:" + backendA.getPort())) {
                assertThat(body(http.get("/version", "x-version", "v2"))).startsWith("B GET /version");
            }
            // the pod at that IP must prove the bound workload's identity: another one is an upstream connect failure
            snapshot = TestMeshConfig.withWorkload(resources, "127.0.0.1", TestMeshConfig.IMPOSTOR_IDENTITY).snapshot();
            try (TunnelHttp http = new TunnelHttp(target)) {
                FullHttpResponse r = http.get("/hello");
                assertThat(r.status().code()).isEqualTo(503);
                assertThat(body(r)).startsWith("upstream connect error");
            }
        } finally {
            snapshot = resources.snapshot();
        }
        stillServing();
    }

    @Test
    void routesByPathAndHeaderOverKeepAlive() throws Exception {
        try (TunnelHttp http = new TunnelHttp(VIP + ":80")) {
            assertThat(body(http.get("/version"))).startsWith("A GET /version");
            assertThat(body(http.get("/version", "x-version", "v2"))).startsWith("B GET /version");
            assertThat(body(http.get("/version", "x-version", "v3"))).startsWith("A GET /version");
        }
    }

    @Test
    void headIsAnsweredWithoutABody() throws Exception {
        try (TunnelHttp http = new TunnelHttp(VIP + ":80")) {
            FullHttpRequest head = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.HEAD, "/version");
            FullHttpResponse r = http.send(head);
            assertThat(r.status().code()).isEqualTo(200);
            assertThat(r.content().readableBytes()).isZero();
            r.release();
            assertThat(body(http.get("/version"))).startsWith("A GET /version"); // the tunnel is still in step
        }
    }

    @Test
    void rewritesPathAndHeadersWhenQueryMatches() throws Exception {
        try (TunnelHttp http = new TunnelHttp(VIP + ":80")) {
            FullHttpResponse r = http.get("/api/items?q=1");
            assertThat(r.headers().get("x-resp")).isEqualTo("1");
            assertThat(body(r)).isEqualTo("A GET /v1/items?q=1 x-added=yes body=");
            assertThat(http.get("/api/items?q=2").status().code()).isEqualTo(404);
        }
    }

    @Test
    void streamsAChunkedRequestBody() throws Exception {
        try (TunnelHttp http = new TunnelHttp(VIP + ":80")) {
            FullHttpRequest post = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/version",
                    Unpooled.copiedBuffer("hello", StandardCharsets.UTF_8));
            assertThat(body(http.send(post))).isEqualTo("A POST /version x-added=null body=hello");
        }
        String answer = raw("POST /version HTTP/1.1\r\nHost: " + HOST + "\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
        assertThat(answer).startsWith("HTTP/1.1 200");
    }

    @Test
    void splitsByWeight() throws Exception {
        int a = 0;
        int n = 400;
        try (TunnelHttp http = new TunnelHttp(VIP + ":80")) {
            for (int i = 0; i < n; i++) {
                if (body(http.get("/split")).startsWith("A")) {
                    a++;
                }
            }
        }
        // 90 % of 400 = 360; binomial sd = 6: ±5 sd
        assertThat(a).isBetween(330, 390);
    }

    @Test
    void mirrorsACopyWithAShadowAuthority() throws Exception {
        int before = mirrorHits(); // the pooled-mirror test may have run first
        try (TunnelHttp http = new TunnelHttp(VIP + ":80")) {
            for (int i = 0; i < 5; i++) {
                assertThat(body(http.get("/mirrored"))).startsWith("A GET /mirrored");
            }
        }
        await().untilAsserted(() -> assertThat(mirrorHits()).isEqualTo(before + 5));
        assertThat(backends.lastHost.get("M")).isEqualTo(HOST + "-shadow");
    }

    private int mirrorHits() {
        return backends.hits.computeIfAbsent("M", k -> new java.util.concurrent.atomic.AtomicInteger()).get();
    }

    /**
     * Mirrored copies ride the routed requests' keep-alive pool (Envoy's shadow requests use the
     * mirror cluster's connection pool): N mirrored requests, the mirror sees all N, and the
     * upstream tunnels opened stay two (one to the routed endpoint, one to the mirror).
     */
    @Test
    void mirroredRequestsReuseThePooledUpstreamConnections() throws Exception {
        noIdleUpstreams();
        int before = upstreamTunnels.get();
        int hitsBefore = mirrorHits();
        int n = 20;
        try (TunnelHttp http = new TunnelHttp(VIP + ":80")) {
            for (int i = 0; i < n; i++) {
                assertThat(body(http.get("/mirrored"))).as("request %d", i).startsWith("A GET /mirrored");
                int seen = hitsBefore + i + 1;
                await().until(() -> mirrorHits() == seen);
                await().until(() -> context.upstreams().idleCount() == 2); // the routed and the mirror connection given back
            }
        }
        assertThat(mirrorHits() - hitsBefore).as("the mirror saw every request").isEqualTo(n);
        assertThat(upstreamTunnels.get() - before).as("upstream tunnels for %d mirrored requests", n).isEqualTo(2);
        assertThat(backends.lastHost.get("M")).isEqualTo(HOST + "-shadow");
    }

    /** h2c inside the tunnel, both ways: a gRPC-shaped call keeps its body, {@code te: trailers} and its trailers. */
    @Test
    void http2WithTrailersEndToEnd() throws Exception {
        context.upstreams().h2().closeIdle();
        await().until(() -> context.upstreams().h2().count() == 0);
        int before = upstreamTunnels.get();
        HboneTunnel tunnel = client.open(VIP + ":80", HboneHeaders.none()).join();
        Http2StreamChannel carrier = tunnel.stream();
        carrier.pipeline().addLast(new TunnelFrames(), io.netty.handler.codec.http2.Http2FrameCodecBuilder.forClient().build(),
                new io.netty.handler.codec.http2.Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
        carrier.config().setAutoRead(true);
        carrier.read();
        try {
            for (int i = 0; i < 4; i++) {
                boolean denied = i == 3;
                BlockingQueue<FullHttpResponse> responses = new LinkedBlockingQueue<>();
                Http2StreamChannel call = new io.netty.handler.codec.http2.Http2StreamChannelBootstrap(carrier)
                        .handler(new io.netty.channel.ChannelInitializer<Http2StreamChannel>() {
                            @Override
                            protected void initChannel(Http2StreamChannel ch) {
                                ch.pipeline().addLast(new io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec(false),
                                        new HttpObjectAggregator(1 << 20), new SimpleChannelInboundHandler<FullHttpResponse>() {
                                            @Override
                                            protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse msg) {
                                                responses.add(msg.retain());
                                            }
                                        });
                            }
                        }).open().syncUninterruptibly().getNow();
                FullHttpRequest say = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/echo.Echo/Say",
                        Unpooled.copiedBuffer("call" + i, StandardCharsets.UTF_8));
                say.headers().set(HttpHeaderNames.HOST, HOST).set(HttpHeaderNames.CONTENT_TYPE, "application/grpc").set("te", "trailers");
                if (denied) {
                    say.headers().set("x-deny", "yes");
                }
                call.writeAndFlush(say);
                FullHttpResponse r = responses.poll(10, TimeUnit.SECONDS);
                assertThat(r).isNotNull();
                if (denied) {
                    // Envoy's local reply to a gRPC request: trailers-only, PERMISSION_DENIED
                    assertThat(r.status().code()).isEqualTo(200);
                    assertThat(r.headers().get("grpc-status")).isEqualTo("7");
                    assertThat(r.headers().get("grpc-message")).isEqualTo("RBAC: access denied");
                    r.release();
                    continue;
                }
                assertThat(r.status().code()).isEqualTo(200);
                assertThat(r.trailingHeaders().get("grpc-status")).isEqualTo("0");
                assertThat(body(r)).isEqualTo("G /echo.Echo/Say te=trailers body=call" + i);
            }
        } finally {
            carrier.close();
        }
        await().untilAsserted(() -> assertThat(registry.find("istio_requests_total").tag("request_protocol", "grpc")
                .tag("grpc_response_status", "7").counter()).isNotNull());
        assertThat(registry.find("istio_requests_total").tag("request_protocol", "grpc").tag("grpc_response_status", "0")
                .counter().count()).isEqualTo(3);
        // the three calls that went upstream shared one h2c connection (one tunnel), each its own stream
        assertThat(upstreamTunnels.get() - before).as("upstream tunnels for three h2c calls").isEqualTo(1);
        assertThat(context.upstreams().h2().count()).isEqualTo(1);
    }

    /**
     * h2c whose first request is on stream 1, as curl, h2load, Go and Envoy send it (Netty's and
     * grpc-java's clients start at 3): it was taken for an upgrade stream inside the tunnel and reset.
     */
    @Test
    void http2FirstRequestOnStreamOne() throws Exception {
        HboneTunnel tunnel = client.open(VIP + ":80", HboneHeaders.none()).join();
        Http2StreamChannel carrier = tunnel.stream();
        CompletableFuture<io.netty.handler.codec.http2.Http2Headers> answer = new CompletableFuture<>();
        io.netty.handler.codec.http2.Http2ConnectionHandler h2 = new io.netty.handler.codec.http2.Http2ConnectionHandlerBuilder()
                .server(false).frameListener(new io.netty.handler.codec.http2.Http2FrameAdapter() {
                    @Override
                    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, io.netty.handler.codec.http2.Http2Headers headers,
                            int streamDependency, short weight, boolean exclusive, int padding, boolean endStream) {
                        onHeadersRead(ctx, streamId, headers, padding, endStream);
                    }

                    @Override
                    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, io.netty.handler.codec.http2.Http2Headers headers,
                            int padding, boolean endStream) {
                        if (streamId == 1) {
                            answer.complete(headers);
                        }
                    }
                }).build();
        carrier.pipeline().addLast(new TunnelFrames(), h2);
        carrier.config().setAutoRead(true);
        carrier.read();
        try {
            ChannelHandlerContext ctx = carrier.pipeline().context(h2);
            // routed to the h2c backend G (an HTTP/1.1 backend would take it over HTTP/1.1 anyway)
            var request = new io.netty.handler.codec.http2.DefaultHttp2Headers().method("POST").path("/echo.Echo/Say").scheme("http")
                    .authority(HOST).add("content-type", "application/grpc").add("te", "trailers");
            carrier.eventLoop().execute(() -> {
                h2.encoder().writeHeaders(ctx, 1, request, 0, true, ctx.newPromise());
                ctx.flush();
            });
            assertThat(answer.get(10, TimeUnit.SECONDS).status().toString()).isEqualTo("200");
        } finally {
            carrier.close();
        }
        stillServing();
    }

    @Test
    void http2RapidResetIsCutOff() throws Exception {
        HboneTunnel tunnel = client.open(VIP + ":80", HboneHeaders.none()).join();
        Http2StreamChannel carrier = tunnel.stream();
        carrier.pipeline().addLast(new TunnelFrames(), io.netty.handler.codec.http2.Http2FrameCodecBuilder.forClient().build(),
                new io.netty.handler.codec.http2.Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
        carrier.config().setAutoRead(true);
        carrier.read();
        int sent = 0;
        for (int i = 0; i < 3 * ProtocolSniffer.MAX_RESETS && carrier.isActive(); i++) {
            sent++;
            var opened = new io.netty.handler.codec.http2.Http2StreamChannelBootstrap(carrier).handler(new ChannelInboundHandlerAdapter()).open();
            opened.await(5, TimeUnit.SECONDS);
            if (!opened.isSuccess()) {
                break;
            }
            Http2StreamChannel stream = opened.getNow();
            var headers = new io.netty.handler.codec.http2.DefaultHttp2Headers().method("GET").path("/empty").scheme("http").authority(HOST);
            stream.writeAndFlush(new io.netty.handler.codec.http2.DefaultHttp2HeadersFrame(headers, false));
            stream.close(); // RST_STREAM(CANCEL) right after the request: the rapid-reset pattern
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> !carrier.isActive());
        org.slf4j.LoggerFactory.getLogger(getClass()).info("rapid reset: {} streams sent before the tunnel closed, {} resets counted", sent,
                registry.find("ambit_waypoint_http2_stream_resets_total").counter().count());
        assertThat(sent).as("the limit, not an early failure, closed the tunnel").isGreaterThan(ProtocolSniffer.MAX_RESETS);
        assertThat(registry.find("ambit_waypoint_http2_stream_resets_total").counter().count()).isGreaterThan(0);
        stillServing();
    }

    @Test
    void redirects() throws Exception {
        try (TunnelHttp http = new TunnelHttp(VIP + ":80")) {
            FullHttpResponse r = http.get("/old?x=1");
            assertThat(r.status().code()).isEqualTo(302);
            assertThat(r.headers().get("location")).isEqualTo("http://" + HOST + ":8080/new?x=1");
            r.release();
        }
    }

    @Test
    void rbacDeniesWith403AndCountsIt() throws Exception {
        try (TunnelHttp http = new TunnelHttp(VIP + ":80")) {
            FullHttpResponse denied = http.get("/version", "x-deny", "yes");
            assertThat(denied.status().code()).isEqualTo(403);
            assertThat(body(denied)).isEqualTo("RBAC: access denied");
            FullHttpResponse admin = http.get("/admin/users");
            assertThat(admin.status().code()).isEqualTo(403);
            admin.release();
            assertThat(body(http.get("/version"))).startsWith("A");
        }
        await().untilAsserted(() -> assertThat(registry.find("istio_requests_total").tag("response_code", "403")
                .tag("reporter", "waypoint").tag("source_principal", "spiffe://cluster.local/ns/sleep/sa/sleep")
                .tag("destination_service", HOST).counter()).isNotNull());
    }

    @Test
    void noRouteIs404NR() throws Exception {
        try (TunnelHttp http = new TunnelHttp(VIP + ":80")) {
            FullHttpResponse r = http.get("/nothing-here");
            assertThat(r.status().code()).isEqualTo(404);
            r.release();
            FullHttpRequest other = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/version");
            http.stream.writeAndFlush(withHost(other, "other.example"));
            FullHttpResponse r2 = http.responses.poll(10, TimeUnit.SECONDS);
            assertThat(r2.status().code()).isEqualTo(404);
            r2.release();
        }
        await().untilAsserted(() -> assertThat(registry.find("istio_requests_total").tag("response_flags", "NR").counter()).isNotNull());
    }

    private static FullHttpRequest withHost(FullHttpRequest r, String host) {
        r.headers().set(HttpHeaderNames.HOST, host).set(HttpHeaderNames.CONTENT_LENGTH, 0);
        return r;
    }

    @Test
    void noEndpointIs503UH() throws Exception {
        try (TunnelHttp http = new TunnelHttp(VIP + ":80")) {
            FullHttpResponse r = http.get("/empty");
            assertThat(r.status().code()).isEqualTo(503);
            assertThat(body(r)).isEqualTo("no healthy upstream");
        }
    }

    /**
     * The control plane says the endpoint must be {@code sa/impostor}; the HBONE server there
     * proves {@code sa/echo}: the handshake is refused and the request never reaches the backend
     * (before, any identity of the trust domain was accepted).
     */
    @Test
    void anEndpointProvingAnotherIdentityIsRefused() throws Exception {
        int before = backends.hits.getOrDefault("A", new java.util.concurrent.atomic.AtomicInteger()).get();
        try (TunnelHttp http = new TunnelHttp(VIP + ":80")) {
            FullHttpResponse r = http.get("/impostor");
            assertThat(r.status().code()).isEqualTo(503);
            r.release();
            assertThat(body(http.get("/version"))).startsWith("A"); // the right identity still serves
        }
        assertThat(backends.hits.get("A").get()).isEqualTo(before + 1); // only /version got through
        await().untilAsserted(() -> assertThat(registry.find("istio_requests_total").tag("response_flags", "UF").counter()).isNotNull());
    }

    /**
     * After a complete exchange the upstream tunnel stays for the next request; when the waypoint
     * ends an idle one it does so with END_STREAM, not a reset the destination would log as an error.
     */
    @Test
    void anIdleUpstreamTunnelIsEndedCleanly() throws Exception {
        noIdleUpstreams();
        int mine = relays.size(); // the tunnel this request opens; earlier tests' may still be ending
        try (TunnelHttp http = new TunnelHttp(VIP + ":80")) {
            assertThat(body(http.get("/version"))).startsWith("A");
        }
        await().until(() -> context.upstreams().idleCount() == 1);
        assertThat(relays).as("one new upstream tunnel").hasSize(mine + 1);
        assertThat(relays.get(mine)).as("kept open while idle").isNotDone();
        context.upstreams().closeIdle();
        io.ambit.hbone.RelayResult result = relays.get(mine).get(15, TimeUnit.SECONDS);
        assertThat(result.error()).as("ended without a reset").isEmpty();
    }

    /**
     * Ends every idle upstream connection and waits until none is left. Closed again on each poll: a
     * connection an earlier test's exchange gives back to the pool late (after its response, or after a
     * retried answer's body was drained) is idle only from then on, and would otherwise stay.
     */
    private void noIdleUpstreams() {
        await().until(() -> {
            context.upstreams().closeIdle();
            return context.upstreams().idleCount() == 0;
        });
    }

    /** Keep-alive upstream, as Envoy's connection pool: one tunnel serves request after request. */
    @Test
    void sequentialRequestsReuseOneUpstreamTunnel() throws Exception {
        noIdleUpstreams();
        int before = upstreamTunnels.get();
        long reusedBefore = context.upstreams().reused();
        try (TunnelHttp http = new TunnelHttp(VIP + ":80")) {
            for (int i = 0; i < 10; i++) {
                assertThat(body(http.get("/version"))).as("request %d", i).startsWith("A GET /version");
                await().until(() -> context.upstreams().idleCount() == 1); // given back before the next one
            }
        }
        assertThat(upstreamTunnels.get() - before).as("upstream tunnels for 10 requests").isEqualTo(1);
        assertThat(context.upstreams().reused() - reusedBefore).isEqualTo(9);
    }

    /** Concurrent requests each need a connection (HTTP/1.1), but rounds of them reuse the same ones. */
    @Test
    void concurrentRequestsUseBoundedUpstreamTunnels() throws Exception {
        noIdleUpstreams();
        int before = upstreamTunnels.get();
        List<TunnelHttp> clients = new java.util.ArrayList<>();
        try {
            for (int c = 0; c < 4; c++) {
                clients.add(new TunnelHttp(VIP + ":80"));
            }
            for (int round = 0; round < 5; round++) {
                for (TunnelHttp http : clients) {
                    DefaultFullHttpRequest get = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/version");
                    get.headers().set(HttpHeaderNames.HOST, HOST);
                    http.stream.writeAndFlush(get);
                }
                for (TunnelHttp http : clients) {
                    FullHttpResponse r = http.responses.poll(10, TimeUnit.SECONDS);
                    assertThat(r).as("round %d", round).isNotNull();
                    assertThat(body(r)).startsWith("A GET /version");
                }
                int opened = upstreamTunnels.get() - before;
                await().until(() -> context.upstreams().idleCount() == opened);
            }
        } finally {
            clients.forEach(TunnelHttp::close);
        }
        assertThat(upstreamTunnels.get() - before).as("upstream tunnels for 5 rounds of 4 concurrent requests").isBetween(1, 4);
    }

    /** An upstream that answered "Connection: close" is not asked again; the next request gets a new tunnel. */
    @Test
    void anUpstreamConnectionThatSaidCloseIsNotReused() throws Exception {
        noIdleUpstreams();
        int before = upstreamTunnels.get();
        try (TunnelHttp http = new TunnelHttp(VIP + ":80")) {
            FullHttpResponse closing = http.get("/version?close=1");
            assertThat(closing.status().code()).isEqualTo(200);
            assertThat(closing.headers().get(HttpHeaderNames.CONNECTION)).as("the downstream tunnel stays").isNull();
            closing.release();
            assertThat(context.upstreams().idleCount()).isZero();
            assertThat(body(http.get("/version"))).startsWith("A GET /version");
        }
        assertThat(upstreamTunnels.get() - before).isEqualTo(2);
    }

    /** A connection the destination closed while idle leaves the pool: the next request succeeds on a new tunnel. */
    @Test
    void anUpstreamConnectionClosedWhileIdleIsNotReused() throws Exception {
        noIdleUpstreams();
        int before = upstreamTunnels.get();
        int mine = relays.size(); // the tunnel this request opens; earlier tests' may still be ending
        try (TunnelHttp http = new TunnelHttp(VIP + ":80")) {
            assertThat(body(http.get("/version?drop=1"))).startsWith("A GET /version?drop=1");
            assertThat(relays.get(mine).get(10, TimeUnit.SECONDS)).as("the destination's tunnel ended").isNotNull();
            await().until(() -> context.upstreams().idleCount() == 0);
            FullHttpResponse next = http.get("/version");
            assertThat(next.status().code()).isEqualTo(200);
            assertThat(body(next)).startsWith("A GET /version");
        }
        assertThat(upstreamTunnels.get() - before).isEqualTo(2);
    }

    /**
     * A retry on a retriable status (503) does not cost the connection that answered it: the answer
     * was complete, so the connection goes back to the pool, as Envoy's does.
     */
    @Test
    void aRetriedAnswerLeavesItsConnectionInThePool() throws Exception {
        noIdleUpstreams();
        int before = upstreamTunnels.get();
        int failingBefore = backends.hits.get("F") == null ? 0 : backends.hits.get("F").get();
        try (TunnelHttp http = new TunnelHttp(VIP + ":80")) {
            for (int i = 0; i < 10; i++) {
                FullHttpResponse r = http.get("/flaky");
                assertThat(r.status().code()).as("request %d", i).isEqualTo(200);
                r.release();
                await().until(() -> context.upstreams().idleCount() == upstreamTunnels.get() - before);
            }
        }
        assertThat(backends.hits.get("F").get() - failingBefore).as("503s that were retried").isGreaterThanOrEqualTo(2);
        // one connection to the failing endpoint and one to the healthy one served all ten requests and their retries
        assertThat(upstreamTunnels.get() - before).as("upstream tunnels").isEqualTo(2);
    }

    /**
     * The h2c pool reads the peer's SETTINGS_MAX_CONCURRENT_STREAMS: a backend that allows 2 gets
     * no third stream on a connection; five held calls need three connections.
     */
    @Test
    void theH2cPoolKeepsToThePeersMaxConcurrentStreams() throws Exception {
        TestBackends.HeldH2 held = backends.h2cHeld(2);
        List<InetSocketAddress> http1 = backendAddresses;
        snapshot = TestMeshConfig.resources(http1.get(0), http1.get(1), http1.get(2), http1.get(3), http1.get(4), held.address).snapshot();
        HboneTunnel tunnel = client.open(VIP + ":80", HboneHeaders.none()).join();
        Http2StreamChannel carrier = tunnel.stream();
        carrier.pipeline().addLast(new TunnelFrames(), io.netty.handler.codec.http2.Http2FrameCodecBuilder.forClient().build(),
                new io.netty.handler.codec.http2.Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
        carrier.config().setAutoRead(true);
        carrier.read();
        BlockingQueue<FullHttpResponse> responses = new LinkedBlockingQueue<>();
        try {
            for (int i = 0; i < 5; i++) {
                Http2StreamChannel call = new io.netty.handler.codec.http2.Http2StreamChannelBootstrap(carrier)
                        .handler(new io.netty.channel.ChannelInitializer<Http2StreamChannel>() {
                            @Override
                            protected void initChannel(Http2StreamChannel ch) {
                                ch.pipeline().addLast(new io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec(false),
                                        new HttpObjectAggregator(1 << 20), new SimpleChannelInboundHandler<FullHttpResponse>() {
                                            @Override
                                            protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse msg) {
                                                responses.add(msg.retain());
                                            }
                                        });
                            }
                        }).open().syncUninterruptibly().getNow();
                FullHttpRequest say = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/echo.Echo/Held" + i);
                say.headers().set(HttpHeaderNames.HOST, HOST).set(HttpHeaderNames.CONTENT_TYPE, "application/grpc").set("te", "trailers");
                call.writeAndFlush(say);
                int arrived = i + 1;
                await().atMost(Duration.ofSeconds(10)).until(() -> held.waiting.size() == arrived);
                // the pool learns each connection's limit from its SETTINGS before the next call
                await().atMost(Duration.ofSeconds(10)).until(() -> context.upstreams().h2().streamLimits().stream()
                        .allMatch(limit -> limit == 2));
            }
            assertThat(held.mostPerConnection).as("streams at once on each backend connection")
                    .allSatisfy(most -> assertThat(most.get()).isLessThanOrEqualTo(2));
            assertThat(held.mostPerConnection).as("backend connections for five held calls").hasSize(3);
            held.releaseAll();
            for (int i = 0; i < 5; i++) {
                FullHttpResponse r = responses.poll(10, TimeUnit.SECONDS);
                assertThat(r).as("response %d", i).isNotNull();
                assertThat(r.status().code()).isEqualTo(200);
                assertThat(body(r)).startsWith("H /echo.Echo/Held");
            }
        } finally {
            held.releaseAll();
            carrier.close();
            snapshot = resources.snapshot();
        }
    }

    /**
     * An h2c upstream connection whose pod ended it while idle (a FIN, no GOAWAY, as a killed
     * process leaves it) leaves the pool; the next call gets a new connection and succeeds.
     */
    @Test
    void anH2cConnectionEndedWhileIdleIsNotReused() throws Exception {
        TestBackends.HeldH2 held = backends.h2cHeld(100);
        List<InetSocketAddress> http1 = backendAddresses;
        snapshot = TestMeshConfig.resources(http1.get(0), http1.get(1), http1.get(2), http1.get(3), http1.get(4), held.address).snapshot();
        context.upstreams().h2().closeIdle();
        await().until(() -> context.upstreams().h2().count() == 0);
        HboneTunnel tunnel = client.open(VIP + ":80", HboneHeaders.none()).join();
        Http2StreamChannel carrier = tunnel.stream();
        carrier.pipeline().addLast(new TunnelFrames(), io.netty.handler.codec.http2.Http2FrameCodecBuilder.forClient().build(),
                new io.netty.handler.codec.http2.Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
        carrier.config().setAutoRead(true);
        carrier.read();
        BlockingQueue<FullHttpResponse> responses = new LinkedBlockingQueue<>();
        try {
            for (int i = 0; i < 2; i++) {
                Http2StreamChannel call = new io.netty.handler.codec.http2.Http2StreamChannelBootstrap(carrier)
                        .handler(new io.netty.channel.ChannelInitializer<Http2StreamChannel>() {
                            @Override
                            protected void initChannel(Http2StreamChannel ch) {
                                ch.pipeline().addLast(new io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec(false),
                                        new HttpObjectAggregator(1 << 20), new SimpleChannelInboundHandler<FullHttpResponse>() {
                                            @Override
                                            protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse msg) {
                                                responses.add(msg.retain());
                                            }
                                        });
                            }
                        }).open().syncUninterruptibly().getNow();
                FullHttpRequest say = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/echo.Echo/Call" + i);
                say.headers().set(HttpHeaderNames.HOST, HOST).set(HttpHeaderNames.CONTENT_TYPE, "application/grpc").set("te", "trailers");
                call.writeAndFlush(say);
                await().atMost(Duration.ofSeconds(10)).until(() -> held.waiting.size() == 1);
                held.releaseAll();
                FullHttpResponse r = responses.poll(10, TimeUnit.SECONDS);
                assertThat(r).as("call %d", i).isNotNull();
                assertThat(r.status().code()).isEqualTo(200);
                assertThat(body(r)).isEqualTo("H /echo.Echo/Call" + i);
                if (i == 0) {
                    // the pod ends its side of the idle connection: FIN only
                    await().until(() -> context.upstreams().h2().count() == 1);
                    held.connections.forEach(ch -> ((io.netty.channel.socket.DuplexChannel) ch).shutdownOutput());
                    await().atMost(Duration.ofSeconds(10)).until(() -> context.upstreams().h2().count() == 0);
                }
            }
        } finally {
            held.releaseAll();
            carrier.close();
            snapshot = resources.snapshot();
        }
        assertThat(held.connections).as("a new connection for the second call").hasSize(2);
    }

    @Test
    void slowBackendIs504UT() throws Exception {
        try (TunnelHttp http = new TunnelHttp(VIP + ":80")) {
            FullHttpResponse r = http.get("/slow");
            assertThat(r.status().code()).isEqualTo(504);
            assertThat(body(r)).isEqualTo("upstream request timeout");
            assertThat(body(http.get("/version"))).startsWith("A"); // the same tunnel goes on
        }
        await().untilAsserted(() -> assertThat(registry.find("istio_requests_total").tag("response_flags", "UT").counter()).isNotNull());
    }

    @Test
    void retriesHideAFailingEndpoint() throws Exception {
        try (TunnelHttp http = new TunnelHttp(VIP + ":80")) {
            for (int i = 0; i < 20; i++) {
                FullHttpResponse r = http.get("/flaky");
                assertThat(r.status().code()).as("request %d", i).isEqualTo(200);
                assertThat(body(r)).startsWith("A GET /flaky");
            }
            FullHttpResponse failing = http.get("/broken");
            assertThat(failing.status().code()).isEqualTo(503); // no retry policy: the upstream's answer passes through
            failing.release();
        }
    }

    @Test
    void faultInjectionAbortsAndDelaysAsEnvoysFaultFilter() throws Exception {
        try (TunnelHttp http = new TunnelHttp(VIP + ":80")) {
            FullHttpResponse aborted = http.get("/fault/abort");
            assertThat(aborted.status().code()).isEqualTo(418);
            assertThat(body(aborted)).isEqualTo("fault filter abort");
            FullHttpResponse grpc = http.get("/fault/grpc", "content-type", "application/grpc");
            assertThat(grpc.status().code()).isEqualTo(200); // a gRPC abort is HTTP 200 with the status in grpc-status
            assertThat(grpc.headers().get("grpc-status")).isEqualTo("14");
            assertThat(grpc.headers().get("grpc-message")).isEqualTo("fault filter abort");
            grpc.release();
            assertThat(body(http.get("/fault/delay"))).startsWith("A GET /fault/delay"); // delayed, then forwarded
            assertThat(body(http.get("/fault/never"))).startsWith("A GET /fault/never"); // 0 %: never aborted
            FullHttpResponse denied = http.get("/fault/abort", "x-deny", "yes");
            assertThat(denied.status().code()).as("authorization runs before the fault filter").isEqualTo(403);
            denied.release();
        }
        await().untilAsserted(() -> {
            assertThat(registry.find("istio_requests_total").tag("response_code", "418").tag("response_flags", "FI").counter()).isNotNull();
            assertThat(registry.find("istio_requests_total").tag("response_code", "200").tag("response_flags", "DI").counter()).isNotNull();
        });
    }

    /**
     * Outlier detection (a DestinationRule's consecutive5xxErrors: 2): round robin over a failing
     * endpoint and a healthy one; after the failing one's second 503 in a row it is ejected and
     * every later request goes to the healthy one.
     */
    @Test
    void anEndpointFailingInARowIsEjected() throws Exception {
        try (TunnelHttp http = new TunnelHttp(VIP + ":80")) {
            int failures = 0;
            for (int i = 0; i < 4; i++) {
                FullHttpResponse r = http.get("/eject");
                failures += r.status().code() == 503 ? 1 : 0;
                r.release();
            }
            assertThat(failures).as("the failing endpoint answered twice before it was ejected").isEqualTo(2);
            int failingHits = backends.hits.get("F").get();
            for (int i = 0; i < 10; i++) {
                FullHttpResponse r = http.get("/eject");
                assertThat(r.status().code()).as("request %d after the ejection", i).isEqualTo(200);
                assertThat(body(r)).startsWith("A GET /eject");
            }
            assertThat(backends.hits.get("F").get()).as("no request reached the ejected endpoint").isEqualTo(failingHits);
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredOnceAndTheTunnelCloses() throws Exception {
        String answer = raw("GET /version HTTP/1.1\r\nHost: " + HOST + "\r\n\r\nGET /version HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n");
        assertThat(answer).startsWith("HTTP/1.1 200");
        stillServing();
    }

    @Test
    void slowHeadersAre408() throws Exception {
        assertThat(raw("GET /version HTTP/1.1\r\nHost: " + HOST + "\r\n")).startsWith("HTTP/1.1 408");
        stillServing();
    }

    @Test
    void expectContinueIsAnsweredAndTheBodyForwarded() throws Exception {
        String answer = raw("POST /version HTTP/1.1\r\nHost: " + HOST + "\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\nhi");
        assertThat(answer).startsWith("HTTP/1.1 100 Continue");
    }

    @Test
    void upgradesAreRefused() throws Exception {
        assertThat(raw("GET /version HTTP/1.1\r\nHost: " + HOST + "\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"))
                .startsWith("HTTP/1.1 403");
        stillServing();
    }

    @Test
    void workloadAddressedTrafficUsesTheServiceOfThePod() throws Exception {
        InetSocketAddress pod = snapshot.cluster(TestMeshConfig.ROUTES).orElseThrow().endpoints().getFirst();
        try (TunnelHttp http = new TunnelHttp("127.0.0.1:" + pod.getPort())) {
            assertThat(body(http.get("/version"))).startsWith("A GET /version");
            FullHttpResponse denied = http.get("/admin");
            assertThat(denied.status().code()).isEqualTo(403); // the service's policy applies to its pods' addresses too
            denied.release();
        }
    }

    @Test
    void unknownTargetIsRefusedAtConnect() {
        assertThatThrownBy(() -> client.open("10.9.9.9:80", HboneHeaders.none()).join()).hasMessageContaining("400");
    }

    @Test
    void malformedRequestLineIs400() throws Exception {
        assertThat(raw("GARBAGE\r\n\r\n")).startsWith("HTTP/1.1 400");
        stillServing();
        await().untilAsserted(() -> assertThat(registry.find("istio_requests_total").tag("response_flags", "DPE")
                .tag("response_code", "400").counter()).isNotNull());
    }

    @Test
    void headerBlockTooLargeIs431() throws Exception {
        assertThat(raw("GET /version HTTP/1.1\r\nHost: " + HOST + "\r\nx-big: " + "a".repeat(10_000) + "\r\n\r\n")).startsWith("HTTP/1.1 431");
        stillServing();
    }

    @Test
    void uriTooLongIs414() throws Exception {
        assertThat(raw("GET /" + "a".repeat(5_000) + " HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n")).startsWith("HTTP/1.1 414");
        stillServing();
    }

    @Test
    void contentLengthWithTransferEncodingIsRefused() throws Exception {
        String answer = raw("POST /version HTTP/1.1\r\nHost: " + HOST + "\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\n\r\n");
        assertThat(answer).startsWith("HTTP/1.1 400");
        assertThat(answer).doesNotContain("HTTP/1.1 200");
        stillServing();
    }

    @Test
    void duplicateContentLengthsAreRefused() throws Exception {
        assertThat(raw("POST /version HTTP/1.1\r\nHost: " + HOST + "\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde")).startsWith("HTTP/1.1 400");
        stillServing();
    }
}
