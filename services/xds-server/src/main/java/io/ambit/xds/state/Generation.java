package io.ambit.xds.state;

import io.ambit.service.MeshProperties;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.ambit.proto.workload.Address;
import io.ambit.xds.store.LocalConfigStore;
import io.ambit.xds.store.ResourceKey;
import io.ambit.xds.store.ShardedMap;
import io.ambit.xds.translate.AuthorizationTranslator;
import io.ambit.xds.translate.Finding;
import io.ambit.xds.translate.MeshInputs;
import io.ambit.xds.translate.ServiceTranslator;
import io.ambit.xds.translate.WaypointTranslator;
import io.ambit.xds.translate.WorkloadTranslator;
import io.fabric8.kubernetes.api.model.Pod;

/**
 * Every resource the server serves at one moment, per type URL and name, and the findings
 * translation made about the objects behind them. Immutable (its inputs are built from the store
 * snapshot on first use: a pod-only generation never needs them).
 */
public final class Generation {

    /** Kinds only {@link io.ambit.xds.translate.WaypointL7Translator} reads. */
    static final Set<String> ROUTE_KINDS = Set.of("HTTPRoute", "GRPCRoute", "ReferenceGrant", "VirtualService", "DestinationRule");

    private final long number;
    private final LocalConfigStore.Snapshot snapshot;
    private final String trustDomain;
    private final String clusterId;
    private final Map<String, Map<String, XdsResource>> resources;
    private final List<Finding> findings;
    private final boolean incremental;
    /** Waypoints' and proxyless clients' Envoy resources. */
    private final EnvoyResources envoy;
    /** Inputs whose non-pod objects are this generation's: what pod-by-pod translation reads. */
    private final MeshInputs context;
    /** What translating one pod against {@code context} reads, worked out once per full translation. */
    private final WorkloadTranslator.Prepared prepared;
    private MeshInputs inputs;

    private Generation(long number, LocalConfigStore.Snapshot snapshot, String trustDomain, String clusterId, MeshInputs inputs, MeshInputs context,
            WorkloadTranslator.Prepared prepared, Map<String, Map<String, XdsResource>> resources, List<Finding> findings,
            boolean incremental, EnvoyResources envoy) {
        this.prepared = prepared;
        this.envoy = envoy;
        this.number = number;
        this.snapshot = snapshot;
        this.trustDomain = trustDomain;
        this.clusterId = clusterId;
        this.inputs = inputs;
        this.context = context;
        this.resources = Map.copyOf(resources);
        this.findings = List.copyOf(findings);
        this.incremental = incremental;
    }

    /** Increases with every generation that changed a resource: the responses' system version. */
    public long number() {
        return number;
    }

    /** The store snapshot it was translated from. */
    public long storeVersion() {
        return snapshot.version();
    }

    public Map<String, Map<String, XdsResource>> resources() {
        return resources;
    }

    public Map<String, XdsResource> of(String typeUrl) {
        return resources.getOrDefault(typeUrl, Map.of());
    }

    /** The Envoy resources (LDS/RDS/CDS/EDS) one scope may see: a waypoint's {@code namespace/name} or {@link EnvoyResources#PROXYLESS}. */
    public Map<String, XdsResource> of(String scope, String typeUrl) {
        return envoy.of(scope, typeUrl);
    }

    public EnvoyResources envoy() {
        return envoy;
    }

    public List<Finding> findings() {
        return findings;
    }

    /** Whether only changed pods were translated (else the whole mesh). */
    public boolean incremental() {
        return incremental;
    }

    /** Everything it was translated from. */
    public synchronized MeshInputs inputs() {
        if (inputs == null) {
            inputs = MeshInputs.from(snapshot, trustDomain, clusterId);
        }
        return inputs;
    }

    /**
     * The same resources, seen at a later store snapshot whose changes altered none of them. The
     * later translation's waypoint configs come along ({@code laterEnvoy}: resources equal to these):
     * what they say for status (a route's problems) may have changed all the same.
     */
    Generation at(LocalConfigStore.Snapshot later, List<Finding> laterFindings, EnvoyResources laterEnvoy) {
        return new Generation(number, later, trustDomain, clusterId, null, context, prepared, resources, laterFindings, incremental,
                laterEnvoy);
    }

    /**
     * The generation after this one. When every change since is a route's (or a ReferenceGrant's,
     * VirtualService's, DestinationRule's), only the waypoints' resources are translated again, and
     * unless a ReferenceGrant is among them only the waypoints the changes can alter ({@link RouteParents}). When every change since is a pod's, only those pods are
     * translated: no other resource depends on a pod, and the objects a pod's workload reads
     * (namespaces, services, policies, waypoints) are this generation's. Otherwise everything.
     *
     * @param changed the keys changed since this generation's snapshot, or null when unknown
     */
    Generation next(long nextNumber, LocalConfigStore.Snapshot later, Set<ResourceKey> changed) {
        if (changed != null && !changed.isEmpty() && changed.stream().allMatch(key -> ROUTE_KINDS.contains(key.kind()))) {
            // Routes and grants feed only the waypoints' resources: ztunnel's stay as they are. Not
            // "incremental": status hooks run (route status) and every type is compared.
            // Unless a ReferenceGrant changed: only the waypoints the changes can alter (before or after) are translated again.
            MeshInputs laterInputs = MeshInputs.from(later, trustDomain, clusterId);
            EnvoyResources laterEnvoy = RouteParents.of(changed, snapshot, later, laterInputs.clusterDomain())
                    .map(parents -> EnvoyResources.retranslate(envoy, laterInputs, parents))
                    .orElseGet(() -> EnvoyResources.translate(laterInputs));
            return new Generation(nextNumber, later, trustDomain, clusterId, laterInputs, context, prepared, resources, findings, false,
                    laterEnvoy);
        }
        if (changed == null || changed.stream().anyMatch(key -> !"Pod".equals(key.kind()))) {
            return translate(nextNumber, later, trustDomain, clusterId);
        }
        List<Pod> pods = new java.util.ArrayList<>();
        for (ResourceKey key : changed) {
            var parsed = later.objects().get(key);
            if (parsed != null && parsed.object() instanceof Pod pod) {
                pods.add(pod);
            }
        }
        Set<String> removed = podWorkloads(context.clusterId(), changed);
        var workloads = WorkloadTranslator.translatePods(prepared, pods);
        Map<String, XdsResource> puts = new HashMap<>();
        for (var workload : workloads.resources()) {
            puts.put(workload.getUid(), XdsResource.of(workload.getUid(), Address.newBuilder().setWorkload(workload).build()));
            removed.remove(workload.getUid());
        }
        Map<String, XdsResource> addresses = ShardedMap.copyOf(of(XdsState.ADDRESS_TYPE)).with(puts, removed);
        Set<String> touched = new HashSet<>();
        changed.forEach(key -> touched.add(key.namespace() + "/" + key.name()));
        Set<Finding> kept = new LinkedHashSet<>();
        findings.stream().filter(f -> !("Pod".equals(f.kind()) && touched.contains(f.namespace() + "/" + f.name()))).forEach(kept::add);
        kept.addAll(workloads.findings());
        // Endpoints (EDS) follow pods: waypoints' resources are translated again, but only where a waypoint exists.
        MeshInputs laterInputs = envoy.isEmpty() ? null : MeshInputs.from(later, trustDomain, clusterId);
        EnvoyResources laterEnvoy = laterInputs == null ? envoy : EnvoyResources.translate(laterInputs);
        return new Generation(nextNumber, later, trustDomain, clusterId, laterInputs, context, prepared,
                Map.of(XdsState.ADDRESS_TYPE, addresses, XdsState.AUTHORIZATION_TYPE, of(XdsState.AUTHORIZATION_TYPE)),
                List.copyOf(kept), true, laterEnvoy);
    }

    /** Workload uids a pod-only change may have touched: the names to compare with the previous generation. */
    static Set<String> podWorkloads(String clusterId, Set<ResourceKey> changed) {
        Set<String> names = new HashSet<>();
        changed.forEach(key -> names.add(clusterId + "//Pod/" + key.namespace() + "/" + key.name()));
        return names;
    }

    /** The cluster this generation's workloads belong to ({@code Workload.cluster_id}). */
    public String clusterId() {
        return context.clusterId();
    }

    /** Translates a whole snapshot into resources named as Istio names them: workload uid, {@code ns/hostname}, {@code ns/name}. */
    /** The first generation, in the default cluster ({@link MeshProperties#DEFAULT_CLUSTER_ID}). */
    public static Generation translate(long number, LocalConfigStore.Snapshot snapshot, String trustDomain) {
        return translate(number, snapshot, trustDomain, MeshProperties.DEFAULT_CLUSTER_ID);
    }

    /** @param clusterId the cluster's id ({@code ambit.mesh.cluster-id}): workload uids and {@code cluster_id} */
    public static Generation translate(long number, LocalConfigStore.Snapshot snapshot, String trustDomain, String clusterId) {
        MeshInputs inputs = MeshInputs.from(snapshot, trustDomain, clusterId);
        Map<String, XdsResource> addresses = new LinkedHashMap<>();
        Set<Finding> findings = new LinkedHashSet<>(); // translators may report one object alike
        var workloads = WorkloadTranslator.translateAll(inputs);
        var services = ServiceTranslator.translateAll(inputs);
        findings.addAll(workloads.findings());
        findings.addAll(services.findings());
        findings.addAll(WaypointTranslator.waypoints(inputs).findings());
        for (var workload : workloads.resources()) {
            addresses.put(workload.getUid(), XdsResource.of(workload.getUid(), Address.newBuilder().setWorkload(workload).build()));
        }
        for (var service : services.resources()) {
            String name = service.getNamespace() + "/" + service.getHostname();
            addresses.put(name, XdsResource.of(name, Address.newBuilder().setService(service).build()));
        }
        Map<String, XdsResource> authorizations = new LinkedHashMap<>();
        var policies = AuthorizationTranslator.translate(inputs);
        for (var policy : policies.resources()) {
            String name = policy.getNamespace() + "/" + policy.getName();
            authorizations.put(name, XdsResource.of(name, policy));
        }
        findings.addAll(policies.findings());
        MeshInputs context = inputs.withoutPods();
        return new Generation(number, snapshot, trustDomain, clusterId, inputs, context, WorkloadTranslator.prepare(context),
                Map.of(XdsState.ADDRESS_TYPE, ShardedMap.copyOf(addresses),
                XdsState.AUTHORIZATION_TYPE, Map.copyOf(authorizations)), List.copyOf(findings), false, EnvoyResources.translate(inputs));
    }
}
