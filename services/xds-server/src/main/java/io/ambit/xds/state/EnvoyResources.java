package io.ambit.xds.state;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.ambit.xds.translate.MeshInputs;
import io.ambit.xds.translate.WaypointConfig;
import io.ambit.xds.translate.WaypointL7Translator;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;

/**
 * The Envoy resources of one generation, per scope: each programmed waypoint ({@code namespace/name})
 * gets exactly its own Listener, RouteConfiguration, Cluster and ClusterLoadAssignment resources,
 * and {@link #PROXYLESS} (proxyless gRPC clients) gets the union of all of them without the RBAC
 * filters (authorization is the server side's job; a client has nothing to enforce). Immutable.
 *
 * <p>{@code configs} are the waypoints' translations these resources come from, kept so that status
 * ({@link WaypointL7Translator#statuses}) and the debug view use them instead of translating every
 * waypoint again: after a route change only the waypoints it touched are new.
 */
public record EnvoyResources(Map<String, Map<String, Map<String, XdsResource>>> scopes, Map<String, WaypointConfig> configs) {

    public static final String LISTENER = io.ambit.xdsclient.XdsTypes.LISTENER;
    public static final String ROUTE = io.ambit.xdsclient.XdsTypes.ROUTE;
    public static final String CLUSTER = io.ambit.xdsclient.XdsTypes.CLUSTER;
    public static final String ENDPOINT = io.ambit.xdsclient.XdsTypes.ENDPOINT;
    public static final List<String> TYPES = List.of(LISTENER, ROUTE, CLUSTER, ENDPOINT);
    /** The scope of proxyless gRPC clients; not a valid {@code namespace/name}, so no waypoint can have it. */
    public static final String PROXYLESS = "*proxyless";
    static final String RBAC_FILTER = "envoy.filters.http.rbac";

    public static final EnvoyResources NONE = new EnvoyResources(Map.of(), Map.of());

    public EnvoyResources {
        Map<String, Map<String, Map<String, XdsResource>>> copy = new LinkedHashMap<>();
        scopes.forEach((scope, types) -> {
            Map<String, Map<String, XdsResource>> byType = new LinkedHashMap<>();
            types.forEach((type, resources) -> byType.put(type, Map.copyOf(resources)));
            copy.put(scope, Map.copyOf(byType));
        });
        scopes = Map.copyOf(copy);
        configs = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(configs));
    }

    /** The resources of one type a scope may see; empty for an unknown scope. */
    public Map<String, XdsResource> of(String scope, String type) {
        return scopes.getOrDefault(scope, Map.of()).getOrDefault(type, Map.of());
    }

    public boolean isEmpty() {
        return scopes.isEmpty();
    }

    /** Translates every waypoint's L7 configuration (the same translation the debug view shows). */
    public static EnvoyResources translate(MeshInputs inputs) {
        return from(WaypointL7Translator.translate(inputs).waypoints());
    }

    static EnvoyResources from(Map<String, WaypointConfig> waypoints) {
        if (waypoints.isEmpty()) {
            return NONE;
        }
        Map<String, Map<String, Map<String, XdsResource>>> scopes = new LinkedHashMap<>();
        Map<String, Map<String, XdsResource>> proxyless = emptyScope();
        waypoints.forEach((name, config) -> scopes.put(name, translated(config, proxyless)));
        scopes.put(PROXYLESS, proxyless);
        return new EnvoyResources(scopes, waypoints);
    }

    /**
     * After a window in which only HTTPRoutes, GRPCRoutes, VirtualServices and DestinationRules
     * changed: only the waypoints a change can alter ({@link RouteParents}: a route's Gateway
     * parents or the waypoint of a Service parent, the waypoints serving a VirtualService's hosts,
     * those with a cluster of a DestinationRule's host; before or after the change) are translated again. Every other waypoint keeps its resources as
     * they were (the same objects, so the same versions), and so do the proxyless scope's entries
     * derived from them. Equal to {@link #translate} of the same inputs (EnvoyResourcesTest checks it).
     */
    static EnvoyResources retranslate(EnvoyResources before, MeshInputs inputs, RouteParents parents) {
        WaypointL7Translator.Partial partial = WaypointL7Translator.translateOnly(inputs,
                (name, services) -> !before.configs.containsKey(name) || parents.touches(name, services,
                        before.configs.get(name).clusters().stream().map(io.envoyproxy.envoy.config.cluster.v3.Cluster::getName).toList(),
                        inputs.clusterDomain()));
        if (partial.programmed().isEmpty()) {
            return NONE;
        }
        Map<String, Map<String, XdsResource>> previousProxyless = before.scopes.getOrDefault(PROXYLESS, Map.of());
        Map<String, Map<String, Map<String, XdsResource>>> scopes = new LinkedHashMap<>();
        Map<String, WaypointConfig> configs = new LinkedHashMap<>();
        Map<String, Map<String, XdsResource>> proxyless = emptyScope();
        for (String name : partial.programmed()) {
            WaypointConfig config = partial.translated().get(name);
            if (config != null) {
                scopes.put(name, translated(config, proxyless));
                configs.put(name, config);
                continue;
            }
            Map<String, Map<String, XdsResource>> kept = before.scopes.get(name);
            scopes.put(name, kept);
            configs.put(name, before.configs.get(name));
            kept.forEach((type, resources) -> resources.forEach((resourceName, resource) -> {
                XdsResource derived = previousProxyless.getOrDefault(type, Map.of()).get(resourceName);
                proxyless.get(type).put(resourceName, derived != null ? derived : forProxyless(type, resource));
            }));
        }
        scopes.put(PROXYLESS, proxyless);
        return new EnvoyResources(scopes, configs);
    }

    private static Map<String, Map<String, XdsResource>> emptyScope() {
        Map<String, Map<String, XdsResource>> scope = new LinkedHashMap<>();
        TYPES.forEach(type -> scope.put(type, new LinkedHashMap<>()));
        return scope;
    }

    /** One waypoint's own resources; adds what proxyless clients see of them to {@code proxyless}. */
    private static Map<String, Map<String, XdsResource>> translated(WaypointConfig config, Map<String, Map<String, XdsResource>> proxyless) {
        Map<String, Map<String, XdsResource>> own = emptyScope();
        config.listeners().forEach(l -> {
            own.get(LISTENER).put(l.getName(), XdsResource.of(l.getName(), l));
            proxyless.get(LISTENER).put(l.getName(), XdsResource.of(l.getName(), withoutRbac(l)));
        });
        config.routes().forEach(r -> own.get(ROUTE).put(r.getName(), XdsResource.of(r.getName(), r)));
        config.clusters().forEach(c -> own.get(CLUSTER).put(c.getName(), XdsResource.of(c.getName(), c)));
        config.endpoints().forEach(e -> own.get(ENDPOINT).put(e.getClusterName(), XdsResource.of(e.getClusterName(), e)));
        config.routes().forEach(r -> proxyless.get(ROUTE).put(r.getName(), XdsResource.of(r.getName(), forGrpc(r))));
        for (String type : List.of(CLUSTER, ENDPOINT)) {
            proxyless.get(type).putAll(own.get(type)); // same name, same content: derived from the name's service alone
        }
        return own;
    }

    /** What a proxyless client sees of a waypoint's resource (when the previous generation has no derived copy). */
    private static XdsResource forProxyless(String type, XdsResource resource) {
        try {
            return switch (type) {
                case LISTENER -> XdsResource.of(resource.name(), withoutRbac(resource.body().unpack(Listener.class)));
                case ROUTE -> XdsResource.of(resource.name(),
                        forGrpc(resource.body().unpack(io.envoyproxy.envoy.config.route.v3.RouteConfiguration.class)));
                default -> resource;
            };
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("a translated " + type + " does not unpack: " + resource.name(), e);
        }
    }

    /**
     * grpc-java's xDS client knows the path matches {@code prefix}, {@code path} and {@code safe_regex}
     * only (gRFC A28) and rejects a route table with {@code path_separated_prefix}. A gRPC path is
     * always {@code /service/method}, so prefix {@code X/} matches exactly what
     * {@code path_separated_prefix X} does for it.
     */
    static io.envoyproxy.envoy.config.route.v3.RouteConfiguration forGrpc(io.envoyproxy.envoy.config.route.v3.RouteConfiguration config) {
        var builder = config.toBuilder();
        for (var host : builder.getVirtualHostsBuilderList()) {
            for (var route : host.getRoutesBuilderList()) {
                if (route.getMatch().hasPathSeparatedPrefix()) {
                    route.getMatchBuilder().setPrefix(route.getMatch().getPathSeparatedPrefix() + "/");
                }
            }
        }
        return builder.build();
    }

    private static Listener withoutRbac(Listener listener) {
        if (!listener.hasApiListener()) {
            return listener;
        }
        try {
            Any packed = listener.getApiListener().getApiListener();
            HttpConnectionManager hcm = packed.unpack(HttpConnectionManager.class);
            HttpConnectionManager.Builder stripped = hcm.toBuilder().clearHttpFilters();
            hcm.getHttpFiltersList().stream().filter(f -> !RBAC_FILTER.equals(f.getName())).forEach(stripped::addHttpFilters);
            return listener.toBuilder().setApiListener(listener.getApiListener().toBuilder().setApiListener(Any.pack(stripped.build())))
                    .build();
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("a translated listener carries no HttpConnectionManager: " + listener.getName(), e);
        }
    }

    /** Per type, the names whose version differs in some scope between two generations: what to reconsider. */
    static Map<String, Set<String>> changedNames(EnvoyResources before, EnvoyResources after) {
        Map<String, Set<String>> changed = new LinkedHashMap<>();
        Set<String> scopeNames = new HashSet<>(before.scopes.keySet());
        scopeNames.addAll(after.scopes.keySet());
        for (String scope : scopeNames) {
            for (String type : TYPES) {
                ResourceDiff diff = ResourceDiff.between(before.of(scope, type), after.of(scope, type));
                if (!diff.isEmpty()) {
                    Set<String> names = changed.computeIfAbsent(type, t -> new HashSet<>());
                    names.addAll(diff.removed());
                    diff.changed().forEach(r -> names.add(r.name()));
                }
            }
        }
        return changed;
    }
}
