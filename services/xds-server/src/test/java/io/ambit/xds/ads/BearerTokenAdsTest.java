package io.ambit.xds.ads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.Socket;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.ambit.proto.workload.Address;
import io.ambit.xds.identity.TokenReviewBearerAuthenticator;
import io.ambit.xds.state.XdsState;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What Istio's ztunnel does on the control-plane channel, by an independent client (grpc-java stubs
 * generated from Envoy's protos, none of Ambit's client classes): TLS without a client certificate,
 * {@code authorization: Bearer <projected token>}, delta ADS with a node id in Istio's form
 * {@code ztunnel~<ip>~<pod>.<ns>~<ns>.svc.cluster.local} and {@code CLUSTER_ID} metadata. The token
 * is reviewed by the (mock) API server's TokenReview; only the node agent's ServiceAccount gets in,
 * with the node agent's view. Certificates keep working on the same port.
 */
@EnableKubernetesMockClient
class BearerTokenAdsTest {

    static final String ZTUNNEL_TOKEN = "token-of-istio-system-ztunnel";
    static final String SLEEP_TOKEN = "token-of-demo-sleep";
    static final String NODE_ID = "ztunnel~10.244.1.2~ztunnel-x7k2p.istio-system~istio-system.svc.cluster.local";

    KubernetesMockServer server;
    KubernetesClient client;
    AdsTestBench bench;

    @BeforeEach
    void start() {
        // The API server's TokenReview: two ServiceAccount tokens; anything else is not authenticated.
        server.expect().post().withPath("/apis/authentication.k8s.io/v1/tokenreviews").andReply(201, request -> {
            Map<?, ?> review = Serialization.unmarshal(request.getBody().readUtf8(), Map.class);
            String token = String.valueOf(((Map<?, ?>) review.get("spec")).get("token"));
            String user = switch (token) {
                case ZTUNNEL_TOKEN -> "system:serviceaccount:istio-system:ztunnel";
                case SLEEP_TOKEN -> "system:serviceaccount:demo:sleep";
                default -> null;
            };
            return Map.of("apiVersion", "authentication.k8s.io/v1", "kind", "TokenReview",
                    "status", user == null ? Map.of("authenticated", false, "error", "invalid bearer token")
                            : Map.of("authenticated", true, "audiences", List.of("istio-ca"), "user", Map.of("username", user)));
        }).always();
        bench = new AdsTestBench(DeltaAdsTest.MESH + "---\n" + DeltaAdsTest.pod("echo-1", "10.244.1.5"));
        bench.server.stop();
        bench.startServer(0, new TokenReviewBearerAuthenticator(client, AdsTestBench.TD, "istio-ca", List.of("istio-system/ztunnel")));
    }

    @AfterEach
    void close() throws Exception {
        bench.close();
    }

    @Test
    void aNodeAgentTokenWithoutACertificateGetsTheWorkloads() throws Exception {
        ManagedChannel channel = tlsChannel();
        try {
            AdsTestBench.RawStream stream = stream(channel, ZTUNNEL_TOKEN);
            stream.send(firstRequest());
            DeltaDiscoveryResponse response = stream.next();
            assertThat(response.getTypeUrl()).isEqualTo(XdsState.ADDRESS_TYPE);
            assertThat(response.getResourcesList()).anySatisfy(resource -> {
                Address address = resource.getResource().unpack(Address.class);
                assertThat(address.getWorkload().getName()).isEqualTo("echo-1");
            });
            // the same view a certificate gives the node agent
            assertThat(response.getResourcesList()).extracting(r -> r.getName())
                    .containsExactlyInAnyOrderElementsOf(bench.state.current().of(XdsState.ADDRESS_TYPE).keySet());
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void otherTokensNoTokenAndHostileTokensAreRefused() throws Exception {
        assertRefused(SLEEP_TOKEN, "demo/sleep is not a node agent's");
        assertRefused("forged", "rejected by the API server: invalid bearer token");
        assertRefused("x".repeat(7_000), "longer than");
        assertRefused(null, "a client certificate with a SPIFFE ID, or an authorization: Bearer token, is required");
    }

    @Test
    void aClientCertificateStillWorksOnTheSamePort() throws Exception {
        AdsTestBench.RawStream stream = bench.raw(AdsTestBench.ZTUNNEL_ID);
        stream.send(firstRequest());
        assertThat(stream.next().getResourcesCount()).isPositive();
    }

    private void assertRefused(String token, String reason) throws Exception {
        ManagedChannel channel = tlsChannel();
        try {
            AdsTestBench.RawStream stream = stream(channel, token);
            stream.send(firstRequest());
            await().atMost(Duration.ofSeconds(10)).until(() -> stream.closedWith != null);
            assertThat(stream.closedWith.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
            assertThat(stream.closedWith.getDescription()).contains(reason);
            assertThat(stream.responses).isEmpty();
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    static DeltaDiscoveryRequest firstRequest() {
        Struct metadata = Struct.newBuilder()
                .putFields("CLUSTER_ID", Value.newBuilder().setStringValue("Kubernetes").build())
                .putFields("NAMESPACE", Value.newBuilder().setStringValue("istio-system").build())
                .build();
        return DeltaDiscoveryRequest.newBuilder().setTypeUrl(XdsState.ADDRESS_TYPE)
                .setNode(Node.newBuilder().setId(NODE_ID).setMetadata(metadata)).build();
    }

    /** A delta ADS stream whose calls carry {@code authorization: Bearer <token>} (none when null). */
    static AdsTestBench.RawStream stream(ManagedChannel channel, String token) {
        AdsTestBench.RawStream stream = new AdsTestBench.RawStream();
        stream.requests = AggregatedDiscoveryServiceGrpc.newStub(channel).withCallCredentials(AdsTestBench.bearer(token)).deltaAggregatedResources(stream);
        return stream;
    }

    /**
     * Plain TLS, no client certificate: the server's chain checked against the mesh root. (Its
     * certificate names a SPIFFE ID, not a DNS name: a stock ztunnel also checks the DNS name, which
     * Ambit's control-plane certificates do not carry yet.)
     */
    private ManagedChannel tlsChannel() throws Exception {
        return tlsChannel(bench);
    }

    static ManagedChannel tlsChannel(AdsTestBench bench) throws Exception {
        KeyStore roots = KeyStore.getInstance(KeyStore.getDefaultType());
        roots.load(null, null);
        roots.setCertificateEntry("mesh-root", bench.ca.root());
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(roots);
        X509TrustManager chain = (X509TrustManager) factory.getTrustManagers()[0];
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", bench.port)
                .sslContext(GrpcSslContexts.forClient().trustManager(new ChainOnly(chain)).build())
                .build();
        return channel;
    }

    /** Checks the chain to the mesh root, not the host name (see {@link #tlsChannel}). */
    private static final class ChainOnly extends X509ExtendedTrustManager {
        private final X509TrustManager delegate;

        ChainOnly(X509TrustManager delegate) {
            this.delegate = delegate;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            delegate.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            delegate.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            throw new CertificateException("client side only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            throw new CertificateException("client side only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("client side only");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return delegate.getAcceptedIssuers();
        }
    }
}
