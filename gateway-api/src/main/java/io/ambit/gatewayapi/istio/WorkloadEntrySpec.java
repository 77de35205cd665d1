package io.ambit.gatewayapi.istio;

import java.util.Map;

/**
 * {@code networking.istio.io/v1} WorkloadEntry {@code spec}, field for field as Istio's
 * {@code workload_entry.proto}; also each inline endpoint of a ServiceEntry.
 */
public record WorkloadEntrySpec(
        String address,
        Map<String, Integer> ports,
        Map<String, String> labels,
        String network,
        String locality,
        Long weight,
        String serviceAccount) {
}
