package io.ambit.waypoint.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.ambit.hbone.HboneClient;
import io.ambit.hbone.HboneConnection;
import io.ambit.hbone.HboneHeaders;
import io.ambit.hbone.HboneSettings;
import io.ambit.hbone.HboneTunnel;
import io.ambit.hbone.Transport;
import io.ambit.identity.Pem;
import io.ambit.identity.SpiffeId;
import io.ambit.identity.Svid;
import io.ambit.identity.TrustBundle;
import io.ambit.identity.X509Svids;
import io.ambit.proto.ca.IstioCertificateRequest;
import io.ambit.proto.ca.IstioCertificateResponse;
import io.ambit.proto.ca.IstioCertificateServiceGrpc;
import io.ambit.testkit.TestCa;
import io.ambit.tls.MeshTls;
import io.ambit.tls.PeerPolicy;
import io.ambit.waypoint.TestMeshConfig;
import io.ambit.waypoint.WaypointProperties;
import io.ambit.waypoint.config.WaypointConfigStore;
import io.ambit.waypoint.config.WaypointXdsTest;
import io.ambit.xdsclient.XdsTypes;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.ClientAuth;

/**
 * The agent against a stand-in CA and xDS server over mutual TLS on loopback: it obtains its
 * certificate with its token, opens its ADS session with it, starts HBONE with it, and is ready
 * only after every type's first answer; then a client reaches the data path through it.
 */
class WaypointAgentTest {

    static final SpiffeId CA = SpiffeId.parse("spiffe://cluster.local/ns/istio-system/sa/ca-service");
    static final SpiffeId XDS = SpiffeId.parse("spiffe://cluster.local/ns/istio-system/sa/xds-server");
    static final SpiffeId WAYPOINT = SpiffeId.parse("spiffe://cluster.local/ns/ns/sa/waypoint");

    /** Signs the CSR's key for the SPIFFE ID in it, if the bearer token is the expected one. */
    static final class FakeCa extends IstioCertificateServiceGrpc.IstioCertificateServiceImplBase {
        final TestCa ca;

        FakeCa(TestCa ca) {
            this.ca = ca;
        }

        @Override
        public void createCertificate(IstioCertificateRequest request, StreamObserver<IstioCertificateResponse> response) {
            try {
                var csr = Pem.readCsr(request.getCsr());
                var key = new JcaPEMKeyConverter().getPublicKey(csr.getSubjectPublicKeyInfo());
                var issued = ca.leaf(WAYPOINT.toString()).keyPair(new KeyPair(key, null)).issue();
                IstioCertificateResponse.Builder out = IstioCertificateResponse.newBuilder();
                issued.chain().forEach(c -> out.addCertChain(Pem.encodeCertificates(List.of(c))));
                response.onNext(out.build());
                response.onCompleted();
            } catch (Exception e) {
                response.onError(io.grpc.Status.INTERNAL.withDescription(e.toString()).asRuntimeException());
            }
        }
    }

    static Svid svid(TestCa ca, SpiffeId id) {
        var issued = ca.issue(id.toString());
        return new Svid(X509Svids.spiffeIdOf(issued.certificate()), issued.privateKey(), issued.chain());
    }

    @Test
    void certificateThenConfigurationThenReadyAndServing(@TempDir Path dir) throws Exception {
        TestCa ca = TestCa.newRoot("cluster.local");
        TrustBundle bundle = TrustBundle.of(ca.trustDomain(), ca.root());
        Path roots = dir.resolve("roots.pem");
        Files.writeString(roots, Pem.encodeCertificates(List.of(ca.root())));
        Path token = dir.resolve("token");
        Files.writeString(token, "waypoint-token\n");
        Server caServer = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .sslContext(MeshTls.server(svid(ca, CA), bundle, PeerPolicy.anyInTrustDomain("cluster.local"), ClientAuth.OPTIONAL,
                        java.time.Clock.systemUTC()))
                .addService(new FakeCa(ca)).build().start();
        WaypointXdsTest.TinyAds ads = new WaypointXdsTest.TinyAds();
        Server xdsServer = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .sslContext(MeshTls.server(svid(ca, XDS), bundle, PeerPolicy.exactly(WAYPOINT)))
                .addService(ads).build().start();
        WaypointProperties properties = new WaypointProperties(true, "ns", "waypoint", "waypoint-0", "10.1.0.5", "cluster.local",
                "cluster.local", "istio-system", "127.0.0.1:" + caServer.getPort(), "127.0.0.1:" + xdsServer.getPort(), roots, null,
                token, Duration.ofHours(1), "127.0.0.1:0", 15008, null, false);
        WaypointConfigStore store = new WaypointConfigStore();
        WaypointAgent agent = new WaypointAgent(properties, store, new SimpleMeterRegistry());
        try (Transport transport = Transport.create(1)) {
            agent.start();
            await().atMost(Duration.ofSeconds(20)).until(() -> agent.hboneAddress().isPresent() && ads.client != null && ads.node != null);
            assertThat(ads.node.getId()).isEqualTo("waypoint~10.1.0.5~waypoint-0.ns~ns.svc.cluster.local");
            assertThat(agent.ready()).as("a certificate but no configuration yet").isFalse();

            TestMeshConfig.Resources r = TestMeshConfig.resources(new InetSocketAddress("127.0.0.1", 9), new InetSocketAddress("127.0.0.1", 9),
                    new InetSocketAddress("127.0.0.1", 9), new InetSocketAddress("127.0.0.1", 9));
            ads.send(XdsTypes.CLUSTER, r.clusters(), m -> ((io.envoyproxy.envoy.config.cluster.v3.Cluster) m).getName());
            ads.send(XdsTypes.ENDPOINT, r.endpoints(), m -> ((io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment) m).getClusterName());
            ads.send(XdsTypes.LISTENER, r.listeners(), m -> ((io.envoyproxy.envoy.config.listener.v3.Listener) m).getName());
            await().atMost(Duration.ofSeconds(10)).until(() -> ads.requests.stream().filter(q -> !q.getResponseNonce().isEmpty()).count() >= 3);
            assertThat(agent.ready()).as("no route configuration yet").isFalse();
            ads.send(XdsTypes.ROUTE, r.routes(), m -> ((io.envoyproxy.envoy.config.route.v3.RouteConfiguration) m).getName());
            await().atMost(Duration.ofSeconds(10)).until(agent::ready);

            // the HBONE server presents the CA-issued waypoint certificate and serves the configuration
            HboneConnection client = new HboneClient(transport, HboneSettings.clientDefaults()).connect(agent.hboneAddress().orElseThrow(),
                    MeshTls.client(svid(ca, SpiffeId.parse("spiffe://cluster.local/ns/sleep/sa/sleep")), bundle, PeerPolicy.exactly(WAYPOINT)))
                    .join();
            HboneTunnel tunnel = client.open(TestMeshConfig.VIP + ":80", HboneHeaders.none()).join();
            BlockingQueue<String> answers = new LinkedBlockingQueue<>();
            tunnel.stream().pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    if (msg instanceof io.netty.handler.codec.http2.Http2DataFrame data) {
                        answers.add(data.content().toString(StandardCharsets.ISO_8859_1));
                    }
                    io.netty.util.ReferenceCountUtil.release(msg);
                }
            });
            tunnel.stream().config().setAutoRead(true);
            tunnel.stream().writeAndFlush(new io.netty.handler.codec.http2.DefaultHttp2DataFrame(Unpooled.copiedBuffer(
                    "GET /empty HTTP/1.1\r\nHost: " + TestMeshConfig.HOST + "\r\n\r\n", StandardCharsets.ISO_8859_1), false));
            String answer = answers.poll(10, TimeUnit.SECONDS);
            assertThat(answer).startsWith("HTTP/1.1 503").contains("no healthy upstream");
            client.close();
        } finally {
            agent.stop();
            caServer.shutdownNow();
            xdsServer.shutdownNow();
        }
    }
}
