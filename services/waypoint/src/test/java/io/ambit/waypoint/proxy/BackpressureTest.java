package io.ambit.waypoint.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

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
import io.ambit.tls.MeshTls;
import io.ambit.tls.PeerPolicy;
import io.ambit.tls.ReloadableSslContext.KeyMaterial;
import io.ambit.waypoint.TestMeshConfig;
import io.ambit.waypoint.telemetry.RequestTelemetry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;

/**
 * A client that stops reading must stop the backend: the waypoint reads the next response chunk
 * only once the previous one was written to the client, so a 256 MiB response stalls at the
 * backend after a few windows' worth, and then streams whole once the client reads again.
 */
class BackpressureTest {

    static final long TOTAL = 256L * 1024 * 1024;

    @Test
    void aStalledClientStallsTheBackend() throws Exception {
        TestCa ca = TestCa.newRoot("cluster.local");
        TrustBundle bundle = TrustBundle.of(ca.trustDomain(), ca.root());
        SpiffeId waypointId = SpiffeId.parse("spiffe://cluster.local/ns/ns/sa/waypoint");
        Svid waypointSvid = svid(ca, waypointId);
        try (Transport transport = Transport.create(2);
                TestBackends backends = new TestBackends(transport.group(), transport.serverChannel())) {
            AtomicLong written = new AtomicLong();
            InetSocketAddress big = backends.big(TOTAL, written);
            SslContext destinationTls = MeshTls.server(svid(ca, SpiffeId.parse("spiffe://cluster.local/ns/ns/sa/echo")), bundle,
                    PeerPolicy.anyInTrustDomain("cluster.local"));
            HboneServer destination = HboneServer.builder(transport, () -> destinationTls)
                    .targetPolicy(TargetPolicy.addresses(java.util.Set.of(InetAddress.getLoopbackAddress()))).start();
            HbonePool pool = HbonePool.withIstioDefaults(new HboneClient(transport, HboneSettings.clientDefaults()),
                    id -> new KeyMaterial(waypointSvid, bundle));
            var snapshot = TestMeshConfig.resources(big, big, big, big).snapshot();
            SslContext waypointTls = MeshTls.server(waypointSvid, bundle, PeerPolicy.anyInTrustDomain("cluster.local"));
            WaypointProxy waypoint = WaypointProxy.start(transport, () -> waypointTls, new InetSocketAddress("127.0.0.1", 0),
                    new ProxyContext(() -> snapshot, pool, waypointId, destination.address().getPort(), new EndpointPicker(),
                            new RequestTelemetry(new SimpleMeterRegistry(), "Kubernetes"), HttpLimits.defaults()));
            HboneConnection client = new HboneClient(transport, HboneSettings.clientDefaults()).connect(waypoint.address(),
                    MeshTls.client(svid(ca, SpiffeId.parse("spiffe://cluster.local/ns/sleep/sa/sleep")), bundle,
                            PeerPolicy.exactly(waypointId))).join();
            try {
                HboneTunnel tunnel = client.open(TestMeshConfig.VIP + ":80", HboneHeaders.none()).join();
                Http2StreamChannel stream = tunnel.stream();
                AtomicLong received = new AtomicLong();
                AtomicReference<HttpResponse> head = new AtomicReference<>();
                stream.pipeline().addLast(new TunnelFrames(), new HttpClientCodec(), new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        if (msg instanceof HttpResponse r) {
                            head.set(r);
                        }
                        if (msg instanceof HttpContent c) {
                            received.addAndGet(c.content().readableBytes());
                        }
                        ReferenceCountUtil.release(msg);
                    }
                });
                var get = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/version");
                get.headers().set(HttpHeaderNames.HOST, TestMeshConfig.HOST).set(HttpHeaderNames.CONTENT_LENGTH, 0);
                stream.writeAndFlush(get);
                stream.read(); // one read: the response head and what came with it, then nothing more

                // the backend stops once every window and buffer on the way is full
                AtomicLong last = new AtomicLong(-1);
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                        .until(() -> written.get() > 0 && written.get() == last.getAndSet(written.get()));
                long stalledAt = written.get();
                org.slf4j.LoggerFactory.getLogger(BackpressureTest.class).info("backend stalled after {} bytes of {} (client had {})",
                        stalledAt, TOTAL, received.get());
                assertThat(stalledAt).as("bytes the backend could write while the client read nothing").isLessThan(64L * 1024 * 1024);

                stream.config().setAutoRead(true);
                stream.read();
                await().atMost(Duration.ofSeconds(60)).until(() -> received.get() == TOTAL);
                assertThat(head.get().status().code()).isEqualTo(200);
                assertThat(written.get()).isEqualTo(TOTAL);
            } finally {
                client.close();
                waypoint.close();
                pool.close();
                destination.close();
            }
        }
    }

    private static Svid svid(TestCa ca, SpiffeId id) {
        var issued = ca.issue(id.toString());
        return new Svid(X509Svids.spiffeIdOf(issued.certificate()), issued.privateKey(), issued.chain());
    }
}
