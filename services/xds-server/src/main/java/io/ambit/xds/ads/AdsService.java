package io.ambit.xds.ads;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import io.ambit.xds.state.Generation;
import io.ambit.xds.state.XdsState;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/**
 * {@code envoy.service.discovery.v3.AggregatedDiscoveryService}. Delta streams ({@link AdsConnection})
 * serve ztunnel's types to any mesh identity and the Envoy types (LDS/RDS/CDS/EDS) to waypoints and
 * proxyless gRPC clients, each seeing only its own scope ({@link EnvoyClient}); state-of-the-world
 * streams ({@link SotwConnection}) serve the Envoy types only (ztunnel speaks delta). Every new
 * generation is fanned out to all streams as the names that changed per type.
 */
public final class AdsService extends AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase {

    private final XdsState state;
    private final Map<Long, AdsStream> connections = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();

    private final AdsMetrics meters;

    public AdsService(XdsState state) {
        this(state, new SimpleMeterRegistry());
    }

    /**
     * @param meters where Istio's {@code pilot_xds} (connected clients), {@code pilot_xds_pushes}
     *               and {@code pilot_total_xds_rejects} (by type) go
     */
    public AdsService(XdsState state, MeterRegistry meters) {
        this.state = state;
        this.meters = new AdsMetrics(meters);
        state.addListener(this::push);
    }

    @Override
    public StreamObserver<DeltaDiscoveryRequest> deltaAggregatedResources(StreamObserver<DeltaDiscoveryResponse> responses) {
        long id = ids.incrementAndGet();
        AdsConnection connection = new AdsConnection(id, PeerIdentityInterceptor.PEER.get(), PeerIdentityInterceptor.REMOTE.get(),
                (ServerCallStreamObserver<DeltaDiscoveryResponse>) responses, state, () -> ended(id), meters);
        connections.put(id, connection);
        return connection;
    }

    @Override
    public StreamObserver<DiscoveryRequest> streamAggregatedResources(StreamObserver<DiscoveryResponse> responses) {
        long id = ids.incrementAndGet();
        SotwConnection connection = new SotwConnection(id, PeerIdentityInterceptor.PEER.get(), PeerIdentityInterceptor.REMOTE.get(),
                (ServerCallStreamObserver<DiscoveryResponse>) responses, state, () -> ended(id), meters);
        connections.put(id, connection);
        return connection;
    }

    /** A stream ended: no longer pushed to, no longer counted in {@code pilot_xds}. */
    private void ended(long id) {
        AdsStream stream = connections.remove(id);
        if (stream != null && stream.istioVersion() != null) {
            meters.clientDisconnected(stream.istioVersion());
        }
    }

    private void push(Generation generation, Map<String, Set<String>> changedNames) {
        connections.values().forEach(connection -> connection.changed(changedNames));
    }

    public List<ClientStatus> clients() {
        return connections.values().stream().map(AdsStream::status)
                .sorted(java.util.Comparator.comparingLong(ClientStatus::id)).toList();
    }

    /** Ends every stream (shutdown): clients keep their configuration and reconnect. */
    public void closeAll() {
        connections.values().forEach(c -> c.close(Status.UNAVAILABLE.withDescription("xDS server shutting down")));
        connections.clear();
    }
}
