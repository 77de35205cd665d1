package io.ambit.admin.explain;

import java.util.List;
import java.util.Optional;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.ambit.admin.upstream.Upstream;
import io.ambit.admin.upstream.UpstreamException;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import tools.jackson.databind.JsonNode;

/**
 * A waypoint's Envoy listeners and route tables as the xds-server serves them to it
 * ({@code GET /debug/xds/waypoints?name=}, viewer), read when the explainer needs one: the listener
 * of a service port carries the RBAC filters the waypoint enforces and names its route table. Read on demand, not in every snapshot: only an explanation
 * through a waypoint needs it.
 */
public final class WaypointListeners {

    /** The Any types inside a waypoint's listener (DebugController prints with the same ones). */
    private static final JsonFormat.Parser ENVOY_JSON = JsonFormat.parser().ignoringUnknownFields()
            .usingTypeRegistry(JsonFormat.TypeRegistry.newBuilder()
                    .add(io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.getDescriptor())
                    .add(io.envoyproxy.envoy.extensions.filters.http.router.v3.Router.getDescriptor())
                    .add(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.getDescriptor())
                    .add(io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.getDescriptor())
                    .add(io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy.getDescriptor())
                    .add(io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault.getDescriptor())
                    .add(io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate.getDescriptor())
                    .build());

    /** How the explainer asks: the resources of a waypoint ({@code namespace/name}), empty when it has none programmed. */
    @FunctionalInterface
    public interface Lookup {
        Resources resources(String waypoint);
    }

    /** A waypoint's listeners (RBAC filters, route table name) and route tables, as served to it. */
    public record Resources(List<Listener> listeners, List<RouteConfiguration> routes, List<ClusterLoadAssignment> endpoints) {
        public static final Resources NONE = new Resources(List.of(), List.of(), List.of());

        public Resources {
            listeners = List.copyOf(listeners);
            routes = List.copyOf(routes);
            endpoints = List.copyOf(endpoints);
        }

        /**
         * The listeners that serve workload-addressed traffic to {@code ip:port}, as the waypoint
         * maps it: an HTTP listener serves the endpoints of the cluster named as its route table (its
         * own service's pods, {@code WaypointConfigStore.publish}), a TCP listener those of its TCP
         * proxy's cluster. More than one when the pod backs several services on that target port.
         */
        public List<Listener> forEndpoint(String ip, int port) {
            List<Listener> out = new java.util.ArrayList<>();
            for (Listener l : listeners) {
                String table = isTcp(l) ? tcpClusterOf(l) : routeTableOf(l);
                boolean serves = endpoints.stream().filter(e -> e.getClusterName().equals(table))
                        .flatMap(e -> e.getEndpointsList().stream()).flatMap(e -> e.getLbEndpointsList().stream())
                        .map(e -> e.getEndpoint().getAddress().getSocketAddress())
                        .anyMatch(a -> a.getAddress().equals(ip) && a.getPortValue() == port);
                if (serves) {
                    out.add(l);
                }
            }
            return out;
        }

        /** The route table of that name, as served to the waypoint. */
        public Optional<RouteConfiguration> routeTable(String name) {
            return routes.stream().filter(r -> r.getName().equals(name)).findFirst();
        }
    }

    private WaypointListeners() {
    }

    /** The lookup through the xds-server's debug view. */
    public static Lookup from(java.util.function.Function<String, java.net.URI> xds, Upstream upstream) {
        return waypoint -> {
            JsonNode body;
            try {
                body = upstream.getJson("xds-server", xds.apply("/debug/xds/waypoints?name="
                        + java.net.URLEncoder.encode(waypoint, java.nio.charset.StandardCharsets.UTF_8)));
            } catch (UpstreamException e) {
                if (e.status() == 404) {
                    return Resources.NONE; // not programmed: the explanation says so
                }
                throw e;
            }
            return parse(body, waypoint);
        };
    }

    /** The listeners and route tables of {@code waypoint} in the debug view's JSON. */
    public static Resources parse(JsonNode body, String waypoint) {
        for (JsonNode w : body.path("waypoints")) {
            if (!w.path("name").asString().equals(waypoint)) {
                continue;
            }
            List<Listener> listeners = new java.util.ArrayList<>();
            for (JsonNode listener : w.path("listeners")) {
                listeners.add(read(listener, Listener.newBuilder(), waypoint, "listener").build());
            }
            List<RouteConfiguration> routes = new java.util.ArrayList<>();
            for (JsonNode route : w.path("routes")) {
                routes.add(read(route, RouteConfiguration.newBuilder(), waypoint, "route configuration").build());
            }
            List<ClusterLoadAssignment> endpoints = new java.util.ArrayList<>();
            for (JsonNode e : w.path("endpoints")) {
                endpoints.add(read(e, ClusterLoadAssignment.newBuilder(), waypoint, "endpoints").build());
            }
            return new Resources(listeners, routes, endpoints);
        }
        return Resources.NONE;
    }

    private static <B extends com.google.protobuf.Message.Builder> B read(JsonNode json, B builder, String waypoint, String what) {
        try {
            ENVOY_JSON.merge(json.toString(), builder);
        } catch (InvalidProtocolBufferException e) {
            throw new UpstreamException("xds-server", 200, "", "waypoint " + waypoint + "'s " + what + " does not read: " + e.getMessage());
        }
        return builder;
    }

    /** The listener serving {@code host:port}, as the waypoint names them. */
    static Optional<Listener> forService(List<Listener> listeners, String host, int port) {
        return listeners.stream().filter(l -> l.getName().equals(host + ":" + port)).findFirst();
    }

    /** A TCP port's listener (a filter chain with a TCP proxy), not an HTTP one (an {@code api_listener}). */
    static boolean isTcp(Listener l) {
        return !l.hasApiListener() && l.getFilterChainsCount() > 0;
    }

    /** The cluster a TCP listener's TCP proxy names, or empty. */
    static String tcpClusterOf(Listener l) {
        for (var chain : l.getFilterChainsList()) {
            for (var f : chain.getFiltersList()) {
                if (f.getTypedConfig().is(io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy.class)) {
                    try {
                        return f.getTypedConfig().unpack(io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy.class).getCluster();
                    } catch (InvalidProtocolBufferException e) {
                        return "";
                    }
                }
            }
        }
        return "";
    }

    /** The route table a listener names (its HTTP connection manager's RDS {@code route_config_name}), or empty. */
    static String routeTableOf(Listener l) {
        try {
            return l.getApiListener().getApiListener()
                    .unpack(io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.class)
                    .getRds().getRouteConfigName();
        } catch (InvalidProtocolBufferException e) {
            return "";
        }
    }
}
