package io.ambit.xds.ads;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.ambit.identity.SpiffeId;
import io.ambit.identity.Svid;
import io.ambit.identity.TrustBundle;
import io.ambit.testkit.IssuedCertificate;
import io.ambit.testkit.TestCa;
import io.ambit.tls.MeshTls;
import io.ambit.tls.PeerPolicy;
import io.ambit.tls.ReloadableSslContext;
import io.ambit.xds.identity.ServingIdentity;
import io.ambit.xds.state.XdsState;
import io.ambit.xds.store.LocalConfigStore;
import io.ambit.xdsclient.DeltaAdsClient;
import io.ambit.xdsclient.XdsUpdate;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.grpc.CallCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;

/**
 * A real xDS server (store, translation, delta ADS over mutual TLS on a loopback port) and real
 * clients with certificates from a test CA: what the ADS tests and nothing else share.
 */
final class AdsTestBench implements AutoCloseable {

    static final String TD = "cluster.local";
    static final SpiffeId SERVER_ID = SpiffeId.parse("spiffe://cluster.local/ns/istio-system/sa/xds-server");
    static final SpiffeId ZTUNNEL_ID = SpiffeId.parse("spiffe://cluster.local/ns/istio-system/sa/ztunnel");

    final TestCa ca = TestCa.newRoot(TD);
    final TrustBundle bundle = TrustBundle.of(TD, ca.root());
    final LocalConfigStore store = new LocalConfigStore();
    final XdsState state;
    final AdsService service;
    final io.micrometer.core.instrument.simple.SimpleMeterRegistry meters = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    AdsServer server;
    int port;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    AdsTestBench(String initialYaml) {
        if (initialYaml != null) {
            store.apply("setup", initialYaml);
        }
        state = new XdsState(store, TD, Duration.ZERO);
        service = new AdsService(state, meters);
        startServer(0);
    }

    void startServer(int wantedPort) {
        startServer(wantedPort, null);
    }

    /** With {@code bearer}: clients may also come without a certificate, with a bearer token. */
    void startServer(int wantedPort, BearerAuthenticator bearer) {
        server = new AdsServer(new InetSocketAddress("127.0.0.1", wantedPort),
                ServingIdentity.fixed(new ReloadableSslContext.KeyMaterial(svid(SERVER_ID), bundle)), service, TD, 8 << 20, bearer);
        server.start();
        port = server.port();
    }

    void restartServer() {
        server.stop();
        startServer(port);
    }

    Svid svid(SpiffeId id) {
        IssuedCertificate issued = ca.issue(id.toString());
        return new Svid(id, issued.privateKey(), issued.chain());
    }

    ManagedChannel channel(SpiffeId client) {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port)
                .sslContext(MeshTls.client(svid(client), bundle, PeerPolicy.exactly(SERVER_ID)))
                .build();
        closeables.add(() -> {
            channel.shutdownNow();
            channel.awaitTermination(5, TimeUnit.SECONDS);
        });
        return channel;
    }

    /** A ztunnel-like client whose state is a name → resource map. */
    Recording client(String node) {
        return client(node, update -> List.of());
    }

    Recording client(String node, DeltaAdsClient.Handler rejecter) {
        Recording recording = new Recording();
        DeltaAdsClient client = DeltaAdsClient.builder(channel(ZTUNNEL_ID), Node.newBuilder().setId("ztunnel~" + node).build(),
                update -> {
                    List<XdsUpdate.Rejected> rejected = rejecter.apply(update);
                    recording.updates.add(update);
                    Map<String, XdsUpdate.Resource> have = recording.have.computeIfAbsent(update.typeUrl(), t -> new ConcurrentHashMap<>());
                    update.updated().stream().filter(r -> rejected.stream().noneMatch(x -> x.name().equals(r.name())))
                            .forEach(r -> have.put(r.name(), r));
                    update.removed().forEach(have::remove);
                    return rejected;
                }).backoff(Duration.ofMillis(100), Duration.ofMillis(400)).build();
        recording.client = client;
        closeables.add(client);
        client.start();
        return recording;
    }

    static final class Recording {
        final List<XdsUpdate> updates = new CopyOnWriteArrayList<>();
        final Map<String, Map<String, XdsUpdate.Resource>> have = new ConcurrentHashMap<>();
        DeltaAdsClient client;

        Map<String, XdsUpdate.Resource> have(String type) {
            return have.getOrDefault(type, Map.of());
        }
    }

    /** A bare stream for protocol tests: requests go out as written, responses queue up. */
    RawStream raw() {
        return raw(ZTUNNEL_ID);
    }

    /** A bare delta stream with a certificate for {@code identity}. */
    RawStream raw(SpiffeId identity) {
        RawStream raw = new RawStream();
        raw.requests = AggregatedDiscoveryServiceGrpc.newStub(channel(identity)).deltaAggregatedResources(raw);
        return raw;
    }

    /** A bare state-of-the-world stream with a certificate for {@code identity}. */
    SotwStream sotw(SpiffeId identity) {
        SotwStream sotw = new SotwStream();
        sotw.requests = AggregatedDiscoveryServiceGrpc.newStub(channel(identity)).streamAggregatedResources(sotw);
        return sotw;
    }

    static final class SotwStream implements StreamObserver<io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse> {
        final BlockingQueue<io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse> responses = new LinkedBlockingQueue<>();
        volatile Status closedWith;
        StreamObserver<io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest> requests;

        void send(io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest request) {
            requests.onNext(request);
        }

        io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse next() throws InterruptedException {
            var response = responses.poll(10, TimeUnit.SECONDS);
            if (response == null) {
                throw new AssertionError("no response within 10 s" + (closedWith == null ? "" : "; stream closed: " + closedWith));
            }
            return response;
        }

        @Override
        public void onNext(io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse response) {
            responses.add(response);
        }

        @Override
        public void onError(Throwable error) {
            closedWith = Status.fromThrowable(error);
        }

        @Override
        public void onCompleted() {
            closedWith = Status.OK;
        }
    }

    static final class RawStream implements StreamObserver<DeltaDiscoveryResponse> {
        final BlockingQueue<DeltaDiscoveryResponse> responses = new LinkedBlockingQueue<>();
        volatile Status closedWith;
        StreamObserver<DeltaDiscoveryRequest> requests;

        void send(DeltaDiscoveryRequest request) {
            requests.onNext(request);
        }

        /** The next response, waiting up to 10 s. */
        DeltaDiscoveryResponse next() throws InterruptedException {
            DeltaDiscoveryResponse response = responses.poll(10, TimeUnit.SECONDS);
            if (response == null) {
                throw new AssertionError("no response within 10 s" + (closedWith == null ? "" : "; stream closed: " + closedWith));
            }
            return response;
        }

        @Override
        public void onNext(DeltaDiscoveryResponse response) {
            responses.add(response);
        }

        @Override
        public void onError(Throwable error) {
            closedWith = Status.fromThrowable(error);
        }

        @Override
        public void onCompleted() {
            closedWith = Status.OK;
        }
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable closeable : closeables.reversed()) {
            closeable.close();
        }
        server.stop();
        state.close();
    }

    /** A node agent's credential as Istio's ztunnel sends it: {@code authorization: Bearer <token>} (none when null). */
    static CallCredentials bearer(String token) {
        return new CallCredentials() {
            @Override
            public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
                Metadata headers = new Metadata();
                if (token != null) {
                    headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
                }
                applier.apply(headers);
            }
        };
    }
}
