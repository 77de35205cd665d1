package io.ambit.waypoint.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import io.ambit.hbone.HboneClient;
import io.ambit.hbone.HboneConnection;
import io.ambit.hbone.HboneHeaders;
import io.ambit.hbone.HbonePool;
import io.ambit.hbone.HboneServer;
import io.ambit.hbone.HboneSettings;
import io.ambit.hbone.TargetPolicy;
import io.ambit.hbone.Transport;
import io.ambit.identity.SpiffeId;
import io.ambit.identity.Svid;
import io.ambit.identity.TrustBundle;
import io.ambit.identity.X509Svids;
import io.ambit.testkit.TestCa;
import io.ambit.tls.MeshTls;
import io.ambit.tls.PeerPolicy;
import io.ambit.tls.ReloadableSslContext.KeyMaterial;
import io.ambit.waypoint.TestMeshConfig;
import io.ambit.waypoint.config.WaypointSnapshot;
import io.ambit.waypoint.telemetry.RequestTelemetry;
import io.ambit.waypoint.tracing.OtlpReceiver;
import io.ambit.waypoint.tracing.OtlpReceiver.ReceivedSpan;
import io.ambit.waypoint.tracing.RequestTracer;
import io.ambit.waypoint.tracing.TracingProperties;
import io.ambit.waypoint.tracing.WaypointTags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.ssl.SslContext;

/**
 * Tracing end to end on loopback: a client → the waypoint (real mutual TLS, HBONE) → a destination
 * HBONE server → HTTP/1.1 and h2c backends, with a real OTLP/HTTP receiver. One waypoint samples
 * every new trace (100 %), another none (0 %); both continue the caller's {@code traceparent}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WaypointTracingTest {

    static final SpiffeId WAYPOINT = SpiffeId.parse("spiffe://cluster.local/ns/ns/sa/waypoint");
    static final SpiffeId DESTINATION = SpiffeId.parse("spiffe://cluster.local/ns/ns/sa/echo");
    static final SpiffeId CLIENT = SpiffeId.parse("spiffe://cluster.local/ns/sleep/sa/sleep");
    static final String NODE_ID = "waypoint~10.1.0.5~waypoint-0.ns~ns.svc.cluster.local";
    static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String CALLER_SPAN = "00f067aa0ba902b7";

    TestCa ca;
    TrustBundle bundle;
    Transport transport;
    TestBackends backends;
    HboneServer destination;
    HbonePool pool;
    OtlpReceiver collector;
    RequestTracer sampled;
    RequestTracer unsampled;
    WaypointProxy tracing;
    WaypointProxy notSampling;
    HboneConnection toTracing;
    HboneConnection toNotSampling;
    WaypointSnapshot snapshot;

    @BeforeAll
    void start() throws Exception {
        ca = TestCa.newRoot("cluster.local");
        bundle = TrustBundle.of(ca.trustDomain(), ca.root());
        transport = Transport.create(2);
        backends = new TestBackends(transport.group(), transport.serverChannel());
        InetSocketAddress a = backends.start("A", TestBackends.Behaviour.ECHO);
        InetSocketAddress failing = backends.start("F", TestBackends.Behaviour.FAILING);
        InetSocketAddress grpc = backends.h2c("G");
        snapshot = TestMeshConfig.resources(a, a, a, failing, a, grpc).snapshot();
        SslContext destinationTls = MeshTls.server(svid(DESTINATION), bundle, PeerPolicy.anyInTrustDomain("cluster.local"));
        destination = HboneServer.builder(transport, () -> destinationTls)
                .targetPolicy(TargetPolicy.addresses(java.util.Set.of(InetAddress.getLoopbackAddress()))).start();
        Svid waypointSvid = svid(WAYPOINT);
        pool = HbonePool.withIstioDefaults(new HboneClient(transport, HboneSettings.clientDefaults()),
                id -> new KeyMaterial(waypointSvid, bundle));
        collector = new OtlpReceiver();
        WaypointTags tags = new WaypointTags(NODE_ID, "waypoint", null, "ns", null, "Kubernetes");
        sampled = RequestTracer.create(new TracingProperties(true, 100.0, collector.endpoint(), Duration.ofSeconds(10), null), tags);
        unsampled = RequestTracer.create(new TracingProperties(true, 0.0, collector.endpoint(), Duration.ofSeconds(10), null), tags);
        SslContext waypointTls = MeshTls.server(waypointSvid, bundle, PeerPolicy.anyInTrustDomain("cluster.local"));
        tracing = WaypointProxy.start(transport, () -> waypointTls, new InetSocketAddress("127.0.0.1", 0), context(sampled));
        notSampling = WaypointProxy.start(transport, () -> waypointTls, new InetSocketAddress("127.0.0.1", 0), context(unsampled));
        SslContext clientTls = MeshTls.client(svid(CLIENT), bundle, PeerPolicy.exactly(WAYPOINT));
        toTracing = new HboneClient(transport, HboneSettings.clientDefaults()).connect(tracing.address(), clientTls).join();
        toNotSampling = new HboneClient(transport, HboneSettings.clientDefaults()).connect(notSampling.address(), clientTls).join();
    }

    private ProxyContext context(RequestTracer tracer) {
        return new ProxyContext(() -> snapshot, pool, WAYPOINT, destination.address().getPort(), new EndpointPicker(),
                new RequestTelemetry(new SimpleMeterRegistry(), "Kubernetes"),
                new HttpLimits(4096, 8192, Duration.ofSeconds(1), Duration.ofHours(1)), tracer);
    }

    @AfterAll
    void stop() {
        toTracing.close();
        toNotSampling.close();
        tracing.close();
        notSampling.close();
        sampled.close();
        unsampled.close();
        collector.close();
        pool.close();
        destination.close();
        backends.close();
        transport.close();
    }

    private Svid svid(SpiffeId id) {
        var issued = ca.issue(id.toString());
        return new Svid(X509Svids.spiffeIdOf(issued.certificate()), issued.privateKey(), issued.chain());
    }

    /** One HTTP/1.1 request in its own tunnel to {@code VIP:80}; the whole response. */
    private static FullHttpResponse get(HboneConnection via, String uri, String... headers) throws InterruptedException {
        BlockingQueue<FullHttpResponse> responses = new LinkedBlockingQueue<>();
        Http2StreamChannel stream = via.open(TestMeshConfig.VIP + ":80", HboneHeaders.none()).join().stream();
        stream.pipeline().addLast(new TunnelFrames(), new HttpClientCodec(), new HttpObjectAggregator(1 << 20),
                new SimpleChannelInboundHandler<FullHttpResponse>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse msg) {
                        responses.add(msg.retain());
                    }
                });
        stream.config().setAutoRead(true);
        stream.read();
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
        request.headers().set(HttpHeaderNames.HOST, TestMeshConfig.HOST).set(HttpHeaderNames.CONTENT_LENGTH, 0);
        for (int i = 0; i < headers.length; i += 2) {
            request.headers().add(headers[i], headers[i + 1]);
        }
        stream.writeAndFlush(request);
        FullHttpResponse response = responses.poll(10, TimeUnit.SECONDS);
        stream.close();
        assertThat(response).as("a response to " + uri).isNotNull();
        return response;
    }

    /** {@code 00-<trace>-<parent>-<flags>} split in four, after checking its shape. */
    private static String[] traceparent(HttpHeaders upstream) {
        String value = upstream.get("traceparent");
        assertThat(value).as("traceparent sent upstream").matches("00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]");
        return value.split("-");
    }

    private ReceivedSpan spanOf(String traceId) {
        // the span ends just after the response's last byte is written: flush until it has been exported
        await().atMost(Duration.ofSeconds(15)).until(() -> {
            sampled.flush();
            return collector.spans().stream().anyMatch(s -> s.traceId().equals(traceId));
        });
        List<ReceivedSpan> spans = collector.spans().stream().filter(s -> s.traceId().equals(traceId)).toList();
        assertThat(spans).as("spans of trace " + traceId).hasSize(1);
        return spans.getFirst();
    }

    @Test
    void anIncomingTraceparentIsContinuedWithTheWaypointsSpanAsTheUpstreamsParent() throws Exception {
        FullHttpResponse response = get(toTracing, "/version?q=1", "traceparent", "00-" + TRACE_ID + "-" + CALLER_SPAN + "-01",
                "tracestate", "congo=t61rcWkgMzE", "x-request-id", "req-1", "user-agent", "curl/8");
        assertThat(response.status().code()).isEqualTo(200);
        response.release();

        HttpHeaders upstream = backends.lastHeaders.get("A");
        String[] sent = traceparent(upstream);
        assertThat(sent[1]).as("same trace").isEqualTo(TRACE_ID);
        assertThat(sent[2]).as("the waypoint's own span, not the caller's").isNotEqualTo(CALLER_SPAN);
        assertThat(sent[3]).as("sampled").isEqualTo("01");
        assertThat(upstream.get("tracestate")).isEqualTo("congo=t61rcWkgMzE");

        ReceivedSpan span = spanOf(TRACE_ID);
        assertThat(span.spanId()).isEqualTo(sent[2]);
        assertThat(span.parentSpanId()).isEqualTo(CALLER_SPAN);
        assertThat(span.traceState()).isEqualTo("congo=t61rcWkgMzE");
        assertThat(span.kind()).as("SPAN_KIND_SERVER").isEqualTo(2);
        assertThat(span.name()).isEqualTo(TestMeshConfig.HOST + ":80/*");
        assertThat(span.endNanos()).isGreaterThanOrEqualTo(span.startNanos());
        assertThat(span.resource()).containsEntry("service.name", "waypoint.ns");
        assertThat(span.attributes())
                .containsEntry("http.method", "GET")
                .containsEntry("http.url", "http://" + TestMeshConfig.HOST + "/version?q=1")
                .containsEntry("http.protocol", "HTTP/1.1")
                .containsEntry("http.status_code", "200")
                .containsEntry("upstream_cluster", "a")
                .containsEntry("upstream_cluster.name", "a")
                .containsEntry("response_flags", "-")
                .containsEntry("guid:x-request-id", "req-1")
                .containsEntry("user_agent", "curl/8")
                .containsEntry("component", "proxy")
                .containsEntry("node_id", NODE_ID)
                .containsEntry("istio.canonical_service", "waypoint")
                .containsEntry("istio.canonical_revision", "latest")
                .containsEntry("istio.namespace", "ns")
                .containsEntry("istio.mesh_id", "unknown")
                .containsEntry("istio.cluster_id", "Kubernetes")
                .containsKeys("upstream_address", "peer.address", "request_size", "response_size")
                .doesNotContainKey("error");
    }

    @Test
    void aRequestWithoutTraceparentStartsATrace() throws Exception {
        String longPath = "/version?q=" + "x".repeat(400);
        FullHttpResponse response = get(toTracing, longPath);
        assertThat(response.status().code()).isEqualTo(200);
        response.release();
        String[] sent = traceparent(backends.lastHeaders.get("A"));
        assertThat(sent[3]).isEqualTo("01");
        ReceivedSpan span = spanOf(sent[1]);
        assertThat(span.spanId()).isEqualTo(sent[2]);
        assertThat(span.parentSpanId()).as("a root span").isEmpty();
        // Envoy's max_path_tag_length (256) cuts the path in http.url
        assertThat(span.attributes().get("http.url")).isEqualTo("http://" + TestMeshConfig.HOST + longPath.substring(0, 256));
    }

    /** Hostile or broken trace context (not hex, all zeros, an unknown version, oversized) is ignored: a new trace, never an error. */
    @Test
    void aMalformedTraceparentIsReplacedByANewTrace() throws Exception {
        for (String bad : List.of("00-" + "zz".repeat(16) + "-" + CALLER_SPAN + "-01",
                "00-" + "0".repeat(32) + "-" + CALLER_SPAN + "-01",
                "00-" + TRACE_ID + "-" + "0".repeat(16) + "-01",
                "ff-" + TRACE_ID + "-" + CALLER_SPAN + "-01",
                "00-" + TRACE_ID + "-" + CALLER_SPAN,
                "00-" + TRACE_ID + "a".repeat(2000) + "-" + CALLER_SPAN + "-01")) {
            FullHttpResponse response = get(toTracing, "/version", "traceparent", bad, "tracestate", "=,=;" + "x".repeat(600));
            assertThat(response.status().code()).as(bad).isEqualTo(200);
            response.release();
            String[] sent = traceparent(backends.lastHeaders.get("A"));
            assertThat(sent[1]).as(bad).isNotEqualTo(TRACE_ID).isNotEqualTo("0".repeat(32));
            assertThat(spanOf(sent[1]).parentSpanId()).as(bad).isEmpty();
        }
    }

    @Test
    void anUpstreamErrorAndALocalReplyAreSpansToo() throws Exception {
        String trace = "11111111111111111111111111111111";
        FullHttpResponse failed = get(toTracing, "/broken", "traceparent", "00-" + trace + "-" + CALLER_SPAN + "-01");
        assertThat(failed.status().code()).isEqualTo(503);
        failed.release();
        ReceivedSpan span = spanOf(trace);
        assertThat(span.attributes()).containsEntry("http.status_code", "503").containsEntry("error", "true");
        assertThat(span.statusCode()).as("STATUS_CODE_ERROR").isEqualTo(2);

        String denied = "22222222222222222222222222222222";
        FullHttpResponse forbidden = get(toTracing, "/version", "x-deny", "yes", "traceparent", "00-" + denied + "-" + CALLER_SPAN + "-01");
        assertThat(forbidden.status().code()).isEqualTo(403);
        forbidden.release();
        assertThat(spanOf(denied).attributes()).containsEntry("http.status_code", "403").doesNotContainKey("upstream_address");
    }

    /** Sampling 0 %: no span is exported, but the trace context still goes upstream, with the waypoint's span id. */
    @Test
    void samplingZeroExportsNothingButStillPropagates() throws Exception {
        FullHttpResponse response = get(toNotSampling, "/version");
        assertThat(response.status().code()).isEqualTo(200);
        response.release();
        String[] sent = traceparent(backends.lastHeaders.get("A"));
        assertThat(sent[3]).as("not sampled").isEqualTo("00");

        // a caller's unsampled context is continued as unsampled
        String trace = "33333333333333333333333333333333";
        FullHttpResponse continued = get(toNotSampling, "/version", "traceparent", "00-" + trace + "-" + CALLER_SPAN + "-00");
        continued.release();
        String[] next = traceparent(backends.lastHeaders.get("A"));
        assertThat(next[1]).isEqualTo(trace);
        assertThat(next[2]).isNotEqualTo(CALLER_SPAN);
        assertThat(next[3]).isEqualTo("00");

        // the control: the same request through the sampling waypoint is exported (and with it, anything the
        // other tracer had ended by then has had its chance to be flushed too)
        FullHttpResponse control = get(toTracing, "/version");
        control.release();
        spanOf(traceparent(backends.lastHeaders.get("A"))[1]);
        unsampled.flush();
        assertThat(collector.spans()).extracting(ReceivedSpan::traceId).doesNotContain(sent[1], trace);
        assertThat(collector.refused()).isEmpty();
    }

    /** gRPC over h2c, in and out: the same headers, the same span, with {@code grpc.status_code}. */
    @Test
    void grpcCarriesTheSameHeadersAndGetsASpan() throws Exception {
        String trace = "44444444444444444444444444444444";
        Http2StreamChannel carrier = toTracing.open(TestMeshConfig.VIP + ":80", HboneHeaders.none()).join().stream();
        carrier.pipeline().addLast(new TunnelFrames(), io.netty.handler.codec.http2.Http2FrameCodecBuilder.forClient().build(),
                new io.netty.handler.codec.http2.Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
        carrier.config().setAutoRead(true);
        carrier.read();
        BlockingQueue<FullHttpResponse> responses = new LinkedBlockingQueue<>();
        try {
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
                    Unpooled.copiedBuffer("hi", StandardCharsets.UTF_8));
            say.headers().set(HttpHeaderNames.HOST, TestMeshConfig.HOST).set(HttpHeaderNames.CONTENT_TYPE, "application/grpc")
                    .set("te", "trailers").set("traceparent", "00-" + trace + "-" + CALLER_SPAN + "-01");
            call.writeAndFlush(say);
            FullHttpResponse r = responses.poll(10, TimeUnit.SECONDS);
            assertThat(r).isNotNull();
            assertThat(r.trailingHeaders().get("grpc-status")).isEqualTo("0");
            r.release();
        } finally {
            carrier.close();
        }
        String[] sent = traceparent(backends.lastHeaders.get("G"));
        assertThat(sent[1]).isEqualTo(trace);
        ReceivedSpan span = spanOf(trace);
        assertThat(span.spanId()).isEqualTo(sent[2]);
        assertThat(span.parentSpanId()).isEqualTo(CALLER_SPAN);
        assertThat(span.attributes()).containsEntry("http.protocol", "HTTP/2").containsEntry("grpc.status_code", "0")
                .containsEntry("upstream_cluster", "grpc").containsEntry("http.method", "POST");
    }
}
