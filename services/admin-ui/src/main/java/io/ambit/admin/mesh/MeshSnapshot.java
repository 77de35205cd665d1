package io.ambit.admin.mesh;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.ambit.authz.AuthorizationPolicy;
import io.ambit.proto.security.Authorization;
import tools.jackson.databind.JsonNode;

/**
 * One consistent read of the mesh: the xds-server's translated resources and store objects at one
 * generation, and each ztunnel's certificates. Immutable; {@link MeshReader} swaps whole snapshots.
 *
 * @param generation  the xds-server's translation generation
 * @param policies    the translated L4 policies by {@code namespace/name}, as the ztunnels receive them
 * @param translated  the same policies as protobuf messages (for "as translated")
 * @param problems    what could not be read (a ztunnel down, a policy the shared parser refuses), for the overview
 */
public record MeshSnapshot(Instant readAt, long generation, List<WorkloadInfo> workloads, List<ServiceInfo> services,
                           Map<String, AuthorizationPolicy> policies, Map<String, Authorization> translated,
                           List<StoreObject> objects, JsonNode statuses, List<String> findings,
                           List<CertificateInfo> certificates, Map<String, String> ztunnels, List<String> problems) {

    public MeshSnapshot {
        workloads = List.copyOf(workloads);
        services = List.copyOf(services);
        policies = Map.copyOf(policies);
        translated = Map.copyOf(translated);
        objects = List.copyOf(objects);
        findings = List.copyOf(findings);
        certificates = List.copyOf(certificates);
        ztunnels = Map.copyOf(ztunnels);
        problems = List.copyOf(problems);
    }

    public List<StoreObject> objects(String kind) {
        return objects.stream().filter(o -> o.kind().equalsIgnoreCase(kind)).toList();
    }

    public Optional<StoreObject> object(String kind, String namespace, String name) {
        return objects.stream().filter(o -> o.kind().equalsIgnoreCase(kind) && o.namespace().equals(namespace) && o.name().equals(name))
                .findFirst();
    }

    public Optional<WorkloadInfo> workload(String namespace, String name) {
        return workloads.stream().filter(w -> w.namespace().equals(namespace) && w.name().equals(name)).findFirst();
    }

    public Optional<WorkloadInfo> workloadAt(String ip) {
        return workloads.stream().filter(w -> w.addresses().contains(ip)).findFirst();
    }

    public Optional<WorkloadInfo> workloadByUid(String uid) {
        return workloads.stream().filter(w -> w.uid().equals(uid)).findFirst();
    }

    /** A service by {@code namespace} and short name (the Kubernetes Service's name). */
    public Optional<ServiceInfo> service(String namespace, String name) {
        return services.stream().filter(s -> s.namespace().equals(namespace) && s.name().equals(name)).findFirst();
    }

    public Optional<ServiceInfo> serviceAt(String vip) {
        return services.stream().filter(s -> s.vips().contains(vip)).findFirst();
    }

    public Optional<ServiceInfo> serviceByHostname(String namespace, String hostname) {
        return services.stream().filter(s -> s.namespace().equals(namespace) && s.hostname().equals(hostname)).findFirst();
    }

    /** The namespaces known to the store or used by a workload. */
    public List<String> namespaceNames() {
        java.util.TreeSet<String> names = new java.util.TreeSet<>();
        objects("Namespace").forEach(o -> names.add(o.name()));
        workloads.forEach(w -> names.add(w.namespace()));
        return List.copyOf(names);
    }
}
