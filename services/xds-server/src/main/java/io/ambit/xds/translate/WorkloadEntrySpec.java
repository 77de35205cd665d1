package io.ambit.xds.translate;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The fields of Istio's {@code WorkloadEntry} message that ambient reads; the same message is a
 * standalone WorkloadEntry's {@code spec} and each of a ServiceEntry's inline {@code endpoints}.
 *
 * @param address        IP literal, or (ServiceEntry endpoints only) a DNS name
 * @param ports          port name → number, matched against a Service's named target ports and a
 *                       ServiceEntry's port names
 * @param labels         {@code spec.labels}
 * @param network        empty for the cluster's own network
 * @param locality       {@code region/zone/subzone}
 * @param weight         0 when not set
 * @param serviceAccount empty when not set
 */
record WorkloadEntrySpec(String address, Map<String, Integer> ports, Map<String, String> labels, String network,
                         String locality, long weight, String serviceAccount) {

    WorkloadEntrySpec {
        ports = Map.copyOf(ports);
        labels = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(labels));
    }

    static WorkloadEntrySpec read(SpecReader spec) {
        Map<String, String> labels = spec.stringMap("labels");
        long weight = spec.integer("weight", 0);
        if (weight < 0 || weight > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException(spec.path("weight") + ": " + weight + " is out of range");
        }
        return new WorkloadEntrySpec(spec.string("address", ""), spec.portMap("ports"), labels == null ? Map.of() : labels,
                spec.string("network", ""), spec.string("locality", ""), weight, spec.string("serviceAccount", ""));
    }
}
