package io.ambit.waypoint.config;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;

import io.ambit.l7.route.RouteTable;

/**
 * Everything the data path reads, immutable: built whole from the latest xDS resources and
 * swapped in one reference, so a request sees one consistent configuration from start to end.
 *
 * @param byAddress service chains by the tunnel target they serve: {@code VIP:port} (the listener's
 *                  address) and each endpoint's {@code podIP:targetPort} (workload-addressed traffic)
 * @param routes    compiled route tables by RouteConfiguration name
 * @param clusters  clusters with their endpoints by name; a cluster without a ClusterLoadAssignment has none
 * @param byWorkload workload-addressed chains by pod IP (pods bound to a waypoint for workloads: any port)
 */
public record WaypointSnapshot(Map<InetSocketAddress, ServiceChain> byAddress, Map<String, RouteTable> routes,
                               Map<String, ClusterEndpoints> clusters, Map<InetAddress, ServiceChain> byWorkload) {

    public static final WaypointSnapshot EMPTY = new WaypointSnapshot(Map.of(), Map.of(), Map.of(), Map.of());

    public WaypointSnapshot {
        byAddress = Map.copyOf(byAddress);
        routes = Map.copyOf(routes);
        clusters = Map.copyOf(clusters);
        byWorkload = Map.copyOf(byWorkload);
    }

    /** The chain for a CONNECT target: a service's {@code VIP:port} or endpoint first, else a bound workload's IP on any port. */
    public Optional<ServiceChain> chain(InetSocketAddress target) {
        ServiceChain exact = byAddress.get(target);
        return Optional.ofNullable(exact != null ? exact : byWorkload.get(target.getAddress()));
    }

    public Optional<RouteTable> routeTable(String name) {
        return Optional.ofNullable(routes.get(name));
    }

    public Optional<ClusterEndpoints> cluster(String name) {
        return Optional.ofNullable(clusters.get(name));
    }
}
