package io.ambit.xds.ads;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import io.ambit.xds.state.EnvoyResources;
import io.ambit.xds.state.Generation;
import io.ambit.xds.state.XdsResource;
import io.ambit.xds.state.XdsState;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client's state-of-the-world ADS stream (grpc-java's xDS client, Envoy without delta), for the
 * Envoy types only. As the xDS protocol allows, Listener and Cluster responses carry every
 * resource the client subscribed to (a missing one means removed), RouteConfiguration and
 * ClusterLoadAssignment responses only the ones that changed for this client (a removal there
 * follows from the Listener or Cluster that named it). So a changed route costs one
 * RouteConfiguration on the wire.
 *
 * <p>A request whose nonce is not the last one sent for its type is stale and ignored, as istiod
 * does: the client answers the newest response anyway. A NACK is logged and counted; the client
 * keeps its last good version and the same content is not sent again (only a later change is).
 */
final class SotwConnection implements StreamObserver<DiscoveryRequest>, AdsStream {

    private static final Logger log = LoggerFactory.getLogger(SotwConnection.class);

    private final long id;
    private final String peer;
    private final String remote;
    private final Instant connectedAt = Instant.now();
    private final ServerCallStreamObserver<DiscoveryResponse> responses;
    private final XdsState state;
    private final Runnable onClose;
    private final AdsMetrics meters;
    private final Map<String, TypeState> types = new LinkedHashMap<>();
    private String node = "";
    /** Set with the node (first request naming it): its {@code pilot_xds} version label. */
    private volatile String istioVersion;
    private EnvoyClient client;
    private long nonces;
    private boolean closed;

    SotwConnection(long id, String peer, String remote, ServerCallStreamObserver<DiscoveryResponse> responses, XdsState state,
            Runnable onClose, AdsMetrics meters) {
        this.id = id;
        this.peer = peer;
        this.remote = remote;
        this.responses = responses;
        this.state = state;
        this.onClose = onClose;
        this.meters = meters;
        responses.setOnReadyHandler(this::flush);
        responses.setOnCancelHandler(this::closed);
    }

    private static final class TypeState {
        final String type;
        /** Listener and Cluster: every response is the whole set. */
        final boolean fullState;
        Set<String> names = new HashSet<>();
        boolean wildcard;
        /** What was last sent, name → version: what the client has, or rejected. */
        final Map<String, String> sent = new HashMap<>();
        final Set<String> pending = new LinkedHashSet<>();
        boolean answerOwed;
        String lastNonce = "";
        long lastGeneration = -1;
        String ackedVersion = "";
        long ackedGeneration = -1;
        String ackedNonce = "";
        long acks;
        long nacks;
        long staleNonces;
        AdsConnection.Nack lastNack;

        TypeState(String type) {
            this.type = type;
            this.fullState = type.equals(EnvoyResources.LISTENER) || type.equals(EnvoyResources.CLUSTER);
        }

        boolean subscribed(String name) {
            return wildcard || names.contains(name);
        }
    }

    @Override
    public synchronized void onNext(DiscoveryRequest request) {
        if (closed) {
            return;
        }
        String type = request.getTypeUrl();
        Status refused = RequestLimits.check(type, request.getResourceNamesList(), false);
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
            istioVersion = AdsMetrics.istioVersion(request.getNode().getMetadata());
            meters.clientConnected(istioVersion);
            try {
                client = EnvoyClient.resolve(node, request.getNode().getMetadata(), peer);
                log.info("xDS client {} (state of the world) is served the Envoy resources of {}", this, client.scope());
            } catch (EnvoyClient.StatusException e) {
                fail(e.status);
                return;
            }
        }
        if (client == null) {
            fail(Status.INVALID_ARGUMENT.withDescription("the first DiscoveryRequest must carry the node"));
            return;
        }
        TypeState subscription = types.get(type);
        String nonce = request.getResponseNonce();
        if (subscription == null || nonce.isEmpty()) {
            subscription = new TypeState(type); // a first request, or the client starting over
            types.put(type, subscription);
            setNames(subscription, request.getResourceNamesList());
            subscription.pending.addAll(visible(state.current(), type).keySet());
            subscription.answerOwed = true;
            log.info("xDS client {} subscribed to {} ({})", this, type,
                    subscription.wildcard ? "wildcard" : subscription.names.size() + " names");
        } else if (!nonce.equals(subscription.lastNonce)) {
            subscription.staleNonces++;
            log.debug("xDS client {} answered superseded nonce {} for {}; ignored", this, nonce, type);
            return;
        } else {
            acknowledge(subscription, request);
            changeNames(subscription, request.getResourceNamesList());
        }
        flush();
    }

    /** SotW names replace the previous list: newly named resources are owed, dropped ones forgotten. */
    private void changeNames(TypeState subscription, List<String> names) {
        Set<String> before = subscription.wildcard ? null : Set.copyOf(subscription.names);
        boolean wasWildcard = subscription.wildcard;
        setNames(subscription, names);
        if (wasWildcard == subscription.wildcard && (before == null || before.equals(subscription.names))) {
            return;
        }
        for (String name : subscription.names) {
            if (before == null || !before.contains(name)) {
                subscription.pending.add(name);
            }
        }
        if (subscription.wildcard) {
            subscription.pending.addAll(visible(state.current(), subscription.type).keySet());
        }
        subscription.sent.keySet().removeIf(name -> !subscription.subscribed(name));
        subscription.answerOwed |= subscription.fullState;
    }

    /** An empty list is the legacy wildcard for Listener and Cluster only; for the others it means none. */
    private static void setNames(TypeState subscription, List<String> names) {
        subscription.wildcard = names.contains("*") || (subscription.fullState && names.isEmpty());
        subscription.names = new HashSet<>(names);
        subscription.names.remove("*");
    }

    private void acknowledge(TypeState subscription, DiscoveryRequest request) {
        if (request.hasErrorDetail()) {
            subscription.nacks++;
            meters.rejected(subscription.type);
            subscription.lastNack = new AdsConnection.Nack(request.getResponseNonce(), request.getErrorDetail().getMessage(), Instant.now());
            log.warn("xDS NACK from {} for {} (nonce {}, generation {}; it keeps version {}): {}", this, subscription.type,
                    request.getResponseNonce(), subscription.lastGeneration, request.getVersionInfo(),
                    request.getErrorDetail().getMessage());
        } else {
            subscription.acks++;
            subscription.ackedVersion = request.getVersionInfo();
            subscription.ackedNonce = request.getResponseNonce();
            subscription.ackedGeneration = Math.max(subscription.ackedGeneration, subscription.lastGeneration);
        }
    }

    private Map<String, XdsResource> visible(Generation generation, String type) {
        return generation.of(client.scope(), type);
    }

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

    synchronized void flush() {
        if (closed) {
            return;
        }
        Generation generation = state.current();
        for (TypeState subscription : types.values()) {
            if (subscription.pending.isEmpty() && !subscription.answerOwed) {
                continue;
            }
            if (!responses.isReady()) {
                return; // resumed by the on-ready handler
            }
            Map<String, XdsResource> current = visible(generation, subscription.type);
            boolean changed = false;
            for (String name : subscription.pending) {
                XdsResource resource = subscription.subscribed(name) ? current.get(name) : null;
                String has = subscription.sent.get(name);
                if (resource == null ? has != null : !resource.version().equals(has)) {
                    changed = true;
                    break;
                }
            }
            if (!changed && !subscription.answerOwed) {
                subscription.pending.clear();
                continue;
            }
            long started = System.nanoTime();
            DiscoveryResponse.Builder response = DiscoveryResponse.newBuilder().setTypeUrl(subscription.type)
                    .setVersionInfo(Long.toString(generation.number()));
            if (subscription.fullState) {
                subscription.sent.clear();
                new TreeMap<>(current).forEach((name, resource) -> {
                    if (subscription.subscribed(name)) {
                        response.addResources(resource.body());
                        subscription.sent.put(name, resource.version());
                    }
                });
            } else {
                for (String name : new TreeSet<>(subscription.pending)) {
                    XdsResource resource = subscription.subscribed(name) ? current.get(name) : null;
                    if (resource == null) {
                        subscription.sent.remove(name);
                    } else if (!resource.version().equals(subscription.sent.get(name))) {
                        response.addResources(resource.body());
                        subscription.sent.put(name, resource.version());
                    }
                }
            }
            subscription.pending.clear();
            subscription.answerOwed = false;
            subscription.lastNonce = Long.toString(++nonces);
            subscription.lastGeneration = generation.number();
            DiscoveryResponse built = response.setNonce(subscription.lastNonce).build();
            responses.onNext(built);
            meters.pushed(subscription.type, System.nanoTime() - started, built.getSerializedSize());
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

    @Override
    public String istioVersion() {
        return istioVersion;
    }

    @Override
    public synchronized ClientStatus status() {
        Map<String, ClientStatus.TypeStatus> byType = new TreeMap<>();
        types.forEach((type, s) -> byType.put(io.ambit.xdsclient.XdsTypes.shortName(type), new ClientStatus.TypeStatus(true,
                s.wildcard ? List.of("*") : List.copyOf(new TreeSet<>(s.names)), s.sent.size(), s.ackedGeneration, s.ackedNonce,
                s.acks, s.nacks, s.staleNonces, s.pending.size(),
                s.lastNack == null ? null : new ClientStatus.NackStatus(s.lastNack.nonce(), s.lastNack.message(), s.lastNack.at().toString()))));
        return new ClientStatus(id, peer, node, remote, connectedAt.toString(), byType);
    }

    @Override
    public String toString() {
        return "#" + id + " " + peer + (node.isEmpty() ? "" : " node " + EnvoyClient.quote(node)) + " from " + remote;
    }

    /** For tests: names this client is believed to have. */
    synchronized List<String> clientHas(String type) {
        TypeState s = types.get(type);
        return s == null ? List.of() : new ArrayList<>(s.sent.keySet());
    }
}
