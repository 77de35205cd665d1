package io.ambit.xds.state;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.ambit.proto.workload.Address;
import io.ambit.xds.translate.AuthorizationTranslator;
import io.ambit.xds.translate.Finding;
import io.ambit.xds.translate.MeshInputs;
import io.ambit.xds.translate.ServiceTranslator;
import io.ambit.xds.translate.WaypointTranslator;
import io.ambit.xds.translate.WorkloadTranslator;

/**
 * Every resource the server serves at one moment, per type URL and name, and the findings
 * translation made about the objects behind them. Immutable.
 *
 * @param number       increases with every generation that changed a resource (the response's system version)
 * @param storeVersion the store snapshot it was translated from
 * @param inputs       what it was translated from (the next generation compares against it)
 * @param incremental  whether only changed pods were translated (else the whole mesh)
 */
public record Generation(long number, long storeVersion, MeshInputs inputs, Map<String, Map<String, XdsResource>> resources,
                         List<Finding> findings, boolean incremental) {

    public Generation {
        resources = Map.copyOf(resources);
        findings = List.copyOf(findings);
    }

    public Map<String, XdsResource> of(String typeUrl) {
        return resources.getOrDefault(typeUrl, Map.of());
    }

    /** The generation after this one: pod by pod when only pods changed, else everything again. */
    Generation next(long number, long storeVersion, MeshInputs next) {
        var podChanges = PodChanges.between(inputs, next);
        if (podChanges.isEmpty()) {
            return translate(number, storeVersion, next);
        }
        Map<String, XdsResource> addresses = new java.util.HashMap<>(of(XdsState.ADDRESS_TYPE));
        podChanges.get().gone().forEach(key -> addresses.remove(next.clusterId() + "//Pod/" + key));
        var workloads = WorkloadTranslator.translatePods(next, podChanges.get().changed());
        for (var workload : workloads.resources()) {
            addresses.put(workload.getUid(), XdsResource.of(workload.getUid(), Address.newBuilder().setWorkload(workload).build()));
        }
        java.util.Set<String> touched = new java.util.HashSet<>(podChanges.get().gone());
        podChanges.get().changed().forEach(pod -> touched.add(PodChanges.key(pod)));
        java.util.Set<Finding> kept = new java.util.LinkedHashSet<>();
        findings.stream().filter(f -> !("Pod".equals(f.kind()) && touched.contains(f.namespace() + "/" + f.name()))).forEach(kept::add);
        kept.addAll(workloads.findings());
        return new Generation(number, storeVersion, next, Map.of(XdsState.ADDRESS_TYPE, java.util.Collections.unmodifiableMap(addresses),
                XdsState.AUTHORIZATION_TYPE, of(XdsState.AUTHORIZATION_TYPE)), List.copyOf(kept), true);
    }

    /** Translates the inputs into resources named as Istio names them: workload uid, {@code ns/hostname}, {@code ns/name}. */
    public static Generation translate(long number, long storeVersion, MeshInputs inputs) {
        Map<String, XdsResource> addresses = new LinkedHashMap<>();
        java.util.Set<Finding> findings = new java.util.LinkedHashSet<>(); // translators may report one object alike
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
        return new Generation(number, storeVersion, inputs, Map.of(XdsState.ADDRESS_TYPE, Map.copyOf(addresses),
                XdsState.AUTHORIZATION_TYPE, Map.copyOf(authorizations)), List.copyOf(findings), false);
    }
}
