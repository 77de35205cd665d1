package io.ambit.xds.ads;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import io.ambit.xds.state.EnvoyResources;
import io.ambit.xds.state.Generation;
import io.ambit.xds.state.XdsResource;
import io.ambit.xds.state.XdsState;
import io.ambit.xdsclient.XdsTypes;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client's delta ADS stream. Per type it remembers what the client has (name → version, seeded
 * from {@code initial_resource_versions}) and which names may need sending; a flush sends exactly the
 * names whose current version differs from the client's and removes what the client has but the
 * server no longer does. Flushes stop while the transport is not ready and resume on its ready
 * signal, so a slow client accumulates names to reconsider, never a queue of stale messages.
 * ACKs, NACKs and stale nonces are recorded for the debug view; a NACK is logged once and never
 * answered by re-sending the same content.
 */
final class AdsConnection implements StreamObserver<DeltaDiscoveryRequest>, AdsStream {

    private static final Logger log = LoggerFactory.getLogger(AdsConnection.class);
    /** Responses larger than this are split: any client's default message limit (4 MiB) stays far away. */
    static final int MAX_RESOURCES_PER_RESPONSE = 500;
    /** Sent responses awaiting an ACK that are remembered; older ones are superseded anyway. */
    private static final int MAX_IN_FLIGHT = 64;

    private final long id;
    private final String peer;
    private final String remote;
    private final Instant connectedAt = Instant.now();
    private final ServerCallStreamObserver<DeltaDiscoveryResponse> responses;
    private final XdsState state;
    private final Runnable onClose;
    private final AdsMetrics meters;
    private final Map<String, TypeState> types = new LinkedHashMap<>();
    private String node = "";
    /** Set with the node (first request naming it): its {@code pilot_xds} version label. */
    private volatile String istioVersion;
    private com.google.protobuf.Struct nodeMetadata = com.google.protobuf.Struct.getDefaultInstance();
    /** Set on the first Envoy-type subscription: whose resources this client sees. */
    private EnvoyClient envoyClient;
    private long nonces;
    private boolean closed;

    AdsConnection(long id, String peer, String remote, ServerCallStreamObserver<DeltaDiscoveryResponse> responses,
            XdsState state, Runnable onClose, AdsMetrics meters) {
        this.meters = meters;
        this.id = id;
        this.peer = peer;
        this.remote = remote;
        this.responses = responses;
        this.state = state;
        this.onClose = onClose;
        responses.setOnReadyHandler(this::flush);
        responses.setOnCancelHandler(this::closed);
    }

    /** What one type's subscription looks like from the server. */
    private static final class TypeState {
        final String type;
        final boolean served;
        boolean wildcard;
        final Set<String> names = new HashSet<>();
        final Map<String, String> clientVersions = new HashMap<>();
        final Set<String> pending = new LinkedHashSet<>();
        boolean answerOwed;
        final Map<String, Long> inFlight = new LinkedHashMap<>();
        long ackedGeneration = -1;
        String ackedNonce = "";
        long acks;
        long nacks;
        long staleNonces;
        Nack lastNack;

        TypeState(String type, boolean served) {
            this.type = type;
            this.served = served;
        }

        boolean subscribed(String name) {
            return wildcard || names.contains(name);
        }
    }

    record Nack(String nonce, String message, Instant at) {
    }

    @Override
    public synchronized void onNext(DeltaDiscoveryRequest request) {
        if (closed) {
            return;
        }
        String type = request.getTypeUrl();
        List<String> names = new ArrayList<>(request.getResourceNamesSubscribeList());
        names.addAll(request.getResourceNamesUnsubscribeList());
        Status refused = RequestLimits.check(type, names, true);
        if (refused != null) {
            fail(refused);
            return;
        }
        if (request.hasNode() && node.isEmpty()) {
            Status foreign = NodeCluster.check(request.getNode().getMetadata(), state.current().clusterId());
            if (foreign != null) {
                fail(foreign);
                return;
            }
            node = request.getNode().getId();
            nodeMetadata = request.getNode().getMetadata();
            istioVersion = AdsMetrics.istioVersion(request.getNode().getMetadata());
            meters.clientConnected(istioVersion);
        }
        TypeState subscription = types.get(type);
        if (subscription == null) {
            if (EnvoyResources.TYPES.contains(type) && envoyClient == null) {
                try {
                    envoyClient = EnvoyClient.resolve(node, nodeMetadata, peer);
                    log.info("xDS client {} is served the Envoy resources of {}", this, envoyClient.scope());
                } catch (EnvoyClient.StatusException e) {
                    fail(e.status);
                    return;
                }
            }
            subscribe(type, request);
        } else {
            if (!request.getResponseNonce().isEmpty()) {
                acknowledge(type, subscription, request);
            }
            changeSubscription(subscription, request);
        }
        flush();
    }

    private void subscribe(String type, DeltaDiscoveryRequest request) {
        TypeState subscription = new TypeState(type, true);
        types.put(type, subscription);
        subscription.wildcard = request.getResourceNamesSubscribeList().isEmpty()
                || request.getResourceNamesSubscribeList().contains("*");
        request.getResourceNamesSubscribeList().stream().filter(n -> !"*".equals(n)).forEach(subscription.names::add);
        subscription.clientVersions.putAll(request.getInitialResourceVersionsMap());
        subscription.pending.addAll(visible(state.current(), type).keySet());
        subscription.pending.addAll(request.getInitialResourceVersionsMap().keySet());
        subscription.answerOwed = true; // the first response tells the client it is in sync, even if empty
        log.info("xDS client {} subscribed to {} ({}, announcing {} resources it has)", this, XdsTypes.shortName(type),
                subscription.wildcard ? "wildcard" : subscription.names.size() + " names", request.getInitialResourceVersionsCount());
    }

    private void acknowledge(String type, TypeState subscription, DeltaDiscoveryRequest request) {
        String nonce = request.getResponseNonce();
        Long generation = subscription.inFlight.remove(nonce);
        if (generation == null) {
            subscription.staleNonces++;
            log.debug("xDS client {} answered unknown or superseded nonce {} for {}; ignored", this, nonce, type);
            return;
        }
        if (request.hasErrorDetail()) {
            subscription.nacks++;
            meters.rejected(type);
            subscription.lastNack = new Nack(nonce, request.getErrorDetail().getMessage(), Instant.now());
            log.warn("xDS NACK from {} for {} (nonce {}, generation {}): {}", this, XdsTypes.shortName(type), nonce,
                    generation, request.getErrorDetail().getMessage());
        } else {
            subscription.acks++;
            subscription.ackedNonce = nonce;
            subscription.ackedGeneration = Math.max(subscription.ackedGeneration, generation);
        }
    }

    private void changeSubscription(TypeState subscription, DeltaDiscoveryRequest request) {
        for (String name : request.getResourceNamesSubscribeList()) {
            if ("*".equals(name)) {
                subscription.wildcard = true;
                subscription.pending.addAll(visible(state.current(), subscription.type).keySet());
            } else if (subscription.names.add(name)) {
                subscription.pending.add(name);
            }
        }
        for (String name : request.getResourceNamesUnsubscribeList()) {
            if ("*".equals(name)) {
                subscription.wildcard = false;
            } else {
                subscription.names.remove(name);
                subscription.clientVersions.remove(name); // the client drops it itself
            }
        }
    }

    /** ztunnel's types as they are (any mesh identity may read them); Envoy types only in this client's scope. */
    private Map<String, XdsResource> visible(Generation generation, String type) {
        return EnvoyResources.TYPES.contains(type) ? generation.of(envoyClient.scope(), type) : generation.of(type);
    }

    /** The names that changed in a new generation: reconsider them for this client. */
    @Override
    public synchronized void changed(Map<String, Set<String>> namesByType) {
        namesByType.forEach((type, names) -> {
            TypeState subscription = types.get(type);
            if (subscription != null) {
                subscription.pending.addAll(names);
            }
        });
        flush();
    }

    /** Sends what is owed, in bounded responses, as long as the transport can take them. */
    synchronized void flush() {
        if (closed) {
            return;
        }
        Generation generation = state.current();
        for (var entry : types.entrySet()) {
            String type = entry.getKey();
            TypeState subscription = entry.getValue();
            Map<String, XdsResource> current = visible(generation, type);
            while (!subscription.pending.isEmpty() || subscription.answerOwed) {
                if (!responses.isReady()) {
                    return; // resumed by the on-ready handler; pending names keep merging meanwhile
                }
                long started = System.nanoTime();
                DeltaDiscoveryResponse.Builder response = DeltaDiscoveryResponse.newBuilder()
                        .setTypeUrl(type)
                        .setSystemVersionInfo(Long.toString(generation.number()));
                Iterator<String> names = subscription.pending.iterator();
                while (names.hasNext() && response.getResourcesCount() + response.getRemovedResourcesCount() < MAX_RESOURCES_PER_RESPONSE) {
                    String name = names.next();
                    names.remove();
                    XdsResource resource = current.get(name);
                    String has = subscription.clientVersions.get(name);
                    if (resource != null && subscription.subscribed(name)) {
                        if (!resource.version().equals(has)) {
                            response.addResources(Resource.newBuilder().setName(name).setVersion(resource.version())
                                    .setResource(resource.body()));
                            subscription.clientVersions.put(name, resource.version());
                        }
                    } else if (has != null) {
                        response.addRemovedResources(name);
                        subscription.clientVersions.remove(name);
                    }
                }
                if (response.getResourcesCount() == 0 && response.getRemovedResourcesCount() == 0 && !subscription.answerOwed) {
                    continue;
                }
                subscription.answerOwed = false;
                String nonce = Long.toString(++nonces);
                response.setNonce(nonce);
                subscription.inFlight.put(nonce, generation.number());
                if (subscription.inFlight.size() > MAX_IN_FLIGHT) {
                    subscription.inFlight.remove(subscription.inFlight.keySet().iterator().next());
                }
                DeltaDiscoveryResponse built = response.build();
                responses.onNext(built);
                meters.pushed(type, System.nanoTime() - started, built.getSerializedSize());
            }
        }
    }

    private void fail(Status status) {
        log.warn("closing xDS stream of {}: {}", this, status.getDescription());
        closed = true;
        responses.onError(status.asRuntimeException());
        onClose.run();
    }

    @Override
    public void onError(Throwable error) {
        closed();
    }

    @Override
    public void onCompleted() {
        synchronized (this) {
            if (!closed) {
                responses.onCompleted();
            }
        }
        closed();
    }

    private synchronized void closed() {
        if (!closed) {
            closed = true;
            log.info("xDS client {} disconnected", this);
        }
        onClose.run();
    }

    /** Ends the stream from the server side (shutdown): the client reconnects elsewhere or later. */
    @Override
    public synchronized void close(Status status) {
        if (!closed) {
            closed = true;
            responses.onError(status.asRuntimeException());
        }
    }

    @Override
    public long id() {
        return id;
    }

    /** A read-only view for the debug endpoint. */
    @Override
    public String istioVersion() {
        return istioVersion;
    }

    @Override
    public synchronized ClientStatus status() {
        Map<String, ClientStatus.TypeStatus> byType = new TreeMap<>();
        types.forEach((type, s) -> byType.put(XdsTypes.shortName(type), new ClientStatus.TypeStatus(
                s.served, s.wildcard ? List.of("*") : List.copyOf(new java.util.TreeSet<>(s.names)), s.clientVersions.size(),
                s.ackedGeneration, s.ackedNonce, s.acks, s.nacks, s.staleNonces, s.pending.size(),
                s.lastNack == null ? null : new ClientStatus.NackStatus(s.lastNack.nonce(), s.lastNack.message(), s.lastNack.at().toString()))));
        return new ClientStatus(id, peer, node, remote, connectedAt.toString(), byType);
    }

    @Override
    public String toString() {
        return "#" + id + " " + peer + (node.isEmpty() ? "" : " node " + EnvoyClient.quote(node)) + " from " + remote;
    }

    /** For tests and the debug view: names this client is believed to have. */
    synchronized List<String> clientHas(String type) {
        TypeState s = types.get(type);
        return s == null ? List.of() : new ArrayList<>(s.clientVersions.keySet());
    }
}
