package io.ambit.xds.state;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import io.ambit.gatewayapi.istio.IstioSpecs;
import io.ambit.gatewayapi.v1.GRPCRouteSpec;
import io.ambit.gatewayapi.v1.GatewayApi;
import io.ambit.gatewayapi.v1.HTTPRouteSpec;
import io.ambit.gatewayapi.v1.ParentReference;
import io.ambit.xds.store.KubeYamlParser;
import io.ambit.xds.store.LocalConfigStore;
import io.ambit.xds.store.ResourceKey;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Service;

/**
 * The parents that changed HTTPRoutes and GRPCRoutes name, in their old and their new form: the
 * only waypoints such a change can alter are those Gateways and the waypoints of those Services (a
 * route attaches to nothing else), so the others need no translation. Values: {@code namespace/name}.
 */
record RouteParents(Set<String> gateways, Set<String> services) {

    static final Set<String> KINDS = Set.of("HTTPRoute", "GRPCRoute");

    RouteParents {
        gateways = Set.copyOf(gateways);
        services = Set.copyOf(services);
    }

    /**
     * The parents of the routes {@code changed} names, as {@code before} and {@code after} hold them;
     * empty when some object cannot be read as a route (the caller then translates every waypoint).
     */
    static Optional<RouteParents> of(Set<ResourceKey> changed, LocalConfigStore.Snapshot before, LocalConfigStore.Snapshot after) {
        Set<String> gateways = new HashSet<>();
        Set<String> services = new HashSet<>();
        for (ResourceKey key : changed) {
            if (!KINDS.contains(key.kind())) {
                return Optional.empty();
            }
            for (LocalConfigStore.Snapshot snapshot : List.of(before, after)) {
                KubeYamlParser.Parsed parsed = snapshot.objects().get(key);
                if (parsed == null) {
                    continue; // created or deleted: its other form names the parents
                }
                if (!(parsed.object() instanceof GenericKubernetesResource route)) {
                    return Optional.empty();
                }
                List<ParentReference> parents;
                try {
                    Object spec = route.getAdditionalProperties().get("spec");
                    parents = key.kind().equals("HTTPRoute") ? IstioSpecs.bind(spec, HTTPRouteSpec.class).parentRefs()
                            : IstioSpecs.bind(spec, GRPCRouteSpec.class).parentRefs();
                } catch (IllegalArgumentException e) {
                    return Optional.empty(); // the translator reports it; who it attached to is unknown
                }
                for (ParentReference parent : parents) {
                    String name = (parent.namespace() == null ? key.namespace() : parent.namespace()) + "/" + parent.name();
                    if (parent.isService()) {
                        services.add(name);
                    } else if (GatewayApi.GROUP.equals(parent.groupOrDefault()) && "Gateway".equals(parent.kindOrDefault())) {
                        gateways.add(name);
                    }
                }
            }
        }
        return Optional.of(new RouteParents(gateways, services));
    }

    /** Whether a waypoint ({@code namespace/name}, serving {@code bound}) is one such a change can alter. */
    boolean touches(String waypoint, List<Service> bound) {
        return gateways.contains(waypoint)
                || bound.stream().anyMatch(s -> services.contains(s.getMetadata().getNamespace() + "/" + s.getMetadata().getName()));
    }
}
