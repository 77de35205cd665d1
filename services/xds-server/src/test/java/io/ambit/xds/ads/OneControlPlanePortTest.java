package io.ambit.xds.ads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.ambit.identity.KeyPairs;
import io.ambit.identity.Pem;
import io.ambit.identity.SpiffeId;
import io.ambit.identity.Svid;
import io.ambit.proto.ca.IstioCertificateRequest;
import io.ambit.proto.ca.IstioCertificateResponse;
import io.ambit.proto.ca.IstioCertificateServiceGrpc;
import io.ambit.proto.workload.Address;
import io.ambit.testkit.IssuedCertificate;
import io.ambit.tls.MeshTls;
import io.ambit.tls.PeerPolicy;
import io.ambit.tls.ReloadableSslContext;
import io.ambit.tls.ReloadingServerTls;
import io.ambit.xds.ca.CertificateForwarder;
import io.ambit.xds.identity.ServingIdentity;
import io.ambit.xds.state.XdsState;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.grpc.CallCredentials;
import io.grpc.CallOptions;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.netty.handler.ssl.ClientAuth;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Istio's one control-plane address (istiod's 15012), as a stock ztunnel uses it with
 * {@code CA_ADDRESS} = {@code XDS_ADDRESS}: one TLS port, reached as {@code istiod.istio-system.svc}
 * and checked by that DNS name, no client certificate, {@code authorization: Bearer} on every call;
 * {@code IstioCertificateService/CreateCertificate} and delta ADS (node id in Istio's form) on the
 * same channel. The client is plain grpc-java with stubs generated from the protos (none of Ambit's
 * client classes). Behind the port, a CA on its own TLS port stands in for ca-service (a separate
 * service whose refusals are tested in its own module): it signs the CSR it is given for the caller
 * it recognises by token, refuses another, and records what reached it.
 */
class OneControlPlanePortTest {

    static final String ZTUNNEL_TOKEN = "token-of-istio-system-ztunnel";
    static final String SLEEP_TOKEN = "token-of-demo-sleep";
    static final String NODE_ID = "ztunnel~10.244.1.2~ztunnel-x7k2p.istio-system~istio-system.svc.cluster.local";
    static final String ISTIOD = "istiod.istio-system.svc";
    static final SpiffeId CA_ID = SpiffeId.parse("spiffe://cluster.local/ns/istio-system/sa/ca-service");
    static final SpiffeId POD = SpiffeId.parse("spiffe://cluster.local/ns/demo/sa/echo");

    AdsTestBench bench;
    StandInCa ca;
    CertificateForwarder forwarder;
    ManagedChannel channel;

    @BeforeEach
    void start() throws Exception {
        bench = new AdsTestBench(DeltaAdsTest.MESH + "---\n" + DeltaAdsTest.pod("echo-1", "10.244.1.5"));
        bench.server.stop();
        ca = new StandInCa();
        // the xds-server's certificate as CaIssuedIdentity asks for it: SPIFFE ID plus Service DNS names and istiod's
        IssuedCertificate serving = bench.ca.leaf(AdsTestBench.SERVER_ID.toString())
                .dnsSan("xds-server.istio-system.svc").dnsSan(ISTIOD).dnsSan("istiod.istio-system.svc.cluster.local").issue();
        ServingIdentity identity = ServingIdentity.fixed(new ReloadableSslContext.KeyMaterial(
                new Svid(AdsTestBench.SERVER_ID, serving.privateKey(), serving.chain()), bench.bundle));
        forwarder = new CertificateForwarder(new InetSocketAddress("127.0.0.1", ca.port()), CA_ID);
        identity.addListener(forwarder::onKeyMaterial);
        BearerAuthenticator tokens = token -> {
            if (ZTUNNEL_TOKEN.equals(token)) {
                return AdsTestBench.ZTUNNEL_ID.toString();
            }
            throw new BearerAuthenticator.Rejected("not a node agent's token");
        };
        bench.server = new AdsServer(new InetSocketAddress("127.0.0.1", 0), identity, bench.service, AdsTestBench.TD, 1 << 20, tokens);
        bench.server.addService(forwarder.definition());
        bench.server.start();
        bench.port = bench.server.port();
        channel = istioChannel(ISTIOD);
    }

    @AfterEach
    void close() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        forwarder.close();
        ca.close();
        bench.close();
    }

    @Test
    void certificateAndWorkloadsComeFromOneAddressCheckedByItsDnsName() throws Exception {
        KeyPair keys = KeyPairs.ecP256();
        String csr = io.ambit.identity.Csrs.createPem(keys, POD);
        Struct impersonated = Struct.newBuilder()
                .putFields("ImpersonatedIdentity", Value.newBuilder().setStringValue(POD.toString()).build()).build();
        IstioCertificateResponse certificate = IstioCertificateServiceGrpc.newBlockingStub(channel)
                .withCallCredentials(AdsTestBench.bearer(ZTUNNEL_TOKEN)).withDeadlineAfter(10, TimeUnit.SECONDS)
                .createCertificate(IstioCertificateRequest.newBuilder().setCsr(csr).setValidityDuration(3600)
                        .setMetadata(impersonated).build());
        X509Certificate leaf = Pem.readCertificates(certificate.getCertChain(0)).get(0);
        assertThat(leaf.getPublicKey()).isEqualTo(keys.getPublic());
        assertThat(leaf.getSubjectAlternativeNames()).anySatisfy(san -> assertThat(san.get(1)).isEqualTo(POD.toString()));
        // the CA got the request as sent, with the caller's token and without any client certificate
        Seen seen = ca.seen.poll();
        assertThat(seen.request().getCsr()).isEqualTo(csr);
        assertThat(seen.request().getMetadata()).isEqualTo(impersonated);
        assertThat(seen.request().getValidityDuration()).isEqualTo(3600);
        assertThat(seen.authorization()).isEqualTo("Bearer " + ZTUNNEL_TOKEN);
        assertThat(seen.clientCertificate()).isFalse();

        AdsTestBench.RawStream stream = new AdsTestBench.RawStream();
        stream.requests = AggregatedDiscoveryServiceGrpc.newStub(channel).withCallCredentials(AdsTestBench.bearer(ZTUNNEL_TOKEN))
                .deltaAggregatedResources(stream);
        stream.send(DeltaDiscoveryRequest.newBuilder().setTypeUrl(XdsState.ADDRESS_TYPE)
                .setNode(Node.newBuilder().setId(NODE_ID).setMetadata(Struct.newBuilder()
                        .putFields("CLUSTER_ID", Value.newBuilder().setStringValue("Kubernetes").build())))
                .build());
        DeltaDiscoveryResponse workloads = stream.next();
        assertThat(workloads.getResourcesList()).anySatisfy(resource ->
                assertThat(resource.getResource().unpack(Address.class).getWorkload().getName()).isEqualTo("echo-1"));
    }

    @Test
    void aNodeOfAnotherClusterIsRefusedWithTheReason() throws Exception {
        assertNodeRefused(Value.newBuilder().setStringValue("cluster-east").build(), Status.Code.FAILED_PRECONDITION,
                "node is in cluster 'cluster-east'; this control plane serves cluster 'Kubernetes' only");
        assertNodeRefused(Value.newBuilder().setNumberValue(7).build(), Status.Code.INVALID_ARGUMENT, "CLUSTER_ID must be a string");
        assertNodeRefused(Value.newBuilder().setStringValue("c".repeat(300)).build(), Status.Code.INVALID_ARGUMENT, "longer than 253");
    }

    private void assertNodeRefused(Value clusterId, Status.Code code, String reason) throws Exception {
        AdsTestBench.RawStream stream = new AdsTestBench.RawStream();
        stream.requests = AggregatedDiscoveryServiceGrpc.newStub(channel).withCallCredentials(AdsTestBench.bearer(ZTUNNEL_TOKEN))
                .deltaAggregatedResources(stream);
        stream.send(DeltaDiscoveryRequest.newBuilder().setTypeUrl(XdsState.ADDRESS_TYPE)
                .setNode(Node.newBuilder().setId(NODE_ID).setMetadata(Struct.newBuilder().putFields("CLUSTER_ID", clusterId)))
                .build());
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> stream.closedWith != null);
        assertThat(stream.closedWith.getCode()).isEqualTo(code);
        assertThat(stream.closedWith.getDescription()).contains(reason);
        assertThat(stream.responses).isEmpty();
    }

    @Test
    void theClientRefusesAServerThatDoesNotCarryTheNameItDialled() throws Exception {
        ManagedChannel wrongName = istioChannel("istiod.other-namespace.svc");
        try {
            assertThatThrownBy(() -> IstioCertificateServiceGrpc.newBlockingStub(wrongName).withCallCredentials(AdsTestBench.bearer(ZTUNNEL_TOKEN))
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .createCertificate(IstioCertificateRequest.newBuilder().setCsr("x").build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        } finally {
            wrongName.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        assertThat(ca.seen).isEmpty();
    }

    @Test
    void theCasRefusalReachesTheCallerUnchanged() {
        assertStatus(SLEEP_TOKEN, Status.Code.PERMISSION_DENIED, "demo/sleep may not ask for " + POD);
        assertThat(ca.seen).hasSize(1);
    }

    @Test
    void callsWithoutAUsableBearerTokenNeverReachTheCa() {
        assertStatus(null, Status.Code.UNAUTHENTICATED, "none was sent (a client certificate cannot be forwarded");
        assertStatus("x".repeat(7_000), Status.Code.UNAUTHENTICATED, "longer than 6144 characters");
        assertThat(call(raw -> raw.put(CertificateForwarderKeys.AUTHORIZATION, "Basic dXNlcjpwYXNz")))
                .satisfies(status -> assertThat(status.getDescription()).contains("not a Bearer token"));
        assertThat(call(raw -> {
            raw.put(CertificateForwarderKeys.AUTHORIZATION, "Bearer a");
            raw.put(CertificateForwarderKeys.AUTHORIZATION, "Bearer " + ZTUNNEL_TOKEN);
        })).satisfies(status -> assertThat(status.getDescription()).contains("more than one authorization header"));
        assertThat(ca.seen).isEmpty();
    }

    @Test
    void malformedAndOversizedRequestsAreRefusedByTheTransport() {
        MethodDescriptor<byte[], byte[]> rawMethod = IstioCertificateServiceGrpc.getCreateCertificateMethod().toBuilder(BYTES, BYTES).build();
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, rawMethod,
                CallOptions.DEFAULT.withCallCredentials(AdsTestBench.bearer(ZTUNNEL_TOKEN)).withDeadlineAfter(10, TimeUnit.SECONDS),
                new byte[] {0x0a, 0x7f, 'M', 'I'})) // field 1 says 127 bytes, 2 follow
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isNotEqualTo(Status.Code.OK));
        assertThatThrownBy(() -> IstioCertificateServiceGrpc.newBlockingStub(channel).withCallCredentials(AdsTestBench.bearer(ZTUNNEL_TOKEN))
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .createCertificate(IstioCertificateRequest.newBuilder().setCsr("A".repeat(2 << 20)).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
        assertThat(ca.seen).isEmpty();
        // the port still serves
        assertThat(IstioCertificateServiceGrpc.newBlockingStub(channel).withCallCredentials(AdsTestBench.bearer(ZTUNNEL_TOKEN))
                .createCertificate(IstioCertificateRequest.newBuilder()
                        .setCsr(io.ambit.identity.Csrs.createPem(KeyPairs.ecP256(), POD)).build()).getCertChainCount()).isPositive();
    }

    @Test
    void anUnreachableCaIsReportedAsUnavailable() throws Exception {
        ca.close();
        assertStatus(ZTUNNEL_TOKEN, Status.Code.UNAVAILABLE, "did not answer");
    }

    private void assertStatus(String token, Status.Code code, String description) {
        assertThatThrownBy(() -> IstioCertificateServiceGrpc.newBlockingStub(channel).withCallCredentials(AdsTestBench.bearer(token))
                .withDeadlineAfter(15, TimeUnit.SECONDS)
                .createCertificate(IstioCertificateRequest.newBuilder()
                        .setCsr(io.ambit.identity.Csrs.createPem(KeyPairs.ecP256(), POD)).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(code);
                    assertThat(e.getStatus().getDescription()).contains(description);
                });
    }

    /** A call whose headers the test writes itself. */
    private Status call(java.util.function.Consumer<Metadata> headers) {
        try {
            IstioCertificateServiceGrpc.newBlockingStub(channel).withCallCredentials(new CallCredentials() {
                @Override
                public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
                    Metadata metadata = new Metadata();
                    headers.accept(metadata);
                    applier.apply(metadata);
                }
            }).withDeadlineAfter(10, TimeUnit.SECONDS).createCertificate(IstioCertificateRequest.newBuilder().setCsr("x").build());
            return Status.OK;
        } catch (StatusRuntimeException e) {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
            return e.getStatus();
        }
    }

    /** Plain grpc-java TLS: the mesh root as trust anchor, the dialled name checked (HTTPS rules), no client certificate. */
    private ManagedChannel istioChannel(String authority) throws Exception {
        return NettyChannelBuilder.forAddress("127.0.0.1", bench.port)
                .overrideAuthority(authority)
                .sslContext(GrpcSslContexts.forClient().trustManager(bench.ca.root()).build())
                .build();
    }

    static final class CertificateForwarderKeys {
        static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    }

    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }
    };

    record Seen(IstioCertificateRequest request, String authorization, boolean clientCertificate) {
    }

    /** ca-service's place: its own TLS port and SPIFFE ID, client certificates optional. */
    final class StandInCa implements AutoCloseable {
        final Queue<Seen> seen = new ConcurrentLinkedQueue<>();
        private final Server server;

        StandInCa() throws Exception {
            IssuedCertificate own = bench.ca.issue(CA_ID.toString());
            ReloadableSslContext tls = ReloadableSslContext.of(
                    new ReloadableSslContext.KeyMaterial(new Svid(CA_ID, own.privateKey(), own.chain()), bench.bundle),
                    m -> MeshTls.server(m.svid(), m.bundle(), PeerPolicy.anyInTrustDomain(AdsTestBench.TD), ClientAuth.OPTIONAL,
                            Clock.systemUTC()));
            var service = new IstioCertificateServiceGrpc.IstioCertificateServiceImplBase() {
                @Override
                public void createCertificate(IstioCertificateRequest request, StreamObserver<IstioCertificateResponse> response) {
                    seen.add(new Seen(request, CALLER.get()[0], "true".equals(CALLER.get()[1])));
                    if (!("Bearer " + ZTUNNEL_TOKEN).equals(CALLER.get()[0])) {
                        response.onError(Status.PERMISSION_DENIED.withDescription("demo/sleep may not ask for " + POD).asRuntimeException());
                        return;
                    }
                    try {
                        var key = new JcaPKCS10CertificationRequest(Pem.readCsr(request.getCsr())).getPublicKey();
                        IssuedCertificate leaf = bench.ca.leaf(POD.toString()).keyPair(new KeyPair(key, null)).issue();
                        response.onNext(IstioCertificateResponse.newBuilder()
                                .addCertChain(Pem.encodeCertificates(List.of(leaf.certificate())))
                                .addCertChain(Pem.encode(bench.ca.root())).build());
                        response.onCompleted();
                    } catch (Exception e) {
                        response.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
                    }
                }
            };
            ServerInterceptor caller = new ServerInterceptor() {
                @Override
                public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                    SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
                    boolean certified;
                    try {
                        certified = session != null && session.getPeerCertificates().length > 0;
                    } catch (SSLPeerUnverifiedException e) {
                        certified = false;
                    }
                    String[] seenHeaders = {headers.get(CertificateForwarderKeys.AUTHORIZATION), String.valueOf(certified)};
                    return Contexts.interceptCall(io.grpc.Context.current().withValue(CALLER, seenHeaders), call, headers, next);
                }
            };
            server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0), ReloadingServerTls.credentials(tls))
                    .addService(ServerInterceptors.intercept(service, caller)).build().start();
        }

        int port() {
            return server.getPort();
        }

        @Override
        public void close() throws Exception {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    static final io.grpc.Context.Key<String[]> CALLER = io.grpc.Context.key("stand-in-ca-caller");
}
