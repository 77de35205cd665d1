package io.ambit.xds.translate;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;

/**
 * One consistent view of the objects translation reads. Immutable: the store swaps a whole new
 * one in, translation never sees a half-applied change.
 *
 * @param trustDomain   the mesh's trust domain
 * @param clusterDomain the Kubernetes DNS domain ({@code cluster.local})
 * @param clusterId     the cluster's id in workload uids ({@code Kubernetes}, as Istio names it)
 */
public record MeshInputs(String trustDomain, String clusterDomain, String clusterId,
                         Map<String, Namespace> namespaces, List<Pod> pods, List<Service> services) {

    public MeshInputs {
        namespaces = Map.copyOf(namespaces);
        pods = List.copyOf(pods);
        services = List.copyOf(services);
    }

    public static MeshInputs of(String trustDomain, List<Namespace> namespaces, List<Pod> pods, List<Service> services) {
        return new MeshInputs(trustDomain, "cluster.local", "Kubernetes",
                namespaces.stream().collect(Collectors.toMap(n -> n.getMetadata().getName(), Function.identity())),
                pods, services);
    }

    /** The inputs in a store snapshot (either backend). */
    public static MeshInputs from(io.ambit.xds.store.LocalConfigStore.Snapshot snapshot, String trustDomain) {
        return of(trustDomain, snapshot.all(Namespace.class), snapshot.all(Pod.class), snapshot.all(Service.class));
    }

    public Optional<Namespace> namespace(String name) {
        return Optional.ofNullable(namespaces.get(name));
    }
}
