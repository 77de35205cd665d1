package io.ambit.waypoint.config;

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
 */
public record WaypointSnapshot(Map<InetSocketAddress, ServiceChain> byAddress, Map<String, RouteTable> routes,
                               Map<String, ClusterEndpoints> clusters) {

    public static final WaypointSnapshot EMPTY = new WaypointSnapshot(Map.of(), Map.of(), Map.of());

    public WaypointSnapshot {
        byAddress = Map.copyOf(byAddress);
        routes = Map.copyOf(routes);
        clusters = Map.copyOf(clusters);
    }

    public Optional<ServiceChain> chain(InetSocketAddress target) {
        return Optional.ofNullable(byAddress.get(target));
    }

    public Optional<RouteTable> routeTable(String name) {
        return Optional.ofNullable(routes.get(name));
    }

    public Optional<ClusterEndpoints> cluster(String name) {
        return Optional.ofNullable(clusters.get(name));
    }
}
