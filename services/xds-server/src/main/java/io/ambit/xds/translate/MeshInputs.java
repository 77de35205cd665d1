package io.ambit.xds.translate;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.ambit.xds.store.LocalConfigStore;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;

/**
 * One consistent view of the objects translation reads. Immutable: the store swaps a whole new
 * one in, translation never sees a half-applied change. Istio's CRDs and Gateway API objects are
 * held generically (their {@code spec} is bound to a strict model where translation reads it).
 *
 * @param trustDomain     the mesh's trust domain
 * @param clusterDomain   the Kubernetes DNS domain ({@code cluster.local})
 * @param clusterId       the cluster's id in workload uids and {@code cluster_id} ({@code ambit.mesh.cluster-id}; Istio's default {@code Kubernetes})
 * @param rootNamespace   Istio's root namespace: policies there apply mesh-wide ({@code istio-system})
 * @param gatewayClasses  GatewayClasses (cluster-scoped): which Gateways are waypoints
 */
public record MeshInputs(String trustDomain, String clusterDomain, String clusterId, String rootNamespace,
                         Map<String, Namespace> namespaces, List<Pod> pods, List<Service> services,
                         List<EndpointSlice> endpointSlices,
                         List<GenericKubernetesResource> authorizationPolicies,
                         List<GenericKubernetesResource> peerAuthentications,
                         List<GenericKubernetesResource> workloadEntries,
                         List<GenericKubernetesResource> serviceEntries,
                         List<GenericKubernetesResource> gateways,
                         List<GenericKubernetesResource> httpRoutes,
                         List<GenericKubernetesResource> grpcRoutes,
                         List<GenericKubernetesResource> referenceGrants,
                         List<GenericKubernetesResource> gatewayClasses,
                         List<GenericKubernetesResource> virtualServices,
                         List<GenericKubernetesResource> destinationRules) {

    public static final String DEFAULT_ROOT_NAMESPACE = "istio-system";

    /** Inputs without routes (the L4 translations' tests). */
    public MeshInputs(String trustDomain, String clusterDomain, String clusterId, String rootNamespace,
            Map<String, Namespace> namespaces, List<Pod> pods, List<Service> services, List<EndpointSlice> endpointSlices,
            List<GenericKubernetesResource> authorizationPolicies, List<GenericKubernetesResource> peerAuthentications,
            List<GenericKubernetesResource> workloadEntries, List<GenericKubernetesResource> serviceEntries,
            List<GenericKubernetesResource> gateways) {
        this(trustDomain, clusterDomain, clusterId, rootNamespace, namespaces, pods, services, endpointSlices, authorizationPolicies,
                peerAuthentications, workloadEntries, serviceEntries, gateways, List.of(), List.of(), List.of());
    }

    /** Inputs without GatewayClasses and Istio's traffic kinds (VirtualService, DestinationRule). */
    public MeshInputs(String trustDomain, String clusterDomain, String clusterId, String rootNamespace,
            Map<String, Namespace> namespaces, List<Pod> pods, List<Service> services, List<EndpointSlice> endpointSlices,
            List<GenericKubernetesResource> authorizationPolicies, List<GenericKubernetesResource> peerAuthentications,
            List<GenericKubernetesResource> workloadEntries, List<GenericKubernetesResource> serviceEntries,
            List<GenericKubernetesResource> gateways, List<GenericKubernetesResource> httpRoutes,
            List<GenericKubernetesResource> grpcRoutes, List<GenericKubernetesResource> referenceGrants) {
        this(trustDomain, clusterDomain, clusterId, rootNamespace, namespaces, pods, services, endpointSlices, authorizationPolicies,
                peerAuthentications, workloadEntries, serviceEntries, gateways, httpRoutes, grpcRoutes, referenceGrants, List.of(), List.of(), List.of());
    }

    public MeshInputs {
        namespaces = Map.copyOf(namespaces);
        pods = List.copyOf(pods);
        services = List.copyOf(services);
        endpointSlices = List.copyOf(endpointSlices);
        authorizationPolicies = List.copyOf(authorizationPolicies);
        peerAuthentications = List.copyOf(peerAuthentications);
        workloadEntries = List.copyOf(workloadEntries);
        serviceEntries = List.copyOf(serviceEntries);
        gateways = List.copyOf(gateways);
        httpRoutes = List.copyOf(httpRoutes);
        grpcRoutes = List.copyOf(grpcRoutes);
        referenceGrants = List.copyOf(referenceGrants);
        gatewayClasses = List.copyOf(gatewayClasses);
        virtualServices = List.copyOf(virtualServices);
        destinationRules = List.copyOf(destinationRules);
    }

    /** Which Gateways are waypoints: by their class's controller (see {@link WaypointClasses}). */
    public WaypointClasses waypointClasses() {
        return WaypointClasses.of(gatewayClasses);
    }

    /** Core kinds only (tests of workload and service translation). */
    public static MeshInputs of(String trustDomain, List<Namespace> namespaces, List<Pod> pods, List<Service> services) {
        return new MeshInputs(trustDomain, "cluster.local", io.ambit.service.MeshProperties.DEFAULT_CLUSTER_ID, DEFAULT_ROOT_NAMESPACE,
                byName(namespaces), pods, services, List.of(), List.of(), List.of(), List.of(), List.of(), List.of());
    }

    /** The inputs in a store snapshot (either backend), sorted by kind in one pass. */
    public static MeshInputs from(LocalConfigStore.Snapshot snapshot, String trustDomain) {
        return from(snapshot, trustDomain, io.ambit.service.MeshProperties.DEFAULT_CLUSTER_ID);
    }

    /** The inputs in a store snapshot, for the cluster {@code clusterId} ({@code ambit.mesh.cluster-id}). */
    public static MeshInputs from(LocalConfigStore.Snapshot snapshot, String trustDomain, String clusterId) {
        List<Namespace> namespaces = new ArrayList<>();
        List<Pod> pods = new ArrayList<>();
        List<Service> services = new ArrayList<>();
        List<EndpointSlice> slices = new ArrayList<>();
        Map<String, List<GenericKubernetesResource>> generic = new HashMap<>();
        for (var parsed : snapshot.objects().values()) {
            switch (parsed.object()) {
                case Pod pod -> pods.add(pod);
                case Service service -> services.add(service);
                case Namespace namespace -> namespaces.add(namespace);
                case EndpointSlice slice -> slices.add(slice);
                case GenericKubernetesResource resource -> generic.computeIfAbsent(resource.getKind(), k -> new ArrayList<>()).add(resource);
                default -> {
                    // kinds translation does not read
                }
            }
        }
        return new MeshInputs(trustDomain, "cluster.local", clusterId, DEFAULT_ROOT_NAMESPACE, byName(namespaces),
                pods, services, slices,
                generic.getOrDefault("AuthorizationPolicy", List.of()), generic.getOrDefault("PeerAuthentication", List.of()),
                generic.getOrDefault("WorkloadEntry", List.of()), generic.getOrDefault("ServiceEntry", List.of()),
                generic.getOrDefault("Gateway", List.of()), generic.getOrDefault("HTTPRoute", List.of()),
                generic.getOrDefault("GRPCRoute", List.of()), generic.getOrDefault("ReferenceGrant", List.of()),
                generic.getOrDefault("GatewayClass", List.of()),
                generic.getOrDefault("VirtualService", List.of()), generic.getOrDefault("DestinationRule", List.of()));
    }

    private static Map<String, Namespace> byName(List<Namespace> namespaces) {
        return namespaces.stream().collect(Collectors.toMap(n -> n.getMetadata().getName(), Function.identity()));
    }

    /**
     * The same inputs without pods: what translating single pods reads. Kept between pod-only
     * changes, so it must not pin pods that have since changed or gone.
     */
    public MeshInputs withoutPods() {
        return new MeshInputs(trustDomain, clusterDomain, clusterId, rootNamespace, namespaces, List.of(), services, endpointSlices,
                authorizationPolicies, peerAuthentications, workloadEntries, serviceEntries, gateways, httpRoutes, grpcRoutes,
                referenceGrants, gatewayClasses, virtualServices, destinationRules);
    }

    public Optional<Namespace> namespace(String name) {
        return Optional.ofNullable(namespaces.get(name));
    }
}
