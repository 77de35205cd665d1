package io.ambit.waypoint.config;

import java.net.InetSocketAddress;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import io.ambit.identity.SpiffeId;
import io.ambit.l7.route.RouteTable;
import io.ambit.xdsclient.DeltaAdsClient;
import io.ambit.xdsclient.XdsTypes;
import io.ambit.xdsclient.XdsUpdate;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;

/**
 * The waypoint's xDS state: the delta ADS handler for the four Envoy types. Each resource is
 * compiled on arrival (a bad one is NACKed and the previous version kept); after every applied
 * response a new {@link WaypointSnapshot} is built and published in one volatile write.
 * {@link #complete()} says whether every type has been answered once (readiness).
 */
public final class WaypointConfigStore implements DeltaAdsClient.Handler {

    private final Map<String, ResourceCompiler.CompiledListener> listeners = new HashMap<>();
    private final Map<String, RouteTable> routes = new HashMap<>();
    private final Map<String, ClusterPolicy> clusters = new HashMap<>();
    private final Map<String, Map<InetSocketAddress, SpiffeId>> endpoints = new HashMap<>();
    private final Map<String, io.ambit.proto.workload.Address> addresses = new HashMap<>();
    private volatile PeerIndex peers = PeerIndex.EMPTY;
    private final Set<String> answered = new HashSet<>();
    private final List<Consumer<WaypointSnapshot>> listenersOfSnapshots = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile WaypointSnapshot snapshot = WaypointSnapshot.EMPTY;
    private volatile boolean complete;

    public WaypointSnapshot snapshot() {
        return snapshot;
    }

    /** The mesh's workloads by IP (from {@code istio.workload.Address}), for telemetry's peer labels. */
    public PeerIndex peers() {
        return peers;
    }

    public boolean complete() {
        return complete;
    }

    public void onSnapshot(Consumer<WaypointSnapshot> listener) {
        listenersOfSnapshots.add(listener);
    }

    @Override
    public synchronized List<XdsUpdate.Rejected> apply(XdsUpdate update) {
        List<XdsUpdate.Rejected> rejected = new ArrayList<>();
        String type = update.typeUrl();
        for (String name : update.removed()) {
            switch (type) {
                case XdsTypes.LISTENER -> listeners.remove(name);
                case XdsTypes.ROUTE -> routes.remove(name);
                case XdsTypes.CLUSTER -> clusters.remove(name);
                case XdsTypes.ENDPOINT -> endpoints.remove(name);
                case XdsTypes.ADDRESS -> addresses.remove(name);
                default -> {
                }
            }
        }
        for (XdsUpdate.Resource r : update.updated()) {
            try {
                switch (type) {
                    case XdsTypes.LISTENER -> listeners.put(r.name(), ResourceCompiler.listener(ResourceCompiler.unpack(r.body(), Listener.class)));
                    case XdsTypes.ROUTE -> routes.put(r.name(), ResourceCompiler.routes(ResourceCompiler.unpack(r.body(), RouteConfiguration.class)));
                    case XdsTypes.CLUSTER -> clusters.put(r.name(), ResourceCompiler.clusterPolicy(ResourceCompiler.unpack(r.body(), Cluster.class)));
                    case XdsTypes.ENDPOINT -> endpoints.put(r.name(),
                            ResourceCompiler.endpoints(ResourceCompiler.unpack(r.body(), ClusterLoadAssignment.class)));
                    case XdsTypes.ADDRESS -> addresses.put(r.name(), ResourceCompiler.unpack(r.body(), io.ambit.proto.workload.Address.class));
                    default -> throw new ConfigException("type " + type + " is not one the waypoint subscribes to");
                }
            } catch (ConfigException e) {
                rejected.add(new XdsUpdate.Rejected(r.name(), e.getMessage()));
            }
        }
        answered.add(type);
        if (type.equals(XdsTypes.ADDRESS)) {
            peers = PeerIndex.of(addresses.values()); // telemetry only: the routing snapshot does not change
            return rejected;
        }
        publish();
        return rejected;
    }

    /** For tests and local files: the same compile path as xDS, all types at once. */
    public static WaypointSnapshot build(List<Listener> ls, List<RouteConfiguration> rs, List<Cluster> cs, List<ClusterLoadAssignment> es) {
        WaypointConfigStore store = new WaypointConfigStore();
        ls.forEach(l -> store.listeners.put(l.getName(), ResourceCompiler.listener(l)));
        rs.forEach(r -> store.routes.put(r.getName(), ResourceCompiler.routes(r)));
        cs.forEach(c -> store.clusters.put(c.getName(), ResourceCompiler.clusterPolicy(c)));
        es.forEach(e -> store.endpoints.put(e.getClusterName(), ResourceCompiler.endpoints(e)));
        store.publish();
        return store.snapshot;
    }

    private void publish() {
        Map<InetSocketAddress, ServiceChain> byAddress = new HashMap<>();
        Map<java.net.InetAddress, ServiceChain> byWorkload = new HashMap<>();
        for (ResourceCompiler.CompiledListener l : listeners.values()) {
            if (l.direct()) {
                // no service: telemetry's destination_service is unknown, as for Istio's direct-http chain
                byWorkload.put(l.address().getAddress(), new ServiceChain(l.name(), "unknown", 0, l.authorization(), l.routeConfig(),
                        l.faults(), l.workload(), null));
                continue;
            }
            int colon = l.name().lastIndexOf(':');
            String host = colon < 0 ? l.name() : l.name().substring(0, colon);
            int port = l.address() != null ? l.address().getPort() : parsePort(l.name().substring(colon + 1));
            ServiceChain chain = new ServiceChain(l.name(), host, port, l.authorization(), l.routeConfig(), l.faults(), null, l.tcpCluster(),
                    l.tcpIdleTimeout());
            if (l.address() != null) {
                byAddress.put(l.address(), chain);
            }
            if (l.tcpCluster() != null) {
                for (InetSocketAddress endpoint : endpoints.getOrDefault(l.tcpCluster(), Map.of()).keySet()) {
                    byAddress.putIfAbsent(endpoint, chain);
                }
                continue;
            }
            // workload-addressed traffic: the pods of the listener's own service (its cluster is named as its route table)
            for (InetSocketAddress endpoint : endpoints.getOrDefault(l.routeConfig(), Map.of()).keySet()) {
                byAddress.putIfAbsent(endpoint, chain);
            }
        }
        Map<String, ClusterEndpoints> clusterState = new HashMap<>();
        clusters.forEach((name, policy) -> clusterState.put(name,
                clusterOf(name, endpoints.getOrDefault(name, Map.of()), policy)));
        WaypointSnapshot next = new WaypointSnapshot(byAddress, routes, clusterState, byWorkload);
        snapshot = next;
        complete = answered.containsAll(XdsTypes.ENVOY);
        listenersOfSnapshots.forEach(c -> c.accept(next));
    }

    private static ClusterEndpoints clusterOf(String name, Map<InetSocketAddress, SpiffeId> endpoints, ClusterPolicy policy) {
        return new ClusterEndpoints(name, List.copyOf(endpoints.keySet()), endpoints, policy);
    }

    private static int parsePort(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
