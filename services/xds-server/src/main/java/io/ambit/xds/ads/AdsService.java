package io.ambit.xds.ads;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import io.ambit.xds.state.Generation;
import io.ambit.xds.state.XdsState;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/**
 * {@code envoy.service.discovery.v3.AggregatedDiscoveryService}: delta streams only (Istio's
 * ztunnel speaks nothing else; the state-of-the-world method answers UNIMPLEMENTED, grpc-java's
 * default). Each stream is an {@link AdsConnection}; every new generation is fanned out to them.
 */
public final class AdsService extends AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase {

    private final XdsState state;
    private final Map<Long, AdsConnection> connections = new ConcurrentHashMap<>();
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
        Gauge.builder("pilot_xds", connections, Map::size).description("clients connected over xDS").register(meters);
        state.addListener(this::push);
    }

    @Override
    public StreamObserver<DeltaDiscoveryRequest> deltaAggregatedResources(StreamObserver<DeltaDiscoveryResponse> responses) {
        long id = ids.incrementAndGet();
        AdsConnection connection = new AdsConnection(id, PeerIdentityInterceptor.PEER.get(), PeerIdentityInterceptor.REMOTE.get(),
                (ServerCallStreamObserver<DeltaDiscoveryResponse>) responses, state, () -> connections.remove(id), meters);
        connections.put(id, connection);
        return connection;
    }

    private void push(Generation generation, Map<String, Set<String>> changedNames) {
        connections.values().forEach(connection -> connection.changed(changedNames));
    }

    public List<ClientStatus> clients() {
        return connections.values().stream().map(AdsConnection::status)
                .sorted(java.util.Comparator.comparingLong(ClientStatus::id)).toList();
    }

    /** Ends every stream (shutdown): clients keep their configuration and reconnect. */
    public void closeAll() {
        connections.values().forEach(c -> c.close(Status.UNAVAILABLE.withDescription("xDS server shutting down")));
        connections.clear();
    }
}
