package io.ambit.xds.translate;

import java.util.List;

import io.ambit.gatewayapi.envoy.RouteProblem;
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
 * <p>Beside the resources, what translating this waypoint found out for status: the routes it
 * applies and the problems met converting them, and its findings. Status is worked out from these
 * ({@link WaypointL7Translator#statuses}), so a waypoint kept from an earlier translation is not
 * translated again for status either.
 *
 * @param waypoint {@code namespace/name} of the waypoint Gateway
 * @param attachments each route parent this waypoint applies, in the order met
 * @param findings what translating this waypoint reported (policies, VirtualServices, DestinationRules)
 */
public record WaypointConfig(String waypoint, List<Listener> listeners, List<RouteConfiguration> routes, List<Cluster> clusters,
                             List<ClusterLoadAssignment> endpoints, List<Attachment> attachments, List<Finding> findings) {

    public WaypointConfig {
        listeners = List.copyOf(listeners);
        routes = List.copyOf(routes);
        clusters = List.copyOf(clusters);
        endpoints = List.copyOf(endpoints);
        attachments = List.copyOf(attachments);
        findings = List.copyOf(findings);
    }

    /**
     * A route's parent ({@code parentRefs[parent]}) this waypoint applies, and the problems met
     * converting the route for one of its service ports.
     *
     * @param route {@code kind/namespace/name}
     */
    public record Attachment(String route, int parent, List<RouteProblem> problems) {
        public Attachment {
            problems = List.copyOf(problems);
        }
    }
}
