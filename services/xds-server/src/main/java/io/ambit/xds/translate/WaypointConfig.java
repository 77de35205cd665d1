package io.ambit.xds.translate;

import java.util.List;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;

/**
 * Everything one waypoint gets, as Envoy v3 resources, each list sorted by name. Names follow
 * istiod's proxyless-gRPC generator ({@code pilot/pkg/networking/grpcgen}), so that a grpc-java
 * xDS client and the waypoint read the same resources: Listener {@code <host>:<port>} (an
 * {@code api_listener} with the service VIP as address), RouteConfiguration and Cluster and
 * ClusterLoadAssignment {@code outbound|<port>||<host>}.
 *
 * @param waypoint {@code namespace/name} of the waypoint Gateway
 */
public record WaypointConfig(String waypoint, List<Listener> listeners, List<RouteConfiguration> routes, List<Cluster> clusters,
                             List<ClusterLoadAssignment> endpoints) {

    public WaypointConfig {
        listeners = List.copyOf(listeners);
        routes = List.copyOf(routes);
        clusters = List.copyOf(clusters);
        endpoints = List.copyOf(endpoints);
    }
}
