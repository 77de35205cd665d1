package io.ambit.gatewayapi.istio;

import java.util.List;
import java.util.Map;

/** {@code networking.istio.io/v1} ServiceEntry {@code spec}, field for field as Istio's {@code service_entry.proto}. */
public record ServiceEntrySpec(
        List<String> hosts,
        List<String> addresses,
        List<ServicePort> ports,
        Location location,
        Resolution resolution,
        List<WorkloadEntrySpec> endpoints,
        Selector workloadSelector,
        List<String> exportTo,
        List<String> subjectAltNames) {

    public enum Location { MESH_EXTERNAL, MESH_INTERNAL }

    public enum Resolution { NONE, STATIC, DNS, DNS_ROUND_ROBIN, DYNAMIC_DNS }

    public record ServicePort(Integer number, String protocol, String name, Integer targetPort) {
    }

    /** Networking's workload selector: {@code labels}, unlike security's {@code matchLabels}. */
    public record Selector(Map<String, String> labels) {
    }
}
