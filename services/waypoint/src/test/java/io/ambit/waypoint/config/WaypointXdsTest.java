package io.ambit.waypoint.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import io.ambit.waypoint.TestMeshConfig;
import io.ambit.xdsclient.DeltaAdsClient;
import io.ambit.xdsclient.XdsTypes;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;

/**
 * The waypoint's configuration over the real delta ADS client ({@code libs/xds-client}) from a
 * small in-test ADS server on loopback: each type answered on its own, the store complete
 * (readiness) only once all four have been, a bad resource NACKed alone with the previous kept.
 */
public class WaypointXdsTest {

    static final InetSocketAddress A = new InetSocketAddress("127.0.0.1", 8081);

    /** A delta ADS server that answers a subscription with what the test put in {@link #resources} for its type, when told to. */
    public static final class TinyAds extends AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase {
        public final Map<String, List<? extends Message>> resources = new ConcurrentHashMap<>();
        public final BlockingQueue<DeltaDiscoveryRequest> requests = new LinkedBlockingQueue<>();
        final AtomicInteger nonce = new AtomicInteger();
        public volatile StreamObserver<DeltaDiscoveryResponse> client;
        public volatile Node node;

        @Override
        public StreamObserver<DeltaDiscoveryRequest> deltaAggregatedResources(StreamObserver<DeltaDiscoveryResponse> responses) {
            client = responses;
            return new StreamObserver<>() {
                @Override
                public void onNext(DeltaDiscoveryRequest request) {
                    if (request.hasNode()) {
                        node = request.getNode();
                    }
                    requests.add(request);
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                    responses.onCompleted();
                }
            };
        }

        public void send(String type, List<? extends Message> items, java.util.function.Function<Message, String> name) {
            DeltaDiscoveryResponse.Builder response = DeltaDiscoveryResponse.newBuilder().setTypeUrl(type)
                    .setNonce(Integer.toString(nonce.incrementAndGet())).setSystemVersionInfo("v" + nonce.get());
            for (Message m : items) {
                response.addResources(Resource.newBuilder().setName(name.apply(m)).setVersion("v" + nonce.get()).setResource(Any.pack(m)));
            }
            client.onNext(response.build());
        }
    }

    Server server;
    ManagedChannel channel;
    DeltaAdsClient ads;

    @AfterEach
    void stop() {
        if (ads != null) {
            ads.close();
        }
        if (channel != null) {
            channel.shutdownNow();
        }
        if (server != null) {
            server.shutdownNow();
        }
    }

    @Test
    void completeOnlyOnceEveryTypeWasAnsweredAndBadResourcesAreNacked() throws Exception {
        TinyAds tiny = new TinyAds();
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(tiny).build().start();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
        WaypointConfigStore store = new WaypointConfigStore();
        Node node = Node.newBuilder().setId("waypoint~10.1.0.5~waypoint-abc.ns~ns.svc.cluster.local").build();
        ads = DeltaAdsClient.builder(channel, node, store).types(XdsTypes.ENVOY).build().start();
        await().atMost(Duration.ofSeconds(10)).until(() -> tiny.client != null && tiny.requests.size() >= 4);
        assertThat(tiny.node.getId()).startsWith("waypoint~");
        tiny.requests.clear();

        TestMeshConfig.Resources r = TestMeshConfig.resources(A, A, A, A);
        tiny.send(XdsTypes.CLUSTER, r.clusters(), m -> ((io.envoyproxy.envoy.config.cluster.v3.Cluster) m).getName());
        tiny.send(XdsTypes.ENDPOINT, r.endpoints(), m -> ((io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment) m).getClusterName());
        tiny.send(XdsTypes.LISTENER, r.listeners(), m -> ((Listener) m).getName());
        assertThat(ack(tiny)).isTrue();
        assertThat(ack(tiny)).isTrue();
        assertThat(ack(tiny)).isTrue();
        assertThat(store.complete()).as("no route configuration yet").isFalse();
        tiny.send(XdsTypes.ROUTE, r.routes(), m -> ((io.envoyproxy.envoy.config.route.v3.RouteConfiguration) m).getName());
        assertThat(ack(tiny)).isTrue();
        assertThat(store.complete()).isTrue();
        InetSocketAddress vip = new InetSocketAddress(TestMeshConfig.VIP, 80);
        assertThat(store.snapshot().chain(vip)).isPresent();
        assertThat(store.snapshot().chain(A)).as("workload-addressed: an endpoint of the service's own cluster").isPresent();
        assertThat(store.snapshot().cluster("a").orElseThrow().endpoints()).containsExactly(A);

        // a listener with a filter the waypoint cannot apply: NACKed, the previous version stays
        Listener good = r.listeners().getFirst();
        HttpConnectionManager hcm = good.getApiListener().getApiListener().unpack(HttpConnectionManager.class).toBuilder()
                .addHttpFilters(0, HttpFilter.newBuilder().setName("envoy.filters.http.cors")).build();
        Listener bad = good.toBuilder().setApiListener(good.getApiListener().toBuilder().setApiListener(Any.pack(hcm))).build();
        tiny.send(XdsTypes.LISTENER, List.of(bad), m -> ((Listener) m).getName());
        DeltaDiscoveryRequest nack = tiny.requests.poll(10, TimeUnit.SECONDS);
        assertThat(nack.hasErrorDetail()).isTrue();
        assertThat(nack.getErrorDetail().getMessage()).contains("envoy.filters.http.cors");
        assertThat(store.snapshot().chain(vip)).isPresent();
    }

    private static boolean ack(TinyAds tiny) throws InterruptedException {
        DeltaDiscoveryRequest request = tiny.requests.poll(10, TimeUnit.SECONDS);
        return request != null && !request.getResponseNonce().isEmpty() && !request.hasErrorDetail();
    }
}
