package io.ambit.xds.state;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import io.ambit.gatewayapi.istio.DestinationRuleSpec;
import io.ambit.gatewayapi.istio.IstioSpecs;
import io.ambit.gatewayapi.istio.VirtualServiceSpec;
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
 * What changed HTTPRoutes, GRPCRoutes, VirtualServices and DestinationRules can alter, from their
 * old and their new form: a route attaches only to its parents (those Gateways, the waypoints of
 * those Services); a VirtualService only to the waypoints serving a host it names; a DestinationRule
 * only to clusters of a host it names, wherever a waypoint has one. The other waypoints need no
 * translation. A ReferenceGrant change is not narrowed: which routes it lets through is known only
 * by converting them, so it translates every waypoint.
 *
 * @param gateways Gateway parents, {@code namespace/name}
 * @param services Service parents, {@code namespace/name}
 * @param virtualServiceHosts the hosts changed VirtualServices name, as FQDNs, {@code *.suffix} or {@code *}
 * @param destinationRuleHosts the hosts changed DestinationRules name, likewise
 */
record RouteParents(Set<String> gateways, Set<String> services, Set<String> virtualServiceHosts, Set<String> destinationRuleHosts) {

    static final Set<String> KINDS = Set.of("HTTPRoute", "GRPCRoute", "VirtualService", "DestinationRule");

    RouteParents {
        gateways = Set.copyOf(gateways);
        services = Set.copyOf(services);
        virtualServiceHosts = Set.copyOf(virtualServiceHosts);
        destinationRuleHosts = Set.copyOf(destinationRuleHosts);
    }

    RouteParents(Set<String> gateways, Set<String> services) {
        this(gateways, services, Set.of(), Set.of());
    }

    /** As {@link #of(Set, LocalConfigStore.Snapshot, LocalConfigStore.Snapshot, String)} in the default cluster domain. */
    static Optional<RouteParents> of(Set<ResourceKey> changed, LocalConfigStore.Snapshot before, LocalConfigStore.Snapshot after) {
        return of(changed, before, after, "cluster.local");
    }

    /**
     * The parents of the routes {@code changed} names, as {@code before} and {@code after} hold them;
     * empty when some object cannot be read as a route (the caller then translates every waypoint).
     */
    static Optional<RouteParents> of(Set<ResourceKey> changed, LocalConfigStore.Snapshot before, LocalConfigStore.Snapshot after,
            String clusterDomain) {
        Set<String> gateways = new HashSet<>();
        Set<String> services = new HashSet<>();
        Set<String> vsHosts = new HashSet<>();
        Set<String> drHosts = new HashSet<>();
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
                if (key.kind().equals("VirtualService") || key.kind().equals("DestinationRule")) {
                    try {
                        Object spec = route.getAdditionalProperties().get("spec");
                        if (key.kind().equals("VirtualService")) {
                            vsHosts.addAll(fqdns(IstioSpecs.bind(spec, VirtualServiceSpec.class).hosts(), key.namespace(), clusterDomain));
                        } else {
                            String host = IstioSpecs.bind(spec, DestinationRuleSpec.class).host();
                            drHosts.addAll(fqdns(host == null ? List.of() : List.of(host), key.namespace(), clusterDomain));
                        }
                    } catch (IllegalArgumentException e) {
                        return Optional.empty(); // the translator reports it; what it named is unknown
                    }
                    continue;
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
        return Optional.of(new RouteParents(gateways, services, vsHosts, drHosts));
    }

    /** Istio's short names, as the translator reads them: a host without a dot is a Service of the object's namespace. */
    private static List<String> fqdns(List<String> hosts, String namespace, String clusterDomain) {
        return hosts.stream().map(h -> h.contains(".") || h.equals("*") ? h : h + "." + namespace + ".svc." + clusterDomain).toList();
    }

    /** Whether a waypoint ({@code namespace/name}, serving {@code bound}) is one such a change can alter. */
    boolean touches(String waypoint, List<Service> bound) {
        return touches(waypoint, bound, List.of(), "cluster.local");
    }

    /**
     * @param clusters the names of the clusters the waypoint had ({@code outbound|<port>||<host>}), for DestinationRules
     */
    boolean touches(String waypoint, List<Service> bound, List<String> clusters, String clusterDomain) {
        if (gateways.contains(waypoint)
                || bound.stream().anyMatch(s -> services.contains(s.getMetadata().getNamespace() + "/" + s.getMetadata().getName()))) {
            return true;
        }
        if (!virtualServiceHosts.isEmpty() && bound.stream().anyMatch(s -> covered(virtualServiceHosts,
                s.getMetadata().getName() + "." + s.getMetadata().getNamespace() + ".svc." + clusterDomain))) {
            return true;
        }
        return !destinationRuleHosts.isEmpty()
                && clusters.stream().map(c -> c.substring(c.lastIndexOf('|') + 1)).anyMatch(h -> covered(destinationRuleHosts, h));
    }

    /** The translator's host matching: {@code *} everything, {@code *.suffix} by suffix, else exactly. */
    private static boolean covered(Set<String> patterns, String host) {
        return patterns.stream().anyMatch(p -> p.equals("*") || (p.startsWith("*.") ? host.endsWith(p.substring(1)) : p.equals(host)));
    }
}
